#!/usr/bin/env bash
# Cores on separate "hosts" over a WAN: each of 4 cores (t = 1) runs in its own Linux network namespace, joined
# by veth pairs to a bridge, with a one-way delay and a rate limit on every core's link (tc netem; on a kernel
# without netem, a tbf rate limit plus the NFQUEUE delay daemon scripts/wan-delay.c); the round-trip time between
# two cores is measured and checked, then key generation, public and user decryption run across them and their
# times are printed. `scripts/wan-testnet.sh --help` says everything.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

usage() {
  cat <<'USAGE'
Usage: scripts/wan-testnet.sh [--delay-ms D] [--rate-mbit R] [--params test|default] [--decryptions N] [--keep]
                              [--allow-no-delay]
       scripts/wan-testnet.sh --cleanup
       scripts/wan-testnet.sh -h | --help

Needs root, iproute2 (ip, tc) and python3. Makes network namespaces kmswan-1 ... kmswan-4, each with one
interface (10.77.0.<i>/24), all joined by the bridge kmswan-br (10.77.0.254, where the client runs). Every core's
link gets a one-way delay of D ms (default 25) and a rate limit of R Mbit/s (default 100), so two cores are
2·D apart (50 ms round trip by default) and the client D from each core. The delay is made, in this order:
  1. tc netem: `tc qdisc add dev eth0 root netem delay D ms rate R mbit` on each core's outgoing packets;
  2. where the kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): NFQUEUE. Each core's link gets
     `tc qdisc ... tbf rate R mbit`, and an nftables rule (`queue num 0 bypass`), or where the kernel has no
     nft queue expression an iptables rule (`-j NFQUEUE --queue-num 0 --queue-bypass`), hands every packet
     that enters the core on eth0 to scripts/wan-delay.c (compiled with cc into the work directory, run in the
     core's namespace), which lets each one through D ms after it arrived, in order. The delay sits on the
     receiving side because a packet held on the sender's output path still counts against its TCP socket's
     small-queue budget (TSQ), which throttles one TCP flow to a few Mbit/s; each direction between two cores
     still crosses exactly one delay. Missing pieces are installed with apt-get (nftables, iptables,
     libnetfilter-queue-dev; gcc when there is no C compiler). The queue is fail-open and bypassed when the
     daemon is not running, so traffic is never blocked, only undelayed;
  3. with --allow-no-delay, when neither is usable: the tbf rate limit only, and the "profile" line says why.
With --delay-ms 0 no delay is added (netem rate, or tbf where there is no netem).
Before the cores start, the round-trip time core 1 <-> core 2 and client <-> core 1 is measured with a TCP
echo (5 round trips; line "wan: RTT ..."); with D > 0 the run fails unless core 1 <-> core 2 is at least 1.8·D.
Then one kms-server per namespace (service port 21001, peer port 21101, certificates from kms-gen-tls-certs for
the 10.77.0.<i> addresses, an encrypted vault each), and, timing each step: KeyGenPreproc + KeyGen (parameters
--params, default test), fetch-keys, encryption of a uint64, N public decryptions of it (default 5; p50 and
max), one user decryption. Every result is compared with the value. Everything is removed at the end
(namespaces, bridge, delay daemons, queue rules, processes) unless --keep; --cleanup removes leftovers.

Options:
  --delay-ms D       one-way delay added on each core's link (default 25; 0 = none)
  --rate-mbit R      rate limit of each core's link (default 100)
  --params P         test (default) or default (production parameters: takes much longer over a WAN)
  --decryptions N    public decryptions to time (default 5)
  --keep             leave the namespaces, delay daemons and cores running (then: --cleanup)
  --allow-no-delay   when neither netem nor NFQUEUE can make the delay, run with the rate limit only (tbf)
                     instead of stopping with exit status 3

Environment: KMS_BIN_DIR (default `swift build --show-bin-path`; nothing is built), KMS_WAN_DIR (work directory,
default a new /tmp/kms-wan.XXXXXX, kept after a failure), CC (C compiler for wan-delay.c, default cc).
Output: "wan: profile ..." (how the link is shaped), "wan: RTT ...", lines "wan: <step> <seconds> s", and
"wan: ok" at the end. Exit status 0 when every result matched, 1 on a failure (also: RTT below 1.8·D), 2 for bad
options, 3 when this machine cannot make namespaces (not root, no ip/tc/python3) or cannot delay packets
(neither netem nor NFQUEUE) and --allow-no-delay was not given.
USAGE
}

