# shellcheck shell=bash
# The network box of a Docker engine that scripts/services.sh starts (sourced by it; it
# defines functions only). What a build runs is a stranger's code: its RUN steps, its test
# containers and the URLs of its ADD lines (which dockerd fetches itself) must reach the
# outside network (DNS, package mirrors) but not this host's services — the API, Redis,
# PostgreSQL, the registry — nor other private addresses, unless the operator lists them
# (DRYDOCK_BUILD_ALLOW_NETS).
#
# - dockerd runs in a network namespace of its own, NETNS (named after the bridge), whose
#   only link is a veth pair: A.B.127.253/30 on the host (HOSTVETH, dd-A-B) and
#   A.B.127.254/30 inside (uplink), default route through the host. Its loopback is its
#   own, so `ADD http://127.0.0.1:<port>/` finds none of the host's services, and its
#   bridges (the default one and compose networks) live inside it too. Inside, dockerd
#   manages iptables itself (masquerade to the uplink, isolation between its networks):
#   it is the only daemon there, so nothing of another daemon's gets flushed.
# - The registry the worker pushes to (localhost:REGISTRY_PORT) is forwarded into the
#   namespace on 127.0.0.1:REGISTRY_PORT only, through a unix socket in the data dir (two
#   socat processes); bridges cannot reach that loopback, and the registry wants the
#   worker's credentials anyway.
# - On the host, everything from A.B.0.0/16 (containers, masqueraded, and dockerd itself)
#   meets these rules: INPUT rejects what is not a reply (no host service is reachable on
#   any host address), FORWARD lets DNS through to the nameservers of /etc/resolv.conf and
#   the operator's allowed CIDRs, rejects the private and special ranges, accepts the rest
#   (the outside) and POSTROUTING masquerades it. REJECT, not DROP: a build fails at once.
# - IPv6 is off on the veth and on new interfaces in the namespace: builds have IPv4 only.
# - dockerd enters the namespace with `nsenter --net` (`ip netns exec` would mount a new
#   /sys, hiding the cgroup mounts). It reads the host's /etc/resolv.conf, or with
#   systemd-resolved /run/systemd/resolve/resolv.conf, as on the host; the nameservers
#   allowed through are the same: /etc/resolv.conf's, else systemd-resolved's upstreams.

# Ranges a build never reaches unless allowed: RFC 1918, link-local (cloud metadata),
# carrier-grade NAT, "this network", IETF protocol assignments, benchmarking, multicast and reserved.
ENGINE_BLOCKED_NETS=(10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 169.254.0.0/16 100.64.0.0/10
  0.0.0.0/8 192.0.0.0/24 198.18.0.0/15 224.0.0.0/3)
CIDR_PATTERN='^([0-9]{1,3}\.){3}[0-9]{1,3}(/[0-9]{1,2})?$'

