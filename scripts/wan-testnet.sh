#!/usr/bin/env bash
# Cores on separate "hosts" over a WAN: each of 4 cores (t = 1) runs in its own Linux network namespace, joined
# by veth pairs to a bridge, with a tc netem profile on every core's link; then key generation, public and user
# decryption run across them and their times are printed. `scripts/wan-testnet.sh --help` says everything.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

usage() {
  cat <<'USAGE'
Usage: scripts/wan-testnet.sh [--delay-ms D] [--rate-mbit R] [--params test|default] [--decryptions N] [--keep]
       scripts/wan-testnet.sh --cleanup
       scripts/wan-testnet.sh -h | --help

Needs root and iproute2 (ip, tc). Makes network namespaces kmswan-1 ... kmswan-4, each with one interface
(10.77.0.<i>/24) whose outgoing traffic is shaped by `tc netem delay D ms rate R mbit` (default 25 ms one way,
100 Mbit/s: 50 ms round trip between two cores), all joined by the bridge kmswan-br (10.77.0.254, where the
client runs). Starts one kms-server per namespace (service port 21001, peer port 21101, certificates from
kms-gen-tls-certs for the 10.77.0.<i> addresses, an encrypted vault each), then, timing each step:
KeyGenPreproc + KeyGen (parameters --params, default test), fetch-keys, encryption of a uint64, N public
decryptions of it (default 5; p50 and max), one user decryption. Every result is compared with the value.
Everything is removed at the end (namespaces, bridge, processes) unless --keep; --cleanup removes leftovers.

Options:
  --delay-ms D       one-way delay added to each core's outgoing packets (default 25)
  --rate-mbit R      rate limit of each core's link (default 100)
  --params P         test (default) or default (production parameters: takes much longer over a WAN)
  --decryptions N    public decryptions to time (default 5)
  --keep             leave the namespaces and cores running (then: --cleanup)
  --allow-no-delay   on a kernel without the netem qdisc, run with the rate limit only (tbf) instead of
                     stopping with exit status 3

Environment: KMS_BIN_DIR (default `swift build --show-bin-path`; nothing is built), KMS_WAN_DIR (work directory,
default a new /tmp/kms-wan.XXXXXX, kept after a failure).
Output: lines "wan: <step> <seconds> s", and "wan: ok" at the end. Exit status 0 when every result matched,
1 on a failure, 2 for bad options, 3 when this machine cannot make namespaces (not root, no ip/tc).
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

parties=(1 2 3 4)
cleanup_network() {
  for p in "${parties[@]}"; do
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
  if [ "$keep" != 1 ]; then cleanup_network; fi
  if [ "$failed" = 1 ]; then
    echo "wan-testnet: FAILED; files and core logs kept in $work" >&2
    for p in "${parties[@]}"; do [ -f "$work/core-$p.log" ] && { echo "--- core-$p.log (tail)" >&2; tail -5 "$work/core-$p.log" >&2; }; done
  elif [ "$keep" != 1 ]; then
    rm -rf "$work"
  fi
}
trap finish EXIT
cleanup_network

profile="${delay} ms one way (netem), ${rate} Mbit/s per core link"
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
  if ! ip netns exec "kmswan-$p" tc qdisc add dev eth0 root netem delay "${delay}ms" rate "${rate}mbit" 2>/dev/null; then
    # This kernel has no sch_netem: no delay can be added. Only with --allow-no-delay, the rate alone (tbf).
    [ "$allow_no_delay" = 1 ] || { echo "wan-testnet: this kernel has no netem qdisc (sch_netem), so no WAN delay can be emulated; --allow-no-delay runs with the rate limit only" >&2; exit 3; }
    ip netns exec "kmswan-$p" tc qdisc add dev eth0 root tbf rate "${rate}mbit" burst 256kb latency 100ms
    profile="no added delay (this kernel has no netem), ${rate} Mbit/s per core link (tbf)"
  fi
done
# Bridged frames must not be filtered by the host's firewall (Docker sets FORWARD to DROP).
if [ -f /proc/sys/net/bridge/bridge-nf-call-iptables ]; then echo 0 >/proc/sys/net/bridge/bridge-nf-call-iptables || true; fi

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
echo "wan: profile $profile, parameters $params"
failed=0
echo "wan: ok"
