#!/usr/bin/env bash
# Installs and runs Drydock's local services: Redis, a Docker engine (dockerd with
# BuildKit), a registry (distribution 2.8) and, for tests, PostgreSQL.
#
#   services.sh install [--with-postgres] [--with-browser]   apt-get what is missing (as root;
#                                           --with-browser: Debian's chromium for the browser tests)
#   services.sh start   [OPTIONS] [--record FILE] [--lease PID] [--owner-pid PID [--slot-file FILE]] [--throwaway] [SERVICE...]
#   services.sh stop    [OPTIONS] [--slot-file FILE] [--throwaway] [SERVICE...]
#   services.sh release [OPTIONS] PID
#   services.sh status  [OPTIONS]
#   services.sh env     [OPTIONS]   prints REDIS_URL, DRYDOCK_REGISTRY_USERNAME and _PASSWORD
#   services.sh watch   --data-dir DIR --owner-pid PID [--slot-file FILE] [--throwaway]   (what start --owner-pid runs)
#
# The engine is Debian 13's docker.io 26.1 (BuildKit 0.13) with docker-cli, docker-buildx
# 0.13 and docker-compose 2.26 (compose v2, `docker compose`), also on Debian 12: install
# adds trixie as an apt source pinned so that only those four packages come from it
# (Debian 12's own docker.io 20.10 carries BuildKit 0.8, open to the "Leaky Vessels"
# escapes, and its docker-compose 1.29 is retired). Docker's own docker-ce >= 25 with
# its buildx and compose plugins is accepted as it is.
#
# OPTIONS (each also read from the environment variable in brackets):
#   --data-dir DIR          [DRYDOCK_SERVICES_DIR]   /var/lib/drydock
#   --redis-port PORT       [DRYDOCK_REDIS_PORT]     6379
#   --registry-port PORT    [DRYDOCK_REGISTRY_PORT]  5000
#   --docker-socket PATH    [DRYDOCK_DOCKER_SOCKET]  /run/drydock/docker.sock (unix:// optional)
#   --bridge NAME           [DRYDOCK_DOCKER_BRIDGE]  drydock0 (at most 15 characters)
#   --docker-subnet A.B.0.0/16 [DRYDOCK_DOCKER_SUBNET] 10.220.0.0/16
#   --postgres-port PORT    [DRYDOCK_POSTGRES_PORT]  none: PostgreSQL is not started
#   --postgres-db NAME      [DRYDOCK_POSTGRES_DB]    drydock_test
#   --build-allow-nets CIDRS [DRYDOCK_BUILD_ALLOW_NETS] none: comma-separated CIDRs the
#                           engine's builds may reach besides the outside (read at its start)
#
# SERVICE is redis, docker, registry or postgres (default: all; postgres only with a port).
# `start` starts each service only when nothing answers at its address, so it reuses
# what already runs; it writes a pid file DIR/<service>.pid for what it started, and
# `--record FILE` appends those service names to FILE. `stop` stops only services that
# have a pid file (what `start` started), all of them unless some are named.
# Leases let parallel users (test runs) share the services: `start --lease PID` records
# that process PID uses them; `release PID` drops that lease and, when no lease of a
# live process remains, stops everything `start` started and empties DIR/tmp.
# An engine may belong to a process: `start --owner-pid PID docker` also starts a watchdog
# (`services.sh watch`, detached, DIR/watchdog.pid) that stops the engine once PID is gone, so
# the engines of a worker killed with SIGKILL do not outlive it; `stop` ends the watchdog too.
# `--slot-file FILE`: the worker's subnet slot of the engine (libs/docker/src/subnet-slots.ts),
# deleted by `stop` (the watchdog's too) while it still names DIR.
# A throwaway engine keeps nothing: `stop --throwaway` deletes DIR (data root and all) after
# stopping the engine, and with `start --owner-pid PID --throwaway` the watchdog does the same.
# Logs: DIR/<service>.log. Everything listens on 127.0.0.1 only.
# Credentials, generated once into DIR (mode 0600): Redis wants the password in
# DIR/redis-password (`requirepass`, from DIR/redis.conf), the registry the user `drydock`
# with the password in DIR/registry-password (bcrypt in DIR/registry-htpasswd). `env`
# prints them as Drydock's variables; only the worker should have them.
# The engine runs in a network namespace of its own behind host firewall rules: builds
# reach the outside but not the host's services nor private ranges (scripts/engine-net.sh).
#
# Running a second Docker engine next to another one (verified with docker.io 20.10 and
# again with 26.1.5, iptables-nft, br_netfilter loaded, FORWARD policy DROP, while a
# default-configured daemon owned docker0):
# - Every daemon started here gets its own bridge (--bridge NAME) with the address
#   A.B.0.1/24, and its user-defined networks (compose projects) come from
#   A.B.128.0/17 (--default-address-pool), so neither the bridge nor IP ranges clash
#   with docker0 (172.17/16) or the default pools (172.18-31/16, 192.168/16).
#   `--bip` cannot be combined with `--bridge`; dockerd takes the bridge's address.
# - Each daemon runs in its own network namespace (scripts/engine-net.sh), so it manages
#   the iptables of that namespace itself: a starting daemon used to flush the shared
#   DOCKER / DOCKER-ISOLATION chains of the host, wiping the rules of the daemon already
#   running (hence --iptables=false before). On the host this script adds its own rules
#   for A.B.0.0/16 and removes them on stop: FORWARD accepts traffic from the subnet to
#   the outside and replies to it (FORWARD's policy may be DROP), and POSTROUTING
#   masquerades it (RUN apt-get/npm in builds); the host itself and private ranges are
#   dropped.
# - Published ports land in the engine's namespace, not on the host's loopback.
# - Own --exec-root (containerd socket, netns), --data-root, --pidfile and an empty
#   --config-file so a host /etc/docker/daemon.json does not leak in; --mtu follows
#   the default route's interface (1400 on some VMs, 1500 would stall TLS in RUN).
# Verified in the second daemon, with the first one running (20.10; again with 26.1.5 on
# cgroup v1 beside another 26.1.5 daemon started here): a BuildKit build (`docker buildx
# build`) with a RUN step reaching the outside and a tmpfs mount, a container with
# --memory and --pids-limit (applied), `docker run -p 127.0.0.1:PORT:8080` reached over
# loopback, a compose v2 project whose `sut` reaches another service by name, and
# `docker push` to a registry started here.
set -euo pipefail
LOG_TAG=services
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/engine-net.sh
source "$(dirname "${BASH_SOURCE[0]}")/engine-net.sh"
REPO_ROOT=$(repo_root)

