#!/usr/bin/env bash
# Tests scripts/testnet.sh with real kms-server processes, in temporary run directories:
#   - the refusals (n < 3t + 1, t < 1) are one line with exit status 2; --help exits 0;
#   - a 4-party t = 1 testnet (--insecure) on base port 22000: health, insecure-keygen (test parameters),
#     fetch-keys, encrypt a uint8, decrypt it publicly across the cores and compare; a second start is refused;
#     status and logs work; stop stops every core and frees the ports;
#   - a 7-party t = 2 testnet: start, health, stop;
#   - a 4-party testnet with --storage s3 against moto's S3 server (started here on 127.0.0.1:5056 unless one
#     already answers there; killed at the end if started here): each core's public objects land under its
#     own prefix core-<i>/ of the bucket.
# Every cluster is stopped at the end, also on failure (trap). Exit status 0 when every check passes, 1 otherwise.
#
# Usage: KMS_BIN_DIR=/tmp/kms-bin bash tests/testnet_launcher_test.sh
# Environment: KMS_BIN_DIR (default: `swift build --show-bin-path`, nothing is built),
#   KMS_TESTNET_TEST_BASE_PORT (default 22000), KMS_TESTNET_TEST_MOTO_PORT (default 5056),
#   KMS_TESTNET_TEST_KEEP=1 keeps the temporary directory (it is kept anyway when a check fails).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
testnet=("bash" "$repo/scripts/testnet.sh")

if [ -z "${KMS_BIN_DIR:-}" ]; then KMS_BIN_DIR="$(swift build --show-bin-path)"; fi
export KMS_BIN_DIR
for tool in kms-server kms-core-client kms-gen-tls-certs; do
  [ -x "$KMS_BIN_DIR/$tool" ] || { echo "testnet test: $KMS_BIN_DIR/$tool not found (set KMS_BIN_DIR)" >&2; exit 1; }
done
base_port="${KMS_TESTNET_TEST_BASE_PORT:-22000}"
moto_port="${KMS_TESTNET_TEST_MOTO_PORT:-5056}"
moto_url="http://127.0.0.1:$moto_port"

