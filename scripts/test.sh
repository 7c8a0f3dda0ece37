#!/usr/bin/env bash
# `npm test`: the whole suite, from a fresh clone (as root on Debian/Ubuntu).
#   Node 24 (lib.sh ensure_node fetches it when the node on PATH is older) -> npm ci when
#   needed -> Debian packages (scripts/services.sh install) -> npm run build (the e2e and
#   fault tests run the compiled apps) -> the fault tier, and beside it the unit tier, then
#   integration with half of e2e and the other half of e2e with the browser tier. Jest's global setup
#   (test/global-setup.ts) starts Redis, a Docker engine, a registry and PostgreSQL on the
#   tests' own ports and its teardown stops them. Arguments go to jest, e.g.
#   `npm test -- test/e2e/services.e2e-spec.ts`. DRYDOCK_SKIP_BUILD=1 skips the build;
#   DRYDOCK_TEST_KEEP_SERVICES=1 leaves the services running for the next run.
set -euo pipefail
LOG_TAG='test'
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

ensure_node
ensure_node_modules
bash scripts/services.sh install --with-postgres --with-browser
if [[ ${DRYDOCK_SKIP_BUILD:-} != 1 ]]; then npm run build; fi
jest=(node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand)
# Arguments that pick tests (paths, projects, names) run as asked, in one jest.
for arg in "$@"; do [[ $arg == --ci ]] || exec "${jest[@]}" "$@"; done
# The whole suite, as four jests: the fault tier waits on timers (heartbeats, backoffs, signals)
# and the integration, e2e and browser tiers on builds and engines far more than they work, so one
# after the other they would take three times as long. The fault tier starts first and runs
# throughout; meanwhile the unit tier runs on every CPU (it needs no service, and fills jest's
# transform cache for the rest), then two jests at once: integration with half of e2e, and the
# other half of e2e with the browser tier. All share the test services (leases, see
# test/global-setup.ts); each stack has its own port, Redis prefix and data dir, the fault tests
# their own Redis and registry where they stop one, and build ids of their own on the shared
# engine (test/fault/build-probes.ts). The e2e files are split by name into halves of about the
# same length.
second_half='test/e2e/(isolation-|pull-requests|checkout-paths|bounds|durability)'
"${jest[@]}" --selectProjects fault "$@" > >(sed -u 's/^/[fault] /') 2>&1 &
fault=$!
status=0
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects unit --maxWorkers=2 "$@" || status=$?
"${jest[@]}" --selectProjects e2e browser --testPathPatterns "$second_half|test/browser/" "$@" > >(sed -u 's/^/[e2e-2] /') 2>&1 &
second=$!
"${jest[@]}" --selectProjects integration e2e --testPathIgnorePatterns "$second_half" "$@" || status=$?
wait "$second" || status=$?
wait "$fault" || status=$?
exit "$status"
