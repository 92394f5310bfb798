#!/usr/bin/env bash
# Stops the cores started by scripts/start-cluster.sh (SIGTERM, graceful; SIGKILL after 20 s) and removes
# their pid files. Certificates, data and logs stay in the run directory (KMS_RUN_DIR, default .build/kms-cluster).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/stop-cluster.sh
       scripts/stop-cluster.sh -h | --help

Stops every core that scripts/start-cluster.sh started in the run directory (threshold and centralized
alike): SIGTERM to each pid in <run dir>/pids/*.pid, which lets in-flight calls finish within the core's
service.shutdown_grace_seconds; SIGKILL if a core has not exited after 20 s. Removes the pid files.
Certificates, client.toml, data/, vault/ and logs/ stay in the run directory, so the next start-cluster.sh
reuses the same keys and data.

Environment:
  KMS_RUN_DIR   run directory (default .build/kms-cluster, relative to the repository root)

Exit status: 0 (also when nothing was running); 2 for an unknown option.
USAGE
}

for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    *) echo "stop-cluster: unknown option '$arg' (see scripts/stop-cluster.sh --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
run_dir="${KMS_RUN_DIR:-.build/kms-cluster}"
shopt -s nullglob
pid_files=("$run_dir"/pids/*.pid)
if [ ${#pid_files[@]} -eq 0 ]; then
  echo "stop-cluster: nothing running (no pid files in $run_dir/pids)"
  exit 0
fi
for pid_file in "${pid_files[@]}"; do
  name="$(basename "$pid_file" .pid)"
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "stop-cluster: $name (pid $pid) did not stop in 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "stop-cluster: stopped $name (pid $pid)"
  else
    echo "stop-cluster: $name (pid $pid) was not running"
  fi
  rm -f "$pid_file"
done
