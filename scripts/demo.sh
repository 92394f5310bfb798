#!/usr/bin/env bash
# The README's first command: sets up a fresh Debian machine (Debian packages + Python tools), builds, starts
# a local 4-party Threshold KMS cluster (t = 1) on file storage with mutual TLS between every party, and asks
# every core for its health over mTLS with kms-core-client, then generates a key set across the four cores
# (KeyGenPreproc + KeyGen with the INSECURE test parameters, so that it takes seconds), fetches it (accepted only
# when t + 1 cores signed the same digests) and encrypts a value with it.
#
# Threshold decryption is not built yet, so the demo stops at the ciphertext.
# Stop the cluster with scripts/stop-cluster.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "demo: building (swift build)…"
swift build
bin="$(swift build --show-bin-path)"
KMS_BIN_DIR="$bin" bash scripts/start-cluster.sh
echo
echo "demo: health of every core over mutual TLS:"
"$bin/kms-core-client" --config .build/kms-cluster/client.toml health
client=("$bin/kms-core-client" --config .build/kms-cluster/client.toml --timeout 30)
keys=.build/kms-cluster/keys
echo
echo "demo: key-generation preprocessing on every core (test parameters):"
preproc_id="$("${client[@]}" preproc --params test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["preproc_id"])')"
echo "  preprocessing $preproc_id"
echo "demo: threshold key generation:"
key_id="$("${client[@]}" keygen --params test --preproc-id "$preproc_id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_id"])')"
"${client[@]}" fetch-keys --key-id "$key_id" --keys-dir "$keys"
echo "demo: encrypting 42 as a FheUint8 with the cluster's public key:"
"${client[@]}" encrypt --key-id "$key_id" --keys-dir "$keys" --type uint8 --value 42 --out "$keys/42.ct"
echo
echo "demo: the cluster keeps running; stop it with scripts/stop-cluster.sh"
