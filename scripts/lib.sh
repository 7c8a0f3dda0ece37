# shellcheck shell=bash
# Shell helpers shared by scripts/*.sh. Source it; it defines functions only.

# The docker client Drydock drives: Debian's, which comes with the buildx and compose v2
# plugins (scripts/services.sh installs them). The 28.x client some machines have in
# /usr/local/bin has neither plugin.
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

# ensure_node: make `node` (and the npm and npx run after it) Node.js >= NODE_MAJOR. When
# the node on PATH is missing or older, fetch the npm package node-linux-<arch>@NODE_MAJOR
# (it ships the official binary) with the machine's npm into NODE_DIR, once, and put its
# bin/ first on PATH. npm itself stays the machine's, running under that node; native
# addons (better-sqlite3) compile against that node's headers (npm_config_nodedir).
NODE_MAJOR=24
NODE_DIR=${DRYDOCK_NODE_DIR:-/opt/drydock/node-$NODE_MAJOR}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

ensure_node() {
  local major
  major=$(node_major || true)
  if [[ -n $major ]] && ((major >= NODE_MAJOR)); then
    [[ $(command -v node) != "$NODE_DIR/bin/node" ]] || export npm_config_nodedir=$NODE_DIR
    return 0
  fi
  if [[ ! -x $NODE_DIR/bin/node || ! -d $NODE_DIR/include/node ]]; then
    command -v npm >/dev/null || die "Node.js >= $NODE_MAJOR is needed, and npm to fetch it (found node ${major:-none})"
    local arch
    case $(uname -m) in
      x86_64) arch=x64 ;;
      aarch64) arch=arm64 ;;
      *) die "no node-linux package for $(uname -m): install Node.js >= $NODE_MAJOR" ;;
    esac
    log "node ${major:-missing} is older than $NODE_MAJOR: fetching node-linux-$arch@$NODE_MAJOR into $NODE_DIR"
    local tmp
    tmp=$(mktemp -d)
    npm pack --silent --pack-destination "$tmp" "node-linux-$arch@$NODE_MAJOR" >/dev/null ||
      { rm -rf "$tmp"; die "npm pack node-linux-$arch@$NODE_MAJOR failed"; }
    mkdir -p "$tmp/node" "$(dirname "$NODE_DIR")"
    tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp/node" --strip-components=1 package/bin/node package/include package/LICENSE
    rm -rf "$NODE_DIR" && mv "$tmp/node" "$NODE_DIR" && rm -rf "$tmp"
  fi
  export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir=$NODE_DIR
  major=$(node_major || true)
  [[ -n $major ]] && ((major >= NODE_MAJOR)) || die "$NODE_DIR/bin/node does not run as Node.js $NODE_MAJOR"
  log "using node $(node --version) from $NODE_DIR/bin"
}

# ensure_node_modules: `npm ci` when node_modules is missing or older than the lock file.
# The lock lists every platform's optional packages, so `npm ci` accepts it anywhere.
ensure_node_modules() {
  local marker=node_modules/.package-lock.json
  [[ ! -f $marker || package-lock.json -nt $marker ]] || return 0
  log 'npm ci'
  npm ci --no-audit --no-fund
}
