#!/usr/bin/env bash
# `npm run up`: from a fresh Debian/Ubuntu machine (run as root; npm present) to a serving
# Drydock, in the foreground. Ctrl-C stops the app and the services this run started;
# services that already answered are left alone.
#
# 1. Node 24 (lib.sh ensure_node fetches it when the node on PATH is older), then npm ci
#    when node_modules is missing or older than package-lock.json
# 2. scripts/services.sh: Debian packages, then Redis on 127.0.0.1:6379, a registry on
#    localhost:5000 and a Docker engine (Debian 13's docker.io 26 with buildx and compose
#    v2) on unix:///run/drydock/docker.sock (bridge drydock0, 10.220.0.0/16), their data,
#    logs and pid files under /var/lib/drydock (DRYDOCK_SERVICES_DIR). A service whose
#    variable (REDIS_URL, DOCKER_HOST, DRYDOCK_REGISTRY) is already set is taken as yours
#    and not started. For those it starts, the credentials services.sh generated (Redis's
#    password, in REDIS_URL; the registry's user, DRYDOCK_REGISTRY_USERNAME / _PASSWORD) are
#    exported to Drydock. DRYDOCK_BUILD_ALLOW_NETS, when set, is read by the engine's firewall.
#    When this run starts the engine, builds do not run on it: the worker starts an engine per
#    repository (DRYDOCK_ENGINES_DIR, default /var/lib/drydock/engines; set it empty to build
#    every repository on this one engine), at most DRYDOCK_MAX_ENGINES, each with the same
#    network box, and copies this engine's base images into each. With your own DOCKER_HOST,
#    every repository builds on your engine (and shares its cache: SECURITY.md).
# 3. scripts/base-images.sh: busybox:latest and debian:bookworm-slim on that engine
# 4. npm run build
# 5. GITHUB_WEBHOOK_SECRET: when unset, generated once into ./data/webhook-secret; the API
#    token (DRYDOCK_API_TOKEN): when unset, generated once into <DRYDOCK_DATA_DIR>/api-token,
#    which Drydock reads at start (it would make the same file itself)
# 6. npm start (API + worker), or DRYDOCK_UP_EXEC instead (e.g. DRYDOCK_UP_EXEC=true
#    to check the steps above). DRYDOCK_SKIP_BUILD=1 skips step 4.
set -euo pipefail
LOG_TAG=up
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

SERVICES_RECORD=
APP_PID=

stop_what_we_started() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $APP_PID ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill -TERM "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  if [[ -s $SERVICES_RECORD ]]; then
    # shellcheck disable=SC2046 # one service name per line
    bash scripts/services.sh stop $(cat "$SERVICES_RECORD") || true
  fi
  rm -f "$SERVICES_RECORD"
  exit "$status"
}

start_services() {
  local wanted=()
  if [[ -z ${REDIS_URL:-} ]]; then
    wanted+=(redis)
    export REDIS_URL="redis://127.0.0.1:${DRYDOCK_REDIS_PORT:-6379}"
  fi
  if [[ -z ${DOCKER_HOST:-} ]]; then
    wanted+=(docker)
    export DOCKER_HOST="unix://${DRYDOCK_DOCKER_SOCKET:-/run/drydock/docker.sock}"
    # Builds run on an engine per repository that the worker starts; this engine gives them base images.
    export DRYDOCK_ENGINES_DIR="${DRYDOCK_ENGINES_DIR-${DRYDOCK_SERVICES_DIR:-/var/lib/drydock}/engines}"
  fi
  if [[ -z ${DRYDOCK_REGISTRY:-} ]]; then
    wanted+=(registry)
    export DRYDOCK_REGISTRY="localhost:${DRYDOCK_REGISTRY_PORT:-5000}"
  fi
  bash scripts/services.sh install
  if ((${#wanted[@]})); then
    bash scripts/services.sh start --record "$SERVICES_RECORD" "${wanted[@]}"
  fi
  local line
  while IFS= read -r line; do
    case $line in
      REDIS_URL=*) [[ " ${wanted[*]} " == *' redis '* ]] || continue ;;
      DRYDOCK_REGISTRY_*) [[ " ${wanted[*]} " == *' registry '* ]] || continue ;;
    esac
    # Values are hex and a URL, printed with %q.
    export "${line?}"
  done < <(bash scripts/services.sh env)
}

ensure_webhook_secret() {
  [[ -z ${GITHUB_WEBHOOK_SECRET:-} && -z ${GITHUB_WEBHOOK_SECRET_FILE:-} ]] || return 0
  local file=data/webhook-secret
  if [[ ! -s $file ]]; then
    mkdir -p data
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$file")
    log "generated a webhook secret into $file"
  fi
  GITHUB_WEBHOOK_SECRET=$(cat "$file")
  export GITHUB_WEBHOOK_SECRET
  log "GitHub webhook secret (set it on the repository's webhook): $GITHUB_WEBHOOK_SECRET"
}

# The file Drydock itself would generate at its first start; made here so it can be printed.
# Written whole before it appears (hard link of a finished temporary file), as Drydock does.
ensure_api_token() {
  if [[ -n ${DRYDOCK_API_TOKEN:-} || -n ${DRYDOCK_API_TOKEN_FILE:-} ]]; then
    log "API token: DRYDOCK_API_TOKEN"
    return 0
  fi
  local dir=${DRYDOCK_DATA_DIR:-data}
  local file=$dir/api-token
  if [[ ! -s $file ]]; then
    mkdir -p "$dir"
    local temp
    temp=$(umask 077 && mktemp "$file.XXXXXX.tmp")
    head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$temp"
    if ln "$temp" "$file" 2>/dev/null; then log "generated an API token into $file"; fi
    rm -f "$temp"
  fi
  log "API token (for POST calls: Authorization: Bearer <token>; the CLI reads $file itself): $(cat "$file")"
}

main() {
  SERVICES_RECORD=$(mktemp)
  trap stop_what_we_started EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  ensure_node
  ensure_node_modules
  start_services
  bash scripts/base-images.sh
  if [[ ${DRYDOCK_SKIP_BUILD:-} != 1 ]]; then npm run build; fi
  ensure_webhook_secret
  ensure_api_token

  log "REDIS_URL=$(sed -E 's#//[^@/]*@#//***@#' <<<"$REDIS_URL") DOCKER_HOST=$DOCKER_HOST DRYDOCK_REGISTRY=$DRYDOCK_REGISTRY${DRYDOCK_ENGINES_DIR:+ DRYDOCK_ENGINES_DIR=$DRYDOCK_ENGINES_DIR}"
  # Not exec: this shell stays to stop the services when the app ends or on Ctrl-C.
  if [[ -n ${DRYDOCK_UP_EXEC:-} ]]; then
    bash -c "$DRYDOCK_UP_EXEC" &
  else
    node dist/apps/api/src/main.js --with-worker &
  fi
  APP_PID=$!
  wait "$APP_PID"
}

main "$@"
