#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what is missing, starts moto's S3/KMS server on
# loopback for the vault tests, builds, runs every test, then runs the grpc++ shim under the leak checker.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

run_dir="$(mktemp -d /tmp/kms-test.XXXXXX)"
moto_pid=""
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
  rm -rf "$run_dir"
}
trap cleanup EXIT

# moto's server: a real S3- and KMS-compatible HTTP server, on a free loopback port.
moto_port="${KMS_TEST_MOTO_PORT:-5055}"
if ! curl -s -o /dev/null "http://127.0.0.1:${moto_port}/moto-api/"; then
  moto_server -H 127.0.0.1 -p "$moto_port" >"$run_dir/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:${moto_port}/moto-api/" && break
    sleep 0.2
  done
  curl -s -o /dev/null "http://127.0.0.1:${moto_port}/moto-api/" || { echo "moto_server did not start:"; cat "$run_dir/moto.log"; exit 1; }
fi
export KMS_TEST_MOTO_ENDPOINT="http://127.0.0.1:${moto_port}"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1

started=$SECONDS
stamp() { echo "[test.sh +$(( (SECONDS - started) / 60 ))m$(( (SECONDS - started) % 60 ))s] $*"; }

stamp "building"
swift build --build-tests
stamp "built"

# One process per test module: the CPU-bound suites (FHE bootstrapping, MPC preprocessing) would otherwise fill
# Swift's cooperative thread pool (one thread per core, two here) and starve the network tests' handlers past
# their deadlines. Every directory under Tests/ is a module, so none is left out.
# The suites that start whole clusters of kms-server processes (4 to 7 cores each) run on their own after the
# rest of their module, so that they do not starve the module's other server tests of CPU.
cluster_suites="ThresholdClusterTests|PeerFloodTests|ThresholdKeyGenTests|ThresholdDecryptionClusterTests|ThresholdUserDecryptionClusterTests|DecryptionPoolClusterTests"
# A hung test must fail its step with a clear line instead of eating CI's whole budget: each step has a deadline
# (minutes, KMS_TEST_STEP_MINUTES), after which the step and the servers it started are killed.
step_minutes="${KMS_TEST_STEP_MINUTES:-20}"
failed=()
run_step() {
  local name="$1"; shift
  stamp "=== $name"
  if timeout --kill-after=30 "$(( step_minutes * 60 ))" "$@"; then
    stamp "--- $name passed"
  else
    local rc=$?
    [ "$rc" -eq 124 ] && echo "test: $name did not finish within ${step_minutes} minutes" >&2
    pkill -9 -f '/kms-server' 2>/dev/null || true
    failed+=("$name")
    stamp "--- $name FAILED (exit $rc)"
  fi
}
for module_dir in Tests/*Tests; do
  module="$(basename "$module_dir")"
  run_step "$module" swift test --skip-build --filter "^${module}\." --skip "^${module}\.(${cluster_suites})"
done
# One suite at a time: the flood test measures a core's resident memory, which other clusters' load would blur.
for suite in ${cluster_suites//|/ }; do
  run_step "CoreServiceTests.$suite (multi-process)" swift test --skip-build --filter "^CoreServiceTests\.${suite}"
done
# The testnet launcher (scripts/testnet.sh) with the binaries just built, and the docker compose description
# checked against it (no Docker engine runs here).
run_step "testnet launcher" env KMS_BIN_DIR="$(swift build --show-bin-path)" bash tests/testnet_launcher_test.sh
run_step "testnet descriptions" python3 tests/python/check_testnet_descriptions.py
# Cores in separate network namespaces over shaped links (skipped with a reason where namespaces cannot be made).
run_step "wan testnet" env KMS_BIN_DIR="$(swift build --show-bin-path)" bash tests/wan_testnet_test.sh
if [ ${#failed[@]} -gt 0 ]; then
  echo "test: failing modules: ${failed[*]}" >&2
  exit 1
fi

bash scripts/leak-check.sh
