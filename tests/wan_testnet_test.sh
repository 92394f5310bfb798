#!/usr/bin/env bash
# Runs scripts/wan-testnet.sh (4 cores in separate network namespaces, shaped links) and checks that key
# generation, public and user decryption across them give the encrypted value. Skipped, with the reason printed,
# when this machine cannot make network namespaces (not root, no iproute2); on a kernel without the netem qdisc
# the links get the rate limit only (--allow-no-delay), which the output says.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
  echo "wan test: SKIPPED (needs root and iproute2's ip and tc)"
  exit 0
fi
set +e
output="$(bash scripts/wan-testnet.sh --decryptions 3 --allow-no-delay 2>&1)"
status=$?
set -e
echo "$output"
if [ "$status" -eq 3 ]; then echo "wan test: SKIPPED ($(echo "$output" | tail -1))"; exit 0; fi
[ "$status" -eq 0 ] || { echo "wan test: FAILED (exit $status)"; exit 1; }
echo "$output" | grep -q "^wan: ok$" || { echo "wan test: FAILED (no 'wan: ok')"; exit 1; }
for step in "KeyGen" "public decryption" "user decryption"; do
  echo "$output" | grep -q "^wan: $step" || { echo "wan test: FAILED (no '$step' line)"; exit 1; }
done
echo "wan test: passed"