resolv_nameservers() { awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ && $2 !~ /^127\./ {print $2}' "$1" 2>/dev/null; }

engine_nameservers() {
  local servers
  servers=$(resolv_nameservers /etc/resolv.conf)
  [[ -n $servers ]] || servers=$(resolv_nameservers /run/systemd/resolve/resolv.conf)
  [[ -n $servers ]] || die "no IPv4 nameserver off loopback in /etc/resolv.conf (nor in /run/systemd/resolve/resolv.conf)"
  echo "$servers"
}

# engine_allow_nets "CIDR,CIDR": one CIDR a line, each checked.
engine_allow_nets() {
  local net
  tr ',' '\n' <<<"$1" | tr -d ' \t' | while read -r net; do
    [[ -n $net ]] || continue
    [[ $net =~ $CIDR_PATTERN ]] || die "DRYDOCK_BUILD_ALLOW_NETS: '$net' is not an IPv4 CIDR (A.B.C.D/N)"
    echo "$net"
  done
}

# engine_firewall_rules SUBNET ALLOW_NETS NAMESERVERS: the host's rules, one per line
# (TABLE CHAIN RULE...), in the order they must have, top to bottom, in each chain.
engine_firewall_rules() {
  local subnet=$1 allow=$2 nameservers=$3 net proto
  for net in $nameservers; do # only matters when the host itself serves DNS
    for proto in udp tcp; do echo "filter INPUT -s $subnet -d $net/32 -p $proto --dport 53 -j ACCEPT"; done
  done
  for net in $allow; do echo "filter INPUT -s $subnet -d $net -j ACCEPT"; done
  echo "filter INPUT -s $subnet -m conntrack ! --ctstate RELATED,ESTABLISHED -j REJECT"
  for net in $nameservers; do
    for proto in udp tcp; do echo "filter FORWARD -s $subnet -d $net/32 -p $proto --dport 53 -j ACCEPT"; done
  done
  for net in $allow; do echo "filter FORWARD -s $subnet -d $net -j ACCEPT"; done
  # The host's own addresses need no rule here: a packet to one of them goes to INPUT.
  for net in "${ENGINE_BLOCKED_NETS[@]}"; do echo "filter FORWARD -s $subnet -d $net -j REJECT"; done
  echo "filter FORWARD -s $subnet -j ACCEPT"
  echo "filter FORWARD -d $subnet -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
  echo "nat POSTROUTING -s $subnet ! -d $subnet -j MASQUERADE"
}

# add_firewall_rules FILE: inserts FILE's rules at the top of their chains, keeping FILE's order.
add_firewall_rules() {
  local table chain rule
  while read -r table chain rule; do
    # shellcheck disable=SC2086 # the rule is a list of words
    iptables -t "$table" -C "$chain" $rule 2>/dev/null || iptables -t "$table" -I "$chain" 1 $rule
  done < <(tac "$1")
}

remove_firewall_rules() {
  local table chain rule
  [[ -f $1 ]] || return 0
  while read -r table chain rule; do
    # shellcheck disable=SC2086
    while iptables -t "$table" -C "$chain" $rule 2>/dev/null; do iptables -t "$table" -D "$chain" $rule; done
  done <"$1"
}

# engine_netns_up NETNS HOSTVETH PREFIX BRIDGE MTU
engine_netns_up() {
  local ns=$1 hveth=$2 prefix=$3 bridge=$4 mtu=$5
  ip netns add "$ns"
  ip link add "$hveth" mtu "$mtu" type veth peer name uplink netns "$ns"
  sysctl -qw "net.ipv6.conf.$hveth.disable_ipv6=1" net.ipv4.ip_forward=1
  ip addr add "$prefix.127.253/30" dev "$hveth"
  ip link set "$hveth" up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.uplink.disable_ipv6=1 net.ipv4.ip_forward=1
  ip -n "$ns" link set lo up
  ip -n "$ns" link set uplink mtu "$mtu" up
  ip -n "$ns" addr add "$prefix.127.254/30" dev uplink
  ip -n "$ns" route add default via "$prefix.127.253"
  ip -n "$ns" link add "$bridge" type bridge
  ip -n "$ns" addr add "$prefix.0.1/24" dev "$bridge"
  ip -n "$ns" link set "$bridge" mtu "$mtu" up
}

# engine_netns_down NETNS HOSTVETH: idempotent; the processes inside must be gone.
engine_netns_down() {
  ip netns del "$1" 2>/dev/null || true
  ip link del "$2" 2>/dev/null || true
}

# start_registry_forwarder NETNS PORT DIR: 127.0.0.1:PORT inside NETNS reaches 127.0.0.1:PORT on the host.
start_registry_forwarder() {
  local ns=$1 port=$2 dir=$3
  local sock=$dir/registry-forward.sock
  setsid socat "UNIX-LISTEN:$sock,fork,unlink-early,mode=600" "TCP4:127.0.0.1:$port" \
    </dev/null >>"$dir/registry-forward.log" 2>&1 9>&- &
  echo $! >"$dir/registry-forward-host.pid"
  setsid nsenter "--net=/run/netns/$ns" socat "TCP4-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$sock" \
    </dev/null >>"$dir/registry-forward.log" 2>&1 9>&- &
  echo $! >"$dir/registry-forward-engine.pid"
}

stop_registry_forwarder() {
  stop_pid registry-forwarder "$1/registry-forward-engine.pid" TERM 5
  stop_pid registry-forwarder "$1/registry-forward-host.pid" TERM 5
  rm -f "$1/registry-forward.sock"
}
