# shellcheck shell=bash
# Shell helpers shared by scripts/*.sh. Source it; it defines functions only.

# The docker client that speaks BuildKit (DOCKER_BUILDKIT=1). The 28.x client some
# machines have in /usr/local/bin refuses BuildKit against a 20.10 engine.
# shellcheck disable=SC2034 # used by the scripts that source this file
DOCKER_CLI="${DRYDOCK_DOCKER_CLI:-/usr/bin/docker}"

log() { printf '[%s] %s\n' "${LOG_TAG:-drydock}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# wait_until SECONDS DESCRIPTION COMMAND...: retry COMMAND (quietly) every 0.25 s.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { log "timed out after ${seconds}s waiting for $what"; return 1; }
    sleep 0.25
  done
}

is_root() { [[ $(id -u) -eq 0 ]]; }

package_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == 'install ok installed' ]]
}

# ensure_packages PKG...: apt-get install what is missing; `apt-get update` only then.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do package_installed "$pkg" || missing+=("$pkg"); done
  ((${#missing[@]} == 0)) && return 0
  is_root || die "missing Debian packages (${missing[*]}); run as root to install them"
  log "installing ${missing[*]}"
  # Lock timeout: another apt run (unattended-upgrades, a parallel job) may hold the lock.
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${missing[@]}"
}

# pid_alive PIDFILE: the pid file names a running process.
pid_alive() {
  [[ -s $1 ]] && kill -0 "$(head -n1 "$1")" 2>/dev/null
}

# stop_pid NAME PIDFILE SIGNAL TIMEOUT: signal the process, wait for it to exit
# (SIGKILL after TIMEOUT seconds) and remove the pid file.
stop_pid() {
  local name=$1 pidfile=$2 signal=$3 timeout=$4 pid
  [[ -f $pidfile ]] || return 0
  pid=$(head -n1 "$pidfile")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill "-$signal" "$pid" 2>/dev/null || true
    if ! wait_until "$timeout" "$name to exit" bash -c "! kill -0 $pid"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# ensure_node_modules: install when node_modules is missing or older than the lock file.
# `npm install` (which follows the lock) rather than `npm ci`: npm 11 writes locks that
# list only this platform's optional packages, and `npm ci` then refuses them as out of step.
ensure_node_modules() {
  local marker=node_modules/.package-lock.json
  [[ ! -f $marker || package-lock.json -nt $marker ]] || return 0
  log 'npm install'
  npm install --no-save --no-audit --no-fund
}
