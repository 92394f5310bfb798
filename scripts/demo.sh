#!/usr/bin/env bash
# The README's first command: sets up a fresh Debian machine (Debian packages + Python tools), builds, starts
# a local 4-party Threshold KMS cluster (t = 1) on file storage with mutual TLS between every party, and asks
# every core for its health over mTLS with kms-core-client, then generates a key set across the four cores
# (KeyGenPreproc + KeyGen with the INSECURE test parameters, so that it takes seconds), fetches it (accepted only
# when t + 1 cores signed the same digests), encrypts a value with it and decrypts it publicly across the cores
# (accepted only when t + 1 cores signed the same plaintext), then decrypts it for one user (each core's share
# encrypted to the user's X-Wing key, put together by the client from 2t + 1 signed answers).
# Stop the cluster with scripts/stop-cluster.sh.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/demo.sh
       scripts/demo.sh -h | --help

The README's first command. In order: scripts/setup.sh (installs missing Debian and Python packages, may use
sudo), swift build, scripts/start-cluster.sh (4 cores on 127.0.0.1, public ports 21001-21004, peer ports
21101-21104), a health check of every core, KeyGenPreproc + KeyGen with the INSECURE test parameters,
fetch-keys (accepted only when t + 1 cores signed the same digests), the encryption of 42 as a FheUint8 and
its public threshold decryption (accepted only when t + 1 cores signed the same plaintext, each signature
checked against the core's address), and its user decryption for the address 0x…b0 (each core's share signed
and encrypted to an X-Wing key kept in <run dir>/keys/user.key, decoded by the client from 2t + 1 answers).
Both results must be 42, or the demo fails. The cluster keeps running; stop it with scripts/stop-cluster.sh.

Environment:
  KMS_RUN_DIR   run directory (default .build/kms-cluster): certificates, client.toml, data, vault keys and
                logs as scripts/start-cluster.sh --help lists them; the downloaded keys and the ciphertext
                go to <run dir>/keys/

Exit status: 0 on success, non-zero as soon as a step fails; 2 for an unknown option.
USAGE
}

for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown option '$arg' (see scripts/demo.sh --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
started=$SECONDS
run_dir="${KMS_RUN_DIR:-.build/kms-cluster}"

bash scripts/setup.sh
echo "demo: building (swift build)…"
swift build
bin="$(swift build --show-bin-path)"
# A cluster left running by an earlier demo is stopped first, so that running the demo twice works.
if ls "$run_dir"/pids/*.pid >/dev/null 2>&1; then
  echo "demo: stopping the cluster an earlier run left running"
  KMS_RUN_DIR="$run_dir" bash scripts/stop-cluster.sh || true
fi
KMS_BIN_DIR="$bin" KMS_RUN_DIR="$run_dir" bash scripts/start-cluster.sh
echo
echo "demo: health of every core over mutual TLS:"
"$bin/kms-core-client" --config "$run_dir/client.toml" health
client=("$bin/kms-core-client" --config "$run_dir/client.toml" --timeout 30)
keys="$run_dir/keys"
echo
echo "demo: key-generation preprocessing on every core (test parameters):"
preproc_id="$("${client[@]}" preproc --params test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["preproc_id"])')"
echo "  preprocessing $preproc_id"
echo "demo: threshold key generation:"
key_id="$("${client[@]}" keygen --params test --preproc-id "$preproc_id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_id"])')"
"${client[@]}" fetch-keys --key-id "$key_id" --keys-dir "$keys"
echo "demo: encrypting 42 as a FheUint8 with the cluster's public key:"
"${client[@]}" encrypt --key-id "$key_id" --keys-dir "$keys" --type uint8 --value 42 --out "$keys/42.ct"
echo "demo: public threshold decryption of that ciphertext:"
public_result="$("${client[@]}" decrypt --key-id "$key_id" --ciphertext "$keys/42.ct")"
echo "$public_result"
echo "demo: user decryption of that ciphertext for 0x00000000000000000000000000000000000000b0:"
user_result="$("${client[@]}" user-decrypt --key-id "$key_id" --ciphertext "$keys/42.ct" \
  --address 0x00000000000000000000000000000000000000b0 --user-key "$keys/user.key")"
echo "$user_result"
for result in "$public_result" "$user_result"; do
  if [ "$(echo "$result" | head -1)" != "uint8 42" ]; then
    echo "demo: FAILED: decrypted '$(echo "$result" | head -1)', expected 'uint8 42'" >&2
    exit 1
  fi
done
echo
echo "demo: done in $(( SECONDS - started )) s; the cluster keeps running; stop it with scripts/stop-cluster.sh"
