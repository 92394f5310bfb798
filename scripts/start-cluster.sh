#!/usr/bin/env bash
# Starts a local Threshold KMS testnet on loopback; `scripts/start-cluster.sh --help` says what it does, which
# options and environment variables it takes and where its files go (the usage text below is the reference).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

usage() {
  cat <<'USAGE'
Usage: scripts/start-cluster.sh [--centralized]
       scripts/start-cluster.sh -h | --help

Starts a local Threshold KMS testnet on loopback with mutual TLS, in the background, and waits until every
core answers kms-core-client's health check, threshold cores with their default epoch ready (at most 120
attempts, 0.5 s apart).

Options:
  (none)          4 threshold cores (t = 1): config/default_1.toml ... config/default_4.toml
  --centralized   1 centralized core: config/default_centralized.toml
  -h, --help      print this text and exit

Ports (from those config files; all below Linux's ephemeral range 32768-60999, and each must be free):
  threshold cores   public service 21001-21004 (party i: 2100i), core-to-core peer endpoints 21101-21104
  centralized core  public service 21200

Environment:
  KMS_RUN_DIR       run directory for every file below (default .build/kms-cluster, relative to the
                    repository root)
  KMS_BIN_DIR       directory holding kms-server, kms-core-client and kms-gen-tls-certs; when set, nothing
                    is built
  KMS_SKIP_BUILD=1  without KMS_BIN_DIR: do not run `swift build` first, use the binaries already in
                    `swift build --show-bin-path`

Files, under the run directory (scripts/stop-cluster.sh leaves them in place):
  certs/            ca.pem, core-1..4.pem/.key, client.pem/.key: made once by kms-gen-tls-certs --parties 4
                    (the centralized core uses core-1's); made anew only when missing or when core-1.pem lacks
                    its identity name kms-core-1
  client.toml       kms-core-client configuration for the cluster just started (rewritten at every start):
                    kms-core-client --config <run dir>/client.toml health
  data/<core>/      each core's data directory (storage.data_dir): its vault objects and lock files
  vault/<core>.key  each core's vault root key (32 random bytes, mode 0600; made once, keep it with data/)
  logs/<core>.log   each core's output; logs/build.log (swift build), logs/health.txt (last health check)
  pids/<core>.pid   process ids, read by scripts/stop-cluster.sh
  <core> is core-1 ... core-4, or centralized. The [tls], storage.data_dir and vault.root_key_file paths of
  the config files are replaced by these through KMS_CORE__... environment variables.

Stop the cores with scripts/stop-cluster.sh.
Exit status: 0 when every core is healthy; 1 when the build fails, a binary is missing, a core is already
running, exits or does not become healthy; 2 for an unknown option.
USAGE
}

mode="threshold"
for arg in "$@"; do
  case "$arg" in
    --centralized) mode="centralized" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "start-cluster: unknown option '$arg' (see scripts/start-cluster.sh --help)" >&2; exit 2 ;;
  esac
done

run_dir="${KMS_RUN_DIR:-.build/kms-cluster}"
mkdir -p "$run_dir"
run_dir="$(cd "$run_dir" && pwd)"
mkdir -p "$run_dir/certs" "$run_dir/data" "$run_dir/logs" "$run_dir/pids" "$run_dir/vault"

if [ -z "${KMS_BIN_DIR:-}" ]; then
  if [ "${KMS_SKIP_BUILD:-0}" != "1" ]; then
    echo "start-cluster: building (swift build)…"
    swift build >"$run_dir/logs/build.log" 2>&1 || { echo "start-cluster: build failed, see $run_dir/logs/build.log" >&2; tail -20 "$run_dir/logs/build.log" >&2; exit 1; }
  fi
  KMS_BIN_DIR="$(swift build --show-bin-path)"
fi
for tool in kms-server kms-core-client kms-gen-tls-certs; do
  [ -x "$KMS_BIN_DIR/$tool" ] || { echo "start-cluster: $KMS_BIN_DIR/$tool not found (run swift build)" >&2; exit 1; }
done

if [ "$mode" = "centralized" ]; then parties=(centralized); else parties=(1 2 3 4); fi

