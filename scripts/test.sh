#!/usr/bin/env bash
# `npm test`: the whole suite, from a fresh clone (as root on Debian/Ubuntu).
#   Node 24 (lib.sh ensure_node fetches it when the node on PATH is older) -> npm ci when
#   needed -> Debian packages (scripts/services.sh install) -> npm run build (the e2e and
#   fault tests run the compiled apps) -> jest, in band: unit, integration and e2e, and beside
#   them the fault tier in a second jest. Jest's global setup
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
# The whole suite: the fault tier waits on timers (heartbeats, backoffs, signals) far more than it
# works, so it runs beside the other tiers, in a second jest. Both share the test services (leases,
# see test/global-setup.ts); the fault tests use their own Redis and registry where they stop one,
# and build ids of their own on the shared engine (test/fault/build-probes.ts).
"${jest[@]}" --selectProjects fault "$@" > >(sed -u 's/^/[fault] /') 2>&1 &
fault=$!
status=0
"${jest[@]}" --selectProjects unit integration e2e browser "$@" || status=$?
wait "$fault" || status=$?
exit "$status"
