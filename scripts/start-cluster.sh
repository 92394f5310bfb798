#!/usr/bin/env bash
# Starts a local Threshold KMS testnet on loopback: makes certificates (once) with kms-gen-tls-certs, starts
# kms-server with config/default_{1..4}.toml (or config/default_centralized.toml with --centralized) in the
# background, and waits until kms-core-client reports every core healthy.
#
#   scripts/start-cluster.sh [--centralized]     start (builds first unless KMS_SKIP_BUILD=1)
#   scripts/stop-cluster.sh                      stop
#
# Everything lives under the run directory (KMS_RUN_DIR, default .build/kms-cluster):
#   certs/  ca.pem, core-<i>.pem/.key, client.pem/.key     data/core-<i>/  each core's locked data directory
#   vault/core-<i>.key  each core's vault root key (32 random bytes, 0600; made once)
#   logs/core-<i>.log                                      pids/core-<i>.pid
#   client.toml   kms-core-client configuration for this cluster, e.g.
#                 kms-core-client --config .build/kms-cluster/client.toml health
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

mode="threshold"
case "${1:-}" in
  --centralized) mode="centralized" ;;
  "") ;;
  -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "start-cluster: unknown option '$1' (use --centralized or nothing)" >&2; exit 2 ;;
esac

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
  if "$KMS_BIN_DIR/kms-core-client" --config "$run_dir/client.toml" health --timeout 2 >"$run_dir/logs/health.txt" 2>&1; then
    cat "$run_dir/logs/health.txt"
    echo "start-cluster: $mode cluster is up; client config: $run_dir/client.toml; stop with scripts/stop-cluster.sh"
    exit 0
  fi
  sleep 0.5
done
echo "start-cluster: cores did not become healthy:" >&2
cat "$run_dir/logs/health.txt" >&2
exit 1
