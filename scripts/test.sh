#!/usr/bin/env bash
# `npm test`: the whole suite, from a fresh clone (as root on Debian/Ubuntu).
#   Node 24 (lib.sh ensure_node fetches it when the node on PATH is older) -> npm ci when
#   needed -> Debian packages (scripts/services.sh install) -> npm run build (the e2e and
#   fault tests run the compiled apps) -> jest, in band: unit, integration, e2e and fault. Jest's global setup
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
bash scripts/services.sh install --with-postgres
if [[ ${DRYDOCK_SKIP_BUILD:-} != 1 ]]; then npm run build; fi
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand "$@"
