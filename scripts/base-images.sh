#!/usr/bin/env bash
# Makes the base images Drydock's builds start FROM, on the engine named by DOCKER_HOST,
# without any image hub (none is reachable here):
#   busybox:latest        from the host's busybox-static (seconds)
#   debian:bookworm-slim  from debootstrap --variant=minbase (~35 s, needs the Debian mirror)
# Both carry the host's CA certificates (/usr/local/share/ca-certificates/*.crt and the
# /etc/ssl/certs/ca-certificates.crt bundle) and set NODE_EXTRA_CA_CERTS and SSL_CERT_FILE,
# so `RUN npm ci` / `RUN apt-get ...` in images built FROM them work behind a
# TLS-intercepting egress proxy.
#
#   base-images.sh [--only busybox|debian] [--force]
#
# An image that already exists is kept unless --force. Needs root (chroot, debootstrap).
# DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).
set -euo pipefail
LOG_TAG=base-images
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
HOST_BUNDLE=/etc/ssl/certs/ca-certificates.crt
IMAGE_ENV=(
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  "SSL_CERT_FILE=$HOST_BUNDLE"
  "NODE_EXTRA_CA_CERTS=$HOST_BUNDLE"
)

image_exists() { "$DOCKER_CLI" image inspect "$1" >/dev/null 2>&1; }

# copy_host_certificates ROOT: the host's extra CAs and its bundle, into ROOT.
copy_host_certificates() {
  local root=$1 crt
  mkdir -p "$root/usr/local/share/ca-certificates" "$root/etc/ssl/certs"
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [[ -e $crt ]] && cp "$crt" "$root/usr/local/share/ca-certificates/"
  done
  if [[ -f $HOST_BUNDLE ]]; then cp -L "$HOST_BUNDLE" "$root$HOST_BUNDLE"; fi
}

# import_rootfs ROOT IMAGE CMD: tar ROOT into IMAGE with our ENV and CMD.
import_rootfs() {
  local root=$1 image=$2 cmd=$3 changes=() env
  for env in "${IMAGE_ENV[@]}"; do changes+=(--change "ENV $env"); done
  changes+=(--change "CMD $cmd")
  tar --numeric-owner -C "$root" -c . | "$DOCKER_CLI" import "${changes[@]}" - "$image" >/dev/null
  log "imported $image"
}

make_busybox() {
  local root=$1/rootfs
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root}
  install -d -m 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  chroot "$root" /bin/busybox --install -s
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  copy_host_certificates "$root"
  import_rootfs "$root" busybox:latest '["sh"]'
}

make_debian() {
  local root=$1/rootfs
  log "debootstrap bookworm from $DEBIAN_MIRROR (about a minute)"
  debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$1/debootstrap.log" 2>&1 ||
    { tail -n 20 "$1/debootstrap.log" >&2; die 'debootstrap failed'; }
  cat >"$root/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  # Like the hub's slim image: no downloaded packages or lists kept.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  copy_host_certificates "$root"
  import_rootfs "$root" debian:bookworm-slim '["bash"]'
}

# debootstrap mounts /proc and /sys in the root it builds; never descend into those.
remove_work_dir() {
  local mnt
  awk -v dir="$WORK_DIR/" 'index($2, dir) == 1 {print $2}' /proc/mounts | sort -r | while read -r mnt; do
    umount -l "$mnt" || true
  done
  rm -rf --one-file-system "$WORK_DIR"
}

main() {
  local only='' force=''
  while (($#)); do
    case $1 in
      --only) only=$2; shift ;;
      --force) force=1 ;;
      -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) die "unknown argument: $1" ;;
    esac
    shift
  done
  [[ $only =~ ^(|busybox|debian)$ ]] || die "--only: busybox or debian"
  "$DOCKER_CLI" version >/dev/null 2>&1 || die "no Docker engine answers at ${DOCKER_HOST:-the default socket}"

  local name image
  for name in busybox debian; do
    [[ -z $only || $only == "$name" ]] || continue
    image=$([[ $name == busybox ]] && echo busybox:latest || echo debian:bookworm-slim)
    if [[ -z $force ]] && image_exists "$image"; then
      log "$image exists"
      continue
    fi
    is_root || die "making $image needs root"
    WORK_DIR=$(mktemp -d /var/tmp/drydock-base-XXXXXX)
    trap remove_work_dir EXIT
    "make_$name" "$WORK_DIR"
    remove_work_dir
    trap - EXIT
  done
}

main "$@"