# Certificates: made once per run directory (4 parties cover both modes; the centralized core uses core-1).
# Certificates made before each party's certificate carried its own identity name are made anew.
if [ ! -f "$run_dir/certs/ca.pem" ] || ! openssl x509 -in "$run_dir/certs/core-1.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:kms-core-1"; then
  rm -rf "$run_dir/certs" && mkdir -p "$run_dir/certs"
  "$KMS_BIN_DIR/kms-gen-tls-certs" --parties 4 --out "$run_dir/certs"
fi

# Client configuration for kms-core-client (absolute paths, so it works from any directory).
{
  printf '# Written by scripts/start-cluster.sh for the %s cluster in %s\n[tls]\n' "$mode" "$run_dir"
  printf 'ca_cert = "%s"\ncert = "%s"\nkey = "%s"\n' "$run_dir/certs/ca.pem" "$run_dir/certs/client.pem" "$run_dir/certs/client.key"
  for p in "${parties[@]}"; do
    if [ "$p" = "centralized" ]; then id=1; else id=$p; fi
    port="$(sed -n 's/^listen_port = \([0-9]*\)$/\1/p' "config/default_$p.toml" | head -1)"
    printf '\n[[cores]]\nparty_id = %s\naddress = "localhost:%s"\n' "$id" "$port"
  done
} >"$run_dir/client.toml"

for p in "${parties[@]}"; do
  name="core-$p"; [ "$p" = "centralized" ] && name="centralized"
  pid_file="$run_dir/pids/$name.pid"
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "start-cluster: $name already running (pid $(cat "$pid_file")); run scripts/stop-cluster.sh first" >&2
    exit 1
  fi
  cert_party="$p"; [ "$p" = "centralized" ] && cert_party=1
  vault_key="$run_dir/vault/$name.key"
  if [ ! -f "$vault_key" ]; then (umask 077 && head -c 32 /dev/urandom >"$vault_key"); fi
  KMS_CORE__TLS__CA_CERT="$run_dir/certs/ca.pem" \
  KMS_CORE__TLS__CERT="$run_dir/certs/core-$cert_party.pem" \
  KMS_CORE__TLS__KEY="$run_dir/certs/core-$cert_party.key" \
  KMS_CORE__STORAGE__DATA_DIR="$run_dir/data/$name" \
  KMS_CORE__VAULT__ROOT_KEY_FILE="$vault_key" \
    nohup "$KMS_BIN_DIR/kms-server" --config "$repo/config/default_$p.toml" >"$run_dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  echo "start-cluster: started $name (pid $!), log $run_dir/logs/$name.log"
done

# Wait (bounded) until every core answers GetHealthStatus over mutual TLS.
for _ in $(seq 1 120); do
  for p in "${parties[@]}"; do
    name="core-$p"; [ "$p" = "centralized" ] && name="centralized"
    if ! kill -0 "$(cat "$run_dir/pids/$name.pid")" 2>/dev/null; then
      echo "start-cluster: $name exited:" >&2; tail -5 "$run_dir/logs/$name.log" >&2
      bash "$repo/scripts/stop-cluster.sh" >/dev/null 2>&1 || true
      exit 1
    fi
  done
  # Threshold cores are ready once each also lists its default epoch (health shows only ready epochs): before
  # that, key generation answers UNAVAILABLE ("epoch … is still being set up").
  if "$KMS_BIN_DIR/kms-core-client" --config "$run_dir/client.toml" health --timeout 2 >"$run_dir/logs/health.txt" 2>&1 &&
     { [ "$mode" = "centralized" ] || [ "$(grep -c '^  epochs .*(default)' "$run_dir/logs/health.txt")" -eq "${#parties[@]}" ]; }; then
    cat "$run_dir/logs/health.txt"
    echo "start-cluster: $mode cluster is up; client config: $run_dir/client.toml; stop with scripts/stop-cluster.sh"
    exit 0
  fi
  sleep 0.5
done
echo "start-cluster: cores did not become healthy:" >&2
cat "$run_dir/logs/health.txt" >&2
exit 1