delay=25; rate=100; params=test; decryptions=5; keep=0; allow_no_delay=0
while [ $# -gt 0 ]; do
  case "$1" in
    --delay-ms) delay="$2"; shift 2 ;;
    --rate-mbit) rate="$2"; shift 2 ;;
    --params) params="$2"; shift 2 ;;
    --decryptions) decryptions="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --allow-no-delay) allow_no_delay=1; shift ;;
    --cleanup) keep=cleanup; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "wan-testnet: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$params" in test|default) ;; *) echo "wan-testnet: --params must be test or default" >&2; exit 2 ;; esac
case "$delay" in ''|*[!0-9.]*) echo "wan-testnet: --delay-ms must be a number" >&2; exit 2 ;; esac
case "$rate" in ''|*[!0-9.]*) echo "wan-testnet: --rate-mbit must be a number" >&2; exit 2 ;; esac

parties=(1 2 3 4)
# Removes the queue rules first (packets then flow undelayed), then stops every process in the namespaces (the
# cores and the delay daemons, which let their held packets through on SIGTERM), then the namespaces and links.
remove_queue_rules() { # namespace
  if command -v nft >/dev/null; then ip netns exec "$1" nft delete table inet kmswan 2>/dev/null || true; fi
  if command -v iptables >/dev/null; then
    while ip netns exec "$1" iptables -D INPUT -i eth0 -j NFQUEUE --queue-num 0 --queue-bypass 2>/dev/null; do :; done
  fi
}
cleanup_network() {
  ip netns del kmswan-probe 2>/dev/null || true
  for p in "${parties[@]}"; do
    if ip netns list 2>/dev/null | grep -q "^kmswan-$p\b"; then remove_queue_rules "kmswan-$p"; fi
    if ip netns pids "kmswan-$p" >/dev/null 2>&1; then
      for pid in $(ip netns pids "kmswan-$p" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
      sleep 0.5
      for pid in $(ip netns pids "kmswan-$p" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    fi
    ip netns del "kmswan-$p" 2>/dev/null || true
    ip link del "kmswan-h$p" 2>/dev/null || true
  done
  ip link del kmswan-br 2>/dev/null || true
}
if [ "$keep" = cleanup ]; then cleanup_network; echo "wan-testnet: removed"; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then echo "wan-testnet: needs root (network namespaces)" >&2; exit 3; fi
for tool in ip tc; do command -v "$tool" >/dev/null || { echo "wan-testnet: '$tool' not found (apt-get install iproute2)" >&2; exit 3; }; done
command -v python3 >/dev/null || { echo "wan-testnet: python3 not found" >&2; exit 3; }
if ! ip netns add kmswan-probe 2>/dev/null; then echo "wan-testnet: cannot create a network namespace here (no CAP_SYS_ADMIN?)" >&2; exit 3; fi
ip netns del kmswan-probe

if [ -z "${KMS_BIN_DIR:-}" ]; then KMS_BIN_DIR="$(swift build --show-bin-path)"; fi
for tool in kms-server kms-core-client kms-gen-tls-certs; do
  [ -x "$KMS_BIN_DIR/$tool" ] || { echo "wan-testnet: $KMS_BIN_DIR/$tool not found (set KMS_BIN_DIR or run swift build)" >&2; exit 1; }
done
work="${KMS_WAN_DIR:-$(mktemp -d /tmp/kms-wan.XXXXXX)}"
mkdir -p "$work"
failed=1
finish() {
  local status=$?
  if [ "$keep" != 1 ]; then cleanup_network; fi
  if [ "$failed" = 1 ]; then
    echo "wan-testnet: FAILED; files and core logs kept in $work" >&2
    for log in "$work"/core-?.log "$work"/wan-delay-?.log; do
      if [ -f "$log" ]; then echo "--- ${log##*/} (tail)" >&2; tail -5 "$log" >&2; fi
    done
  elif [ "$keep" != 1 ]; then
    rm -rf "$work"
  fi
  exit "$status" # (the exit status of the script, not of the last test above)
}
trap finish EXIT
cleanup_network

# How the delay is made: netem if this kernel has it, else NFQUEUE (see --help), else (--allow-no-delay) none.
apt_install() { # packages...: installs them (Debian), as scripts/setup.sh does
  command -v apt-get >/dev/null || return 1
  echo "wan-testnet: installing Debian packages: $*" >&2
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
nfqueue_reason=""
# Prepares NFQUEUE: tools, the compiled daemon, and which rule syntax this kernel takes (qtool = nft | iptables).
# On failure, nfqueue_reason says why.
prepare_nfqueue() {
  local pkgs=() cc="${CC:-cc}"
  command -v nft >/dev/null || pkgs+=(nftables)
  command -v iptables >/dev/null || pkgs+=(iptables)
  [ -f /usr/include/libnetfilter_queue/libnetfilter_queue.h ] || pkgs+=(libnetfilter-queue-dev)
  if ! command -v "$cc" >/dev/null; then
    if command -v gcc >/dev/null; then cc=gcc; elif command -v clang >/dev/null; then cc=clang; else pkgs+=(gcc); cc=gcc; fi
  fi
  if [ ${#pkgs[@]} -gt 0 ] && ! apt_install "${pkgs[@]}"; then
    nfqueue_reason="could not install ${pkgs[*]}"; return 1
  fi
  local libs; libs="$(pkg-config --libs libnetfilter_queue 2>/dev/null || echo -lnetfilter_queue -lnfnetlink)"
  # shellcheck disable=SC2086
  if ! "$cc" -O2 -o "$work/wan-delay" "$repo/scripts/wan-delay.c" $libs >"$work/wan-delay-build.log" 2>&1; then
    nfqueue_reason="scripts/wan-delay.c did not compile with $cc: $(tail -1 "$work/wan-delay-build.log")"; return 1
  fi
  ip netns add kmswan-probe
  qtool=""
  if command -v nft >/dev/null && ip netns exec kmswan-probe nft -f - 2>/dev/null <<'NFT'
table inet kmswan { chain input { type filter hook input priority 0; policy accept; iifname "eth0" queue num 0 bypass; } }
NFT
  then qtool=nft
  elif command -v iptables >/dev/null &&
       ip netns exec kmswan-probe iptables -A INPUT -i eth0 -j NFQUEUE --queue-num 0 --queue-bypass 2>/dev/null; then
    qtool=iptables
  fi
  # The daemon must be able to bind a queue (nfnetlink_queue).
  if [ -n "$qtool" ]; then
    ip netns exec kmswan-probe "$work/wan-delay" 0 1 >"$work/wan-delay-probe.log" 2>&1 </dev/null &
    local probe_pid=$!
    for _ in $(seq 1 50); do grep -q ready "$work/wan-delay-probe.log" 2>/dev/null && break; kill -0 "$probe_pid" 2>/dev/null || break; sleep 0.1; done
    if ! grep -q ready "$work/wan-delay-probe.log"; then nfqueue_reason="wan-delay could not bind a queue: $(tail -1 "$work/wan-delay-probe.log")"; qtool=""; fi
    kill "$probe_pid" 2>/dev/null || true; wait "$probe_pid" 2>/dev/null || true
  else
    nfqueue_reason="neither an nft queue rule nor an iptables NFQUEUE rule is accepted by this kernel"
  fi
  ip netns del kmswan-probe
  [ -n "$qtool" ]
}
ip netns add kmswan-probe
ip -n kmswan-probe link set lo up
have_netem=0
if ip netns exec kmswan-probe tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then have_netem=1; fi
ip netns del kmswan-probe
zero_delay="$(python3 -c "print(int(float('$delay') == 0))")"
if [ "$have_netem" = 1 ]; then
  shaping=netem
  profile="${delay} ms one way (tc netem on each core's outgoing packets), ${rate} Mbit/s per core link (netem)"
elif [ "$zero_delay" = 1 ]; then
  shaping=tbf
  profile="no added delay (--delay-ms 0), ${rate} Mbit/s per core link (tbf)"
elif prepare_nfqueue; then
  shaping=nfqueue
  profile="${delay} ms one way (this kernel has no netem: NFQUEUE delay daemon scripts/wan-delay.c on each core's incoming packets, ${qtool} rule), ${rate} Mbit/s per core link (tbf)"
elif [ "$allow_no_delay" = 1 ]; then
  shaping=tbf
  profile="no added delay (this kernel has no netem qdisc and NFQUEUE is not usable: ${nfqueue_reason}; --allow-no-delay), ${rate} Mbit/s per core link (tbf)"
else
  echo "wan-testnet: no WAN delay can be emulated here: this kernel has no netem qdisc (sch_netem) and NFQUEUE is not usable (${nfqueue_reason}); --allow-no-delay runs with the rate limit only" >&2
  exit 3
fi
rt=(); if command -v chrt >/dev/null && chrt -f 10 true 2>/dev/null; then rt=(chrt -f 10); fi

# The network: a bridge in this namespace (the client's side) and one namespace per core.
ip link add kmswan-br type bridge
ip addr add 10.77.0.254/24 dev kmswan-br
ip link set kmswan-br up
for p in "${parties[@]}"; do
  ip netns add "kmswan-$p"
  ip link add "kmswan-h$p" type veth peer name "kmswan-c$p"
  ip link set "kmswan-c$p" netns "kmswan-$p"
  ip link set "kmswan-h$p" master kmswan-br
  ip link set "kmswan-h$p" up
  ip -n "kmswan-$p" link set lo up
  ip -n "kmswan-$p" link set "kmswan-c$p" name eth0
  ip -n "kmswan-$p" addr add "10.77.0.$p/24" dev eth0
  ip -n "kmswan-$p" link set eth0 up
  case "$shaping" in
    netem) ip netns exec "kmswan-$p" tc qdisc add dev eth0 root netem delay "${delay}ms" rate "${rate}mbit" ;;
    *) ip netns exec "kmswan-$p" tc qdisc add dev eth0 root tbf rate "${rate}mbit" burst 256kb latency 100ms ;;
  esac
  if [ "$shaping" = nfqueue ]; then
    # The daemon first (the rule bypasses the queue while nobody is bound), real-time priority where allowed so
    # a busy machine does not stretch the delay, then the rule.
    ip netns exec "kmswan-$p" "${rt[@]}" "$work/wan-delay" 0 "$delay" 10000 >"$work/wan-delay-$p.log" 2>&1 </dev/null &
    for _ in $(seq 1 50); do grep -q ready "$work/wan-delay-$p.log" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$work/wan-delay-$p.log" || { echo "wan-testnet: wan-delay did not start in kmswan-$p: $(cat "$work/wan-delay-$p.log")" >&2; exit 1; }
    if [ "$qtool" = nft ]; then
      ip netns exec "kmswan-$p" nft -f - <<'NFT'
table inet kmswan { chain input { type filter hook input priority 0; policy accept; iifname "eth0" queue num 0 bypass; } }
NFT
    else
      ip netns exec "kmswan-$p" iptables -A INPUT -i eth0 -j NFQUEUE --queue-num 0 --queue-bypass
    fi
  fi
done
echo "wan: profile $profile"
# Bridged frames must not be filtered by the host's firewall (Docker sets FORWARD to DROP).
if [ -f /proc/sys/net/bridge/bridge-nf-call-iptables ]; then echo 0 >/proc/sys/net/bridge/bridge-nf-call-iptables || true; fi

# The round-trip time the cores will see: a TCP echo (the delay is on the input path, which `ping` without -U
# does not see, as it takes the kernel's receive timestamp).
cat >"$work/rtt.py" <<'PY'
import socket, statistics, sys, time
role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if role == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((host, port)); s.listen(1)
    s.settimeout(30)
    c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        b = c.recv(64)
        if not b: break
        c.sendall(b)
    sys.exit(0)
count, label, need_ms = int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
deadline = time.monotonic() + 15
while True:
    try:
        c = socket.create_connection((host, port), timeout=10); break
    except OSError:
        if time.monotonic() > deadline: raise
        time.sleep(0.1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
rtts = []
for _ in range(count):
    t = time.perf_counter(); c.sendall(b"x")
    if c.recv(1) != b"x": sys.exit("rtt: bad echo")
    rtts.append((time.perf_counter() - t) * 1000)
c.close()
print(f"wan: RTT {label} (TCP echo, {count} round trips) min {min(rtts):.2f} ms, median {statistics.median(rtts):.2f} ms, max {max(rtts):.2f} ms")
if min(rtts) < need_ms:
    sys.exit(f"wan-testnet: RTT {label} min {min(rtts):.1f} ms is below {need_ms:.1f} ms: the delay is not in effect")
PY
measure_rtt() { # server-namespace server-address client-namespace-or-"host" label required-ms
  ip netns exec "$1" python3 "$work/rtt.py" server "$2" 21990 >"$work/rtt-server.log" 2>&1 </dev/null &
  local server=$! client=(); [ "$3" = host ] || client=(ip netns exec "$3")
  if ! "${client[@]}" python3 "$work/rtt.py" client "$2" 21990 5 "$4" "$5"; then
    kill "$server" 2>/dev/null || true; exit 1
  fi
  wait "$server" || true
}
required="$(python3 -c "print(1.8 * float('$delay') if '$shaping' != 'tbf' else 0)")"
measure_rtt kmswan-2 10.77.0.2 kmswan-1 "core 1 <-> core 2" "$required"
measure_rtt kmswan-1 10.77.0.1 host "client <-> core 1" 0

# Certificates for the namespace addresses, configurations, cores.
hosts=(); for p in "${parties[@]}"; do hosts+=(--host-for "$p=10.77.0.$p"); done
"$KMS_BIN_DIR/kms-gen-tls-certs" --parties 4 --out "$work/certs" "${hosts[@]}" >/dev/null
peers=""
for p in "${parties[@]}"; do peers+=$'\n'"[[threshold.peers]]"$'\n'"party_id = $p"$'\n'"address = \"10.77.0.$p:21101\""$'\n'"identity = \"kms-core-$p\""$'\n'; done
for p in "${parties[@]}"; do
  mkdir -p "$work/data-$p"
  (umask 077 && head -c 32 /dev/urandom >"$work/vault-$p.key")
  cat >"$work/core-$p.toml" <<TOML
[service]
listen_address = "10.77.0.$p"
listen_port = 21001
shutdown_grace_seconds = 2

[tls]
ca_cert = "$work/certs/ca.pem"
cert = "$work/certs/core-$p.pem"
key = "$work/certs/core-$p.key"

[storage]
data_dir = "$work/data-$p"

[vault]
root_key_file = "$work/vault-$p.key"

[threshold]
party_id = $p
threshold = 1
listen_address = "10.77.0.$p"
listen_port = 21101
$peers
TOML
  ip netns exec "kmswan-$p" "$KMS_BIN_DIR/kms-server" --config "$work/core-$p.toml" >"$work/core-$p.log" 2>&1 </dev/null &
done
{
  printf 'threshold = 1\n\n[tls]\nca_cert = "%s"\ncert = "%s"\nkey = "%s"\n' "$work/certs/ca.pem" "$work/certs/client.pem" "$work/certs/client.key"
  printf '\n[eip712]\nname = "ThresholdKMS-wan"\nversion = "1"\nchain_id = 1\nverifying_contract = "0x00000000000000000000000000000000000000aa"\n'
  for p in "${parties[@]}"; do printf '\n[[cores]]\nparty_id = %s\naddress = "10.77.0.%s:21001"\n' "$p" "$p"; done
} >"$work/client.toml"
client=("$KMS_BIN_DIR/kms-core-client" --config "$work/client.toml" --timeout 60)
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.3f}')"; }

for _ in $(seq 1 240); do "${client[@]}" health >"$work/health.txt" 2>&1 && break; sleep 0.5; done
"${client[@]}" health >"$work/health.txt" 2>&1 || { echo "wan-testnet: the cores did not become healthy:" >&2; cat "$work/health.txt" >&2; exit 1; }
# The default epoch (PRSS setup) is made once every peer answers; preproc refuses until then (retry).
start="$(now)"
for _ in $(seq 1 120); do
  if preproc_json="$("${client[@]}" preproc --params "$params" --json 2>"$work/preproc.err")"; then break; fi
  preproc_json=""; sleep 1
done
[ -n "$preproc_json" ] || { echo "wan-testnet: preproc failed: $(tail -3 "$work/preproc.err")" >&2; exit 1; }
preproc_id="$(echo "$preproc_json" | json_field preproc_id)"
echo "wan: epoch + KeyGenPreproc $(seconds "$start" "$(now)") s"
start="$(now)"
key_id="$("${client[@]}" keygen --params "$params" --preproc-id "$preproc_id" --json | json_field key_id)"
echo "wan: KeyGen $(seconds "$start" "$(now)") s"
"${client[@]}" fetch-keys --key-id "$key_id" --keys-dir "$work/keys" >/dev/null
value="$(python3 -c 'import secrets; print(secrets.randbits(64))')"
"${client[@]}" encrypt --key-id "$key_id" --keys-dir "$work/keys" --type uint64 --value "$value" --out "$work/value.ct" >/dev/null
times=()
for _ in $(seq 1 "$decryptions"); do
  start="$(now)"
  got="$("${client[@]}" decrypt --key-id "$key_id" --ciphertext "$work/value.ct" | head -1)"
  times+=("$(seconds "$start" "$(now)")")
  [ "$got" = "uint64 $value" ] || { echo "wan-testnet: public decryption gave '$got', expected 'uint64 $value'" >&2; exit 1; }
done
python3 - "${times[@]}" <<'PY'
import statistics, sys
t = sorted(float(x) for x in sys.argv[1:])
print(f"wan: public decryption of a uint64 (client wall time, {len(t)} runs) p50 {statistics.median(t):.3f} s, max {t[-1]:.3f} s")
PY
start="$(now)"
got="$("${client[@]}" user-decrypt --key-id "$key_id" --ciphertext "$work/value.ct" --address 0x00000000000000000000000000000000000000b0 --user-key "$work/user.key" | head -1)"
echo "wan: user decryption $(seconds "$start" "$(now)") s"
[ "$got" = "uint64 $value" ] || { echo "wan-testnet: user decryption gave '$got', expected 'uint64 $value'" >&2; exit 1; }
echo "wan: parameters $params"
failed=0
echo "wan: ok"