work="$(mktemp -d /tmp/kms-testnet-test.XXXXXX)"
moto_pid=""
started=$SECONDS
run_dirs=()
cleanup() {
  local rc=$?
  for dir in ${run_dirs[@]+"${run_dirs[@]}"}; do "${testnet[@]}" stop --run-dir "$dir" >/dev/null 2>&1 || true; done
  if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; fi
  if [ "$rc" -ne 0 ] || [ "${KMS_TESTNET_TEST_KEEP:-0}" = 1 ]; then
    echo "testnet test: files (logs, configs) kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT

fail() { echo "testnet test: FAIL: $*" >&2; exit 1; }
step() { echo "testnet test [+$(( SECONDS - started ))s]: $*"; }
client() { local run="$1"; shift; "$KMS_BIN_DIR/kms-core-client" --config "$run/client.toml" --timeout 30 "$@"; }
json_field() { python3 -c 'import json, sys; value = json.load(sys.stdin)
for key in sys.argv[1:]: value = value[int(key) if isinstance(value, list) else key]
print(value)' "$@"; }
port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# Runs the launcher, expects exit status $1 and exactly one line on stderr matching $2.
expect_refusal() {
  local status="$1" pattern="$2"; shift 2
  local rc=0
  "${testnet[@]}" "$@" >"$work/refusal.out" 2>"$work/refusal.err" || rc=$?
  [ "$rc" -eq "$status" ] || fail "testnet.sh $* exited $rc, expected $status: $(cat "$work/refusal.err")"
  [ "$(wc -l <"$work/refusal.err")" -eq 1 ] || fail "testnet.sh $* printed not exactly one line on stderr: $(cat "$work/refusal.err")"
  grep -q -- "$pattern" "$work/refusal.err" || fail "testnet.sh $* said '$(cat "$work/refusal.err")', expected '$pattern'"
  echo "  refused as expected: $(cat "$work/refusal.err")"
}
expect_ports_free() {
  local parties="$1" i
  for (( i = 1; i <= parties; i++ )); do
    ! port_in_use $(( base_port + i )) || fail "port $(( base_port + i )) still in use after stop"
    ! port_in_use $(( base_port + 100 + i )) || fail "port $(( base_port + 100 + i )) still in use after stop"
  done
}

step "--help and the refusals"
"${testnet[@]}" --help >"$work/help.txt" || fail "testnet.sh --help exited non-zero"
for word in "print-config" "--base-port" "Exit status" "KMS_BIN_DIR"; do
  grep -q -- "$word" "$work/help.txt" || fail "--help does not mention $word"
done
expect_refusal 2 "needs at least 7 parties (n >= 3t + 1), got --parties 4" start --parties 4 --threshold 2 --run-dir "$work/refused"
expect_refusal 2 "must be at least 1" start --parties 4 --threshold 0 --run-dir "$work/refused"
expect_refusal 2 "needs at least 4 parties" start --parties 3 --threshold 1 --run-dir "$work/refused"
expect_refusal 2 "unknown option" start --parties 4 --threshold 1 --bogus --run-dir "$work/refused"
[ ! -e "$work/refused" ] || fail "a refused start created its run directory"

step "4 parties, t = 1, --insecure, base port $base_port"
run4="$work/run4"; run_dirs+=("$run4")
"${testnet[@]}" start --parties 4 --threshold 1 --insecure --base-port "$base_port" --run-dir "$run4" >"$work/start4.out" 2>&1 ||
  { cat "$work/start4.out" >&2; fail "start of the 4-party testnet"; }
grep -q "stop it with: scripts/testnet.sh stop --run-dir $run4" "$work/start4.out" || fail "start did not print how to stop"
for i in 1 2 3 4; do
  [ "$(stat -c %a "$run4/vault/core-$i.key")" = 600 ] || fail "vault/core-$i.key is not mode 0600"
  [ "$(stat -c %s "$run4/vault/core-$i.key")" = 32 ] || fail "vault/core-$i.key is not 32 bytes"
  grep -q "^listen_port = $(( base_port + i ))$" "$run4/config/core-$i.toml" || fail "core-$i's service port is not $(( base_port + i ))"
  grep -q "^listen_port = $(( base_port + 100 + i ))$" "$run4/config/core-$i.toml" || fail "core-$i's peer port is not $(( base_port + 100 + i ))"
done
client "$run4" health >"$work/health4.txt" || { cat "$work/health4.txt" >&2; fail "health of the 4-party testnet"; }
[ "$(grep -c ': SERVING .* t=1 n=4 peers 3/3 reachable' "$work/health4.txt")" -eq 4 ] || { cat "$work/health4.txt" >&2; fail "not 4 cores SERVING with t=1 n=4"; }
cat "$work/health4.txt"

step "insecure key generation, encrypt a uint8, decrypt it across the cores"
client "$run4" insecure-keygen --params test --json >"$work/keygen.json" 2>"$work/keygen.err" ||
  { cat "$work/keygen.err" >&2; fail "insecure-keygen"; }
key_id="$(json_field key_id <"$work/keygen.json")"
[[ "$key_id" =~ ^[0-9a-f]{64}$ ]] || fail "insecure-keygen gave no key id: $(cat "$work/keygen.json")"
echo "  key set $key_id"
client "$run4" fetch-keys --key-id "$key_id" --keys-dir "$work/keys" >"$work/fetch.txt" 2>&1 || { cat "$work/fetch.txt" >&2; fail "fetch-keys"; }
value=$(( (RANDOM % 255) + 1 ))
client "$run4" encrypt --key-id "$key_id" --keys-dir "$work/keys" --type uint8 --value "$value" --out "$work/value.ct" >/dev/null ||
  fail "encrypt uint8 $value"
client "$run4" decrypt --key-id "$key_id" --ciphertext "$work/value.ct" --json >"$work/decrypt.json" 2>"$work/decrypt.err" ||
  { cat "$work/decrypt.err" >&2; fail "decrypt"; }
decrypted="$(json_field plaintexts 0 value <"$work/decrypt.json")"
decrypted_type="$(json_field plaintexts 0 fhe_type <"$work/decrypt.json")"
[ "$decrypted" = "$value" ] && [ "$decrypted_type" = "uint8" ] ||
  fail "encrypted uint8 $value, decrypted $decrypted_type $decrypted"
echo "  encrypted uint8 $value, the cores decrypted uint8 $decrypted"

step "a second start is refused; status and logs"
expect_refusal 1 "a cluster is already running in $run4" start --parties 4 --threshold 1 --insecure --base-port "$base_port" --run-dir "$run4"
expect_refusal 1 "port $(( base_port + 1 )) (party 1) is in use" start --parties 4 --threshold 1 --base-port "$base_port" --run-dir "$work/other"
"${testnet[@]}" status --run-dir "$run4" >"$work/status.txt" 2>&1 || { cat "$work/status.txt" >&2; fail "status"; }
[ "$(grep -c ': SERVING ' "$work/status.txt")" -eq 4 ] || { cat "$work/status.txt" >&2; fail "status does not show 4 SERVING cores"; }
"${testnet[@]}" logs 2 --lines 5 --run-dir "$run4" >"$work/logs2.txt" || fail "logs 2"
[ -s "$work/logs2.txt" ] || fail "logs 2 printed nothing"
"${testnet[@]}" logs --lines 2 --run-dir "$run4" >"$work/logs.txt" || fail "logs"
[ "$(grep -c '^==> .*core-[1-4].log <==$' "$work/logs.txt")" -eq 4 ] || fail "logs did not show the 4 cores' logs"

step "stop"
"${testnet[@]}" stop --run-dir "$run4" >"$work/stop4.txt" || fail "stop"
[ "$(grep -c '^testnet: stopped core-' "$work/stop4.txt")" -eq 4 ] || { cat "$work/stop4.txt" >&2; fail "stop did not stop 4 cores"; }
[ -z "$(ls -A "$run4/pids")" ] || fail "stop left pid files"
expect_ports_free 4
rc=0; "${testnet[@]}" status --run-dir "$run4" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "status of a stopped testnet exited $rc, expected 1"

step "7 parties, t = 2"
run7="$work/run7"; run_dirs+=("$run7")
"${testnet[@]}" start --parties 7 --threshold 2 --base-port "$base_port" --run-dir "$run7" >"$work/start7.out" 2>&1 ||
  { cat "$work/start7.out" >&2; fail "start of the 7-party testnet"; }
client "$run7" health >"$work/health7.txt" || { cat "$work/health7.txt" >&2; fail "health of the 7-party testnet"; }
[ "$(grep -c ': SERVING .* t=2 n=7 peers 6/6 reachable' "$work/health7.txt")" -eq 7 ] || { cat "$work/health7.txt" >&2; fail "not 7 cores SERVING with t=2 n=7"; }
cat "$work/health7.txt"
"${testnet[@]}" stop --run-dir "$run7" >/dev/null || fail "stop of the 7-party testnet"
expect_ports_free 7

step "--storage s3 against moto on $moto_url"
if ! curl -s -o /dev/null "$moto_url/moto-api/"; then
  command -v moto_server >/dev/null || fail "moto_server not found (scripts/setup.sh installs moto[server])"
  moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "$moto_url/moto-api/" && break; sleep 0.2; done
  curl -s -o /dev/null "$moto_url/moto-api/" || { cat "$work/moto.log" >&2; fail "moto_server did not start on $moto_url"; }
fi
bucket="kms-testnet-$$-$RANDOM"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
expect_refusal 1 "bucket '$bucket' does not exist" start --parties 4 --threshold 1 --storage s3 --s3-endpoint "$moto_url" --s3-bucket "$bucket" --run-dir "$work/nobucket"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$moto_url/$bucket")" = 200 ] || fail "cannot create bucket $bucket on moto"
runs3="$work/runs3"; run_dirs+=("$runs3")
"${testnet[@]}" start --parties 4 --threshold 1 --insecure --storage s3 --s3-endpoint "$moto_url" --s3-bucket "$bucket" \
  --base-port "$base_port" --run-dir "$runs3" >"$work/starts3.out" 2>&1 || { cat "$work/starts3.out" >&2; fail "start with --storage s3"; }
grep -q "^s3_key_prefix = \"core-3/\"$" "$runs3/config/core-3.toml" || fail "core-3 has no per-party S3 prefix"
client "$runs3" insecure-keygen --params test --json >"$work/keygen-s3.json" 2>"$work/keygen-s3.err" ||
  { cat "$work/keygen-s3.err" >&2; fail "insecure-keygen on S3 storage"; }
key_s3="$(json_field key_id <"$work/keygen-s3.json")"
curl -s "$moto_url/$bucket?list-type=2" >"$work/bucket.xml"
for i in 1 2 3 4; do
  grep -q "<Key>core-$i/public/PublicKey/$key_s3</Key>" "$work/bucket.xml" || fail "core-$i's public key is not at core-$i/public/PublicKey/$key_s3 in the bucket"
  [ ! -e "$runs3/data/core-$i/public/PublicKey/$key_s3" ] || fail "core-$i wrote its public key into its data directory, not to S3"
done
echo "  key set $key_s3: each core's public objects are under core-<i>/public/ in s3://$bucket"
"${testnet[@]}" stop --run-dir "$runs3" >/dev/null || fail "stop of the S3 testnet"
expect_ports_free 4

step "all checks passed in $(( SECONDS - started )) s"
