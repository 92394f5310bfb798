#!/usr/bin/env bash
# Runs scripts/wan-testnet.sh (4 cores in separate network namespaces, each link delayed 25 ms one way and limited
# to 100 Mbit/s) and checks that the delay is real (the measured round trip between two cores is at least
# 2 · 25 ms · 0.9) and that key generation, public and user decryption across them give the encrypted value.
# The delay comes from tc netem, or on a kernel without netem (as on the development machine) from the NFQUEUE
# delay daemon scripts/wan-delay.c. Skipped, with the reason printed, when this machine cannot make network
# namespaces (not root, no iproute2). Where neither netem nor NFQUEUE can delay packets, the run goes on with the
# rate limit only (--allow-no-delay) and the last line says "passed WITHOUT a WAN delay" and why.
set -euo pipefail
cd "$(dirname "$0")/.."
delay_ms=25
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
  echo "wan test: SKIPPED (needs root and iproute2's ip and tc)"
  exit 0
fi
set +e
output="$(bash scripts/wan-testnet.sh --delay-ms "$delay_ms" --decryptions 3 --allow-no-delay 2>&1)"
status=$?
set -e
echo "$output" | grep -v '^waiting: ' || true
if [ "$status" -eq 3 ]; then echo "wan test: SKIPPED ($(echo "$output" | tail -1))"; exit 0; fi
[ "$status" -eq 0 ] || { echo "wan test: FAILED (exit $status)"; exit 1; }
grep -q "^wan: ok$" <<<"$output" || { echo "wan test: FAILED (no 'wan: ok')"; exit 1; }
for step in "profile" "RTT core 1 <-> core 2" "KeyGen" "public decryption" "user decryption"; do
  grep -q "^wan: $step" <<<"$output" || { echo "wan test: FAILED (no '$step' line)"; exit 1; }
done
profile="$(grep '^wan: profile ' <<<"$output")"
if [[ "$profile" == *"no added delay"* ]]; then
  echo "wan test: passed WITHOUT a WAN delay (${profile#wan: profile })"
  exit 0
fi
# The script itself fails below 1.8 · D; check the line independently.
rtt="$(sed -n 's/^wan: RTT core 1 <-> core 2 .* min \([0-9.]*\) ms.*/\1/p' <<<"$output")"
python3 -c "import sys; sys.exit(0 if float('$rtt') >= 1.8 * $delay_ms else 1)" ||
  { echo "wan test: FAILED (core-to-core RTT $rtt ms, expected at least $((2 * delay_ms)) ms)"; exit 1; }
echo "wan test: passed (core-to-core RTT $rtt ms with $delay_ms ms one way)"