BASE_PACKAGES=(docker-registry redis-server git busybox-static debootstrap curl ca-certificates iptables iproute2
  apache2-utils socat)
# The build engine: Debian 13's packages, also on Debian 12 (see the header).
DOCKER_PACKAGES=(docker.io docker-cli docker-buildx docker-compose)
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
TRIXIE_SOURCES=/etc/apt/sources.list.d/drydock-trixie.sources
TRIXIE_PIN=/etc/apt/preferences.d/drydock-trixie
POSTGRES_PACKAGES=(postgresql)
# The dashboard's browser tests drive Debian's Chromium through playwright-core (no browser download).
BROWSER_PACKAGES=(chromium)

DATA_DIR=${DRYDOCK_SERVICES_DIR:-/var/lib/drydock}
REDIS_PORT=${DRYDOCK_REDIS_PORT:-6379}
REGISTRY_PORT=${DRYDOCK_REGISTRY_PORT:-5000}
DOCKER_SOCKET=${DRYDOCK_DOCKER_SOCKET:-/run/drydock/docker.sock}
BRIDGE=${DRYDOCK_DOCKER_BRIDGE:-drydock0}
DOCKER_SUBNET=${DRYDOCK_DOCKER_SUBNET:-10.220.0.0/16}
POSTGRES_PORT=${DRYDOCK_POSTGRES_PORT:-}
POSTGRES_DB=${DRYDOCK_POSTGRES_DB:-drydock_test}
BUILD_ALLOW_NETS=${DRYDOCK_BUILD_ALLOW_NETS:-}
REGISTRY_USER=drydock
RECORD_FILE=
LEASE=
OWNER_PID=
SLOT_FILE=
THROWAWAY=
WITH_POSTGRES=
WITH_BROWSER=
ALL_SERVICES=(redis docker registry postgres)

usage() { sed -n '2,/^# Running a second/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

parse_args() {
  COMMAND=${1:-}
  [[ -n $COMMAND ]] || usage 2
  shift
  NAMED=()
  while (($#)); do
    case $1 in
      --data-dir) DATA_DIR=$2; shift ;;
      --redis-port) REDIS_PORT=$2; shift ;;
      --registry-port) REGISTRY_PORT=$2; shift ;;
      --docker-socket) DOCKER_SOCKET=$2; shift ;;
      --bridge) BRIDGE=$2; shift ;;
      --docker-subnet) DOCKER_SUBNET=$2; shift ;;
      --postgres-port) POSTGRES_PORT=$2; shift ;;
      --postgres-db) POSTGRES_DB=$2; shift ;;
      --build-allow-nets) BUILD_ALLOW_NETS=$2; shift ;;
      --record) RECORD_FILE=$2; shift ;;
      --lease) LEASE=$2; shift ;;
      --owner-pid) OWNER_PID=$2; shift ;;
      --slot-file) SLOT_FILE=$2; shift ;;
      --throwaway) THROWAWAY=1 ;;
      --with-postgres) WITH_POSTGRES=1 ;;
      --with-browser) WITH_BROWSER=1 ;;
      -h | --help) usage ;;
      redis | docker | registry | postgres) NAMED+=("$1") ;;
      [0-9]*) LEASE=$1 ;;
      *) log "unknown argument: $1"; usage 2 ;;
    esac
    shift
  done
  DOCKER_SOCKET=${DOCKER_SOCKET#unix://}
  [[ -z $OWNER_PID || $OWNER_PID =~ ^[0-9]+$ ]] || die "--owner-pid must be a process id"
  [[ $DOCKER_SUBNET =~ ^([0-9]+\.[0-9]+)\.0\.0/16$ ]] || die "--docker-subnet must look like A.B.0.0/16"
  SUBNET_PREFIX=${BASH_REMATCH[1]}
  ((${#BRIDGE} <= 15)) || die "--bridge: interface names have at most 15 characters"
}

# --- install --------------------------------------------------------------------

install_packages() {
  install_docker_engine
  ensure_packages "${BASE_PACKAGES[@]}"
  if [[ -n $WITH_POSTGRES || -n $POSTGRES_PORT ]]; then ensure_packages "${POSTGRES_PACKAGES[@]}"; fi
  if [[ -n $WITH_BROWSER ]]; then ensure_packages "${BROWSER_PACKAGES[@]}"; fi
}

installed_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# Docker Engine >= 25 with the buildx and compose v2 plugins: Debian's packages, or Docker's own.
docker_engine_current() {
  if package_installed docker-ce; then
    dpkg --compare-versions "$(installed_version docker-ce)" ge 5:25 ||
      die "docker-ce $(installed_version docker-ce) is older than 25: upgrade it (BuildKit before 0.12.5 is open to container escapes)"
    package_installed docker-buildx-plugin && package_installed docker-compose-plugin ||
      die "docker-ce is installed without docker-buildx-plugin and docker-compose-plugin: install them"
    return 0
  fi
  local pkg
  for pkg in "${DOCKER_PACKAGES[@]}"; do package_installed "$pkg" || return 1; done
  dpkg --compare-versions "$(installed_version docker.io)" ge 25 &&
    dpkg --compare-versions "$(installed_version docker-compose)" ge 2
}

# The trixie apt source and its pin: every trixie package at priority 1 (never chosen)
# except DOCKER_PACKAGES at 990, so those four and nothing else come from trixie.
trixie_sources() {
  local suite
  for suite in 'debian trixie' 'debian-security trixie-security'; do
    printf 'Types: deb\nURIs: http://deb.debian.org/%s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' \
      "${suite% *}" "${suite#* }" "$DEBIAN_KEYRING"
  done
}

trixie_pin() {
  local release
  for release in trixie trixie-security; do
    printf 'Package: *\nPin: release o=Debian,n=%s\nPin-Priority: 1\n\n' "$release"
    printf 'Package: %s\nPin: release o=Debian,n=%s\nPin-Priority: 990\n\n' "${DOCKER_PACKAGES[*]}" "$release"
  done
}

# Debian 13's Docker packages, also on Debian 12 (see the header); upgrades docker.io 20.10
# and docker-compose 1.29 in place when an earlier run installed them.
install_docker_engine() {
  docker_engine_current && return 0
  is_root || die "Docker Engine >= 25 is missing; run as root to install Debian 13's ${DOCKER_PACKAGES[*]}"
  # Debian 12's debian-archive-keyring (2023.3+deb12u1 and later) holds trixie's keys.
  gpg --show-keys "$DEBIAN_KEYRING" 2>/dev/null | grep -q '(13/trixie)' || ensure_packages debian-archive-keyring gpg
  gpg --show-keys "$DEBIAN_KEYRING" 2>/dev/null | grep -q '(13/trixie)' ||
    die "$DEBIAN_KEYRING has no Debian 13 (trixie) key: upgrade debian-archive-keyring"
  { echo "# Written by Drydock's scripts/services.sh; pinned in $TRIXIE_PIN."; trixie_sources; } >"$TRIXIE_SOURCES"
  { echo "# Written by Drydock's scripts/services.sh: from trixie only ${DOCKER_PACKAGES[*]}."; trixie_pin; } >"$TRIXIE_PIN"
  log "installing Debian 13's ${DOCKER_PACKAGES[*]}"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${DOCKER_PACKAGES[@]}"
  docker_engine_current || die "Docker Engine >= 25 did not install (see: apt-cache policy ${DOCKER_PACKAGES[*]})"
}

# --- health checks: "does something answer there?" -----------------------------

# Redis and the registry answer even when they refuse us (another password): start reuses them.
redis_answers() {
  local reply
  reply=$(REDISCLI_AUTH=$(cat "$DATA_DIR/redis-password" 2>/dev/null) redis-cli --no-auth-warning \
    -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) || return 1
  [[ $reply == PONG || $reply == *NOAUTH* || $reply == *WRONGPASS* || $reply == *AUTH* ]]
}
docker_answers() { DOCKER_HOST="unix://$DOCKER_SOCKET" "$DOCKER_CLI" version >/dev/null 2>&1; }
registry_answers() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/v2/") =~ ^(200|401)$ ]]
}
postgres_answers() { pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT"; }

record_started() {
  log "started $1"
  if [[ -n $RECORD_FILE ]]; then echo "$1" >>"$RECORD_FILE"; fi
}

# ensure_secret FILE: 32 random hex digits in FILE (0600), made once.
ensure_secret() {
  [[ -s $1 ]] && return 0
  (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$1")
}

# --- redis ----------------------------------------------------------------------

start_redis() {
  redis_answers && { log "redis already answers on 127.0.0.1:$REDIS_PORT"; return; }
  mkdir -p "$DATA_DIR/redis"
  ensure_secret "$DATA_DIR/redis-password"
  # In a 0600 file, not on the command line.
  (umask 077 && echo "requirepass $(cat "$DATA_DIR/redis-password")" >"$DATA_DIR/redis.conf")
  redis-server "$DATA_DIR/redis.conf" --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$DATA_DIR/redis.pid" --dir "$DATA_DIR/redis" --logfile "$DATA_DIR/redis.log" 9>&-
  wait_until 20 "redis on port $REDIS_PORT" redis_answers
  record_started redis
}

# --- docker engine --------------------------------------------------------------

default_route_mtu() {
  local dev
  dev=$(ip -o -4 route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}')
  cat "/sys/class/net/$dev/mtu" 2>/dev/null || echo 1500
}

# The engine's network namespace and veth are named after its bridge and subnet.
engine_netns() { echo "$BRIDGE"; }
engine_host_veth() { echo "dd-${SUBNET_PREFIX//./-}"; }

start_docker() {
  docker_answers && { log "docker already answers on unix://$DOCKER_SOCKET"; return; }
  is_root || die "starting dockerd needs root"
  local mtu ns hveth nameservers allow
  mtu=$(default_route_mtu)
  ns=$(engine_netns)
  hveth=$(engine_host_veth)
  nameservers=$(engine_nameservers)
  allow=$(engine_allow_nets "$BUILD_ALLOW_NETS")
  mkdir -p "$(dirname "$DOCKER_SOCKET")" "$DATA_DIR/docker" "$DATA_DIR/exec"
  echo '{}' >"$DATA_DIR/docker-daemon.json"
  undo_docker_network # what a dockerd that died left
  # What stop must undo, even when called with other flags.
  echo "$ns $hveth" >"$DATA_DIR/docker-network"
  engine_firewall_rules "$DOCKER_SUBNET" "$allow" "$nameservers" >"$DATA_DIR/docker-firewall"
  add_firewall_rules "$DATA_DIR/docker-firewall"
  engine_netns_up "$ns" "$hveth" "$SUBNET_PREFIX" "$BRIDGE" "$mtu"
  start_registry_forwarder "$ns" "$REGISTRY_PORT" "$DATA_DIR"
  setsid nsenter "--net=/run/netns/$ns" dockerd --host "unix://$DOCKER_SOCKET" --data-root "$DATA_DIR/docker" \
    --exec-root "$DATA_DIR/exec" --pidfile "$DATA_DIR/docker.pid" --config-file "$DATA_DIR/docker-daemon.json" \
    --bridge "$BRIDGE" --mtu "$mtu" --default-address-pool "base=$SUBNET_PREFIX.128.0/17,size=24" \
    </dev/null >>"$DATA_DIR/docker.log" 2>&1 9>&- &
  local pid=$!
  if ! wait_until 60 "dockerd on unix://$DOCKER_SOCKET" docker_answers; then
    kill "$pid" 2>/dev/null || true
    tail -n 20 "$DATA_DIR/docker.log" >&2
    undo_docker_network
    die "dockerd did not start (log: $DATA_DIR/docker.log)"
  fi
  log "engine network: namespace $ns, builds may reach the outside${allow:+ and $(echo $allow)}; DNS: $(echo $nameservers)"
  if [[ -n $OWNER_PID ]]; then start_engine_watchdog; fi
  record_started docker
}

stop_docker() {
  stop_pid engine-watchdog "$DATA_DIR/watchdog.pid" TERM 5
  stop_pid docker "$DATA_DIR/docker.pid" TERM 90
  undo_docker_network
}

# `services.sh watch` in a session of its own, holding none of this script's fds (a caller
# waiting for start's output to end would wait for the watchdog otherwise, fd 9 is the lock).
start_engine_watchdog() {
  local args=(watch --data-dir "$DATA_DIR" --owner-pid "$OWNER_PID")
  if [[ -n $SLOT_FILE ]]; then args+=(--slot-file "$SLOT_FILE"); fi
  if [[ -n $THROWAWAY ]]; then args+=(--throwaway); fi
  (cd / && close_fds_above_2 && exec setsid bash "$REPO_ROOT/scripts/services.sh" "${args[@]}" </dev/null >>"$DATA_DIR/watchdog.log" 2>&1) &
  echo $! >"$DATA_DIR/watchdog.pid"
  log "engine watchdog $! stops the engine when process $OWNER_PID is gone"
}

# In a subshell: closes every fd but stdin, stdout and stderr (the lock, pipes of the caller's).
close_fds_above_2() {
  local fds fd
  fds=("/proc/$BASHPID/fd/"*)
  for fd in "${fds[@]##*/}"; do
    if ((fd > 2)) && [[ -e /proc/$BASHPID/fd/$fd ]]; then exec {fd}>&-; fi
  done
}

# process_start PID: when the process started (clock ticks since boot); fails for no process
# or a zombie. With the pid, it tells a process from a later one given the same pid.
process_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -ra stat <<<"${stat##*) }" # after "pid (comm) ": state is field 3, starttime field 22
  [[ ${stat[0]} != Z ]] && echo "${stat[19]}"
}

# Polls every 2 s while the owner and the engine live; once the owner is gone, stops the
# engine (and deletes DIR with --throwaway). Ends quietly when the engine was stopped.
cmd_watch() {
  [[ -n $OWNER_PID ]] || die "watch: whose engine (--owner-pid PID)?"
  local since
  since=$(process_start "$OWNER_PID") || since=gone
  while [[ $since != gone && -f $DATA_DIR/docker.pid && $(process_start "$OWNER_PID" || echo gone) == "$since" ]]; do
    sleep 2
  done
  [[ -f $DATA_DIR/docker.pid ]] || return 0
  log "process $OWNER_PID is gone: stopping its engine"
  rm -f "$DATA_DIR/watchdog.pid" # this process: the stop below must not wait for it
  NAMED=(docker)
  cmd_stop
}

# The whole data dir of a throwaway engine, once stopped. What a dockerd that died left
# mounted below it (layers, network namespaces) is unmounted first, and rm never crosses
# into another file system, so nothing outside DIR is deleted.
delete_data_dir() {
  local dir mount
  dir=$(realpath -m -- "$DATA_DIR")
  [[ $dir == /?*/?* ]] || die "--throwaway: will not delete $dir"
  awk -v dir="$dir/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done
  rm -rf --one-file-system -- "$dir" || die "could not delete $dir"
  log "deleted $dir"
}

undo_docker_network() {
  stop_registry_forwarder "$DATA_DIR"
  remove_firewall_rules "$DATA_DIR/docker-firewall"
  rm -f "$DATA_DIR/docker-firewall"
  [[ -f $DATA_DIR/docker-network ]] || return 0
  local ns hveth
  read -r ns hveth <"$DATA_DIR/docker-network"
  if [[ $hveth == */* ]]; then # written by an earlier services.sh: "BRIDGE SUBNET", dockerd on the host
    remove_firewall_rules <(engine_firewall_rules "$hveth" "" "")
    ip link del "$ns" 2>/dev/null || true
  else
    engine_netns_down "$ns" "$hveth"
  fi
  rm -f "$DATA_DIR/docker-network"
}

# --- registry -------------------------------------------------------------------

start_registry() {
  registry_answers && { log "registry already answers on 127.0.0.1:$REGISTRY_PORT"; return; }
  mkdir -p "$DATA_DIR/registry"
  ensure_secret "$DATA_DIR/registry-password"
  (umask 077 && htpasswd -B -i -c "$DATA_DIR/registry-htpasswd" "$REGISTRY_USER" <"$DATA_DIR/registry-password" 2>/dev/null)
  # config/registry.yml holds the settings; address, storage and users are per instance.
  REGISTRY_HTTP_ADDR="127.0.0.1:$REGISTRY_PORT" REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$DATA_DIR/registry" \
    REGISTRY_AUTH_HTPASSWD_PATH="$DATA_DIR/registry-htpasswd" setsid docker-registry serve "$REPO_ROOT/config/registry.yml" </dev/null >>"$DATA_DIR/registry.log" 2>&1 9>&- &
  echo $! >"$DATA_DIR/registry.pid"
  if ! wait_until 20 "registry on port $REGISTRY_PORT" registry_answers; then
    stop_pid registry "$DATA_DIR/registry.pid" TERM 5
    tail -n 20 "$DATA_DIR/registry.log" >&2
    die "registry did not start (log: $DATA_DIR/registry.log)"
  fi
  record_started registry
}

# --- postgres (tests) -------------------------------------------------------------

start_postgres() {
  [[ -n $POSTGRES_PORT ]] || return 0
  if postgres_answers; then
    log "postgres already answers on 127.0.0.1:$POSTGRES_PORT"
  else
    is_root || die "starting postgres needs root (it runs as the postgres user)"
    local bin pgdata=$DATA_DIR/postgres
    bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -n1)
    [[ -n $bin ]] || die "no /usr/lib/postgresql/*/bin: is postgresql installed?"
    if [[ ! -s $pgdata/PG_VERSION ]]; then
      install -d -o postgres -g postgres -m 700 "$pgdata"
      runuser -u postgres -- "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >/dev/null
    fi
    touch "$DATA_DIR/postgres.log"
    chown postgres "$DATA_DIR/postgres.log"
    # Test database: durability is not needed, speed is (fsync off).
    setsid runuser -u postgres -- "$bin/pg_ctl" -D "$pgdata" -l "$DATA_DIR/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$POSTGRES_PORT -c unix_socket_directories='' -c fsync=off" \
      start >/dev/null </dev/null 9>&- || { tail -n 20 "$DATA_DIR/postgres.log" >&2; die "postgres did not start"; }
    head -n1 "$pgdata/postmaster.pid" >"$DATA_DIR/postgres.pid"
    record_started postgres
  fi
  local psql=(psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ -z $("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'") ]]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
}

# --- commands -------------------------------------------------------------------

# One start/stop at a time per data dir (parallel test runs share it). Daemons are
# started with `9>&-`: a daemon inheriting fd 9 would hold the lock for its lifetime.
lock_data_dir() {
  mkdir -p "$DATA_DIR"
  exec 9>"$DATA_DIR/.services.lock"
  flock 9
}

cmd_start() {
  install_packages
  lock_data_dir
  local name
  for name in "${ALL_SERVICES[@]}"; do
    if ((${#NAMED[@]} == 0)) || [[ " ${NAMED[*]} " == *" $name "* ]]; then "start_$name"; fi
  done
  if [[ -n $LEASE ]]; then mkdir -p "$DATA_DIR/leases" && touch "$DATA_DIR/leases/$LEASE"; fi
}

cmd_stop() {
  [[ -d $DATA_DIR ]] || return 0
  lock_data_dir
  stop_services
  if [[ -n $THROWAWAY ]]; then delete_data_dir; fi
  if [[ -n $SLOT_FILE && $(head -n1 "$SLOT_FILE" 2>/dev/null) == "$DATA_DIR" ]]; then rm -f "$SLOT_FILE"; fi
}

stop_services() {
  local names=("${NAMED[@]}")
  ((${#names[@]})) || names=("${ALL_SERVICES[@]}")
  local name
  for name in "${names[@]}"; do
    case $name in
      postgres) stop_pid postgres "$DATA_DIR/postgres.pid" INT 60 ;; # SIGINT: fast shutdown
      registry) stop_pid registry "$DATA_DIR/registry.pid" TERM 10 ;;
      docker) stop_docker ;;
      redis) stop_pid redis "$DATA_DIR/redis.pid" TERM 20 ;;
    esac
  done
}

cmd_release() {
  [[ -n $LEASE ]] || die "release: which lease (PID)?"
  [[ -d $DATA_DIR ]] || return 0
  lock_data_dir
  rm -f "$DATA_DIR/leases/$LEASE"
  local lease
  for lease in "$DATA_DIR"/leases/*; do
    [[ -e $lease ]] || continue
    if kill -0 "${lease##*/}" 2>/dev/null; then
      log "services stay up: process ${lease##*/} still uses them"
      return 0
    fi
    rm -f "$lease"
  done
  stop_services
  rm -rf "$DATA_DIR/tmp"
}

cmd_status() {
  local name where
  for name in "${ALL_SERVICES[@]}"; do
    case $name in
      redis) where="127.0.0.1:$REDIS_PORT" ;;
      docker) where="unix://$DOCKER_SOCKET" ;;
      registry) where="127.0.0.1:$REGISTRY_PORT" ;;
      postgres) [[ -n $POSTGRES_PORT ]] || continue; where="127.0.0.1:$POSTGRES_PORT" ;;
    esac
    if "${name}_answers"; then
      if pid_alive "$DATA_DIR/$name.pid"; then echo "$name $where up (pid $(head -n1 "$DATA_DIR/$name.pid"))"
      else echo "$name $where up (not started by services.sh)"; fi
    else
      echo "$name $where down"
    fi
  done
}

# What Drydock needs to use the services of DIR: shell-quoted VAR=value lines.
cmd_env() {
  [[ -s $DATA_DIR/redis-password ]] &&
    printf 'REDIS_URL=%q\n' "redis://:$(cat "$DATA_DIR/redis-password")@127.0.0.1:$REDIS_PORT"
  if [[ -s $DATA_DIR/registry-password ]]; then
    printf 'DRYDOCK_REGISTRY_USERNAME=%q\nDRYDOCK_REGISTRY_PASSWORD=%q\n' "$REGISTRY_USER" "$(cat "$DATA_DIR/registry-password")"
  fi
  return 0
}

main() {
  parse_args "$@"
  case $COMMAND in
    install) install_packages ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    watch) cmd_watch ;;
    release) cmd_release ;;
    status) cmd_status ;;
    env) cmd_env ;;
    -h | --help | help) usage ;;
    *) log "unknown command: $COMMAND"; usage 2 ;;
  esac
}

main "$@"; exit # one line: a watchdog still running this file never reads an edited one past it
