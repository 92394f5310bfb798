#!/usr/bin/env bash
# Native Threshold KMS testnet launcher: n threshold cores (any n >= 3t + 1) on loopback with mutual TLS, on file
# storage or with their public objects on S3. `scripts/testnet.sh --help` says what it does, which options and
# environment variables it takes, where its files go and its exit statuses (the usage text below is the reference).
set -euo pipefail
caller_dir="$(pwd)"
cd "$(dirname "$0")/.."
repo="$(pwd)"

usage() {
  cat <<'USAGE'
Usage: scripts/testnet.sh start --parties N --threshold T [--storage file|s3] [--s3-endpoint URL]
                                [--s3-bucket B] [--s3-region R] [--base-port P] [--run-dir D] [--insecure]
                                [--wait SECONDS]
       scripts/testnet.sh print-config --parties N --threshold T [start's options] --out DIR
       scripts/testnet.sh stop   [--run-dir D]
       scripts/testnet.sh status [--run-dir D]
       scripts/testnet.sh logs   [PARTY] [--lines K] [--run-dir D]
       scripts/testnet.sh -h | --help

Starts a local Threshold KMS testnet of N threshold cores (party ids 1..N, tolerating T corrupt ones) on
127.0.0.1 with mutual TLS, in the background, and waits until every core answers kms-core-client's health
check as SERVING (all its peers reachable) with its default epoch ready.

Subcommands:
  start          make the certificates (once), the vault root keys (once) and the configurations, start the
                 cores, wait until they are healthy, print how to stop them
  print-config   write the configurations start would write (core-1.toml ... core-N.toml and client.toml, for
                 the same run directory) into --out DIR; starts nothing, needs no binaries
  stop           stop the cores of the run directory: SIGTERM (in-flight calls get shutdown_grace_seconds),
                 SIGKILL after 20 s; removes the pid files, keeps every other file
  status         which cores run, then kms-core-client --config <run dir>/client.toml health
  logs [PARTY]   the last lines of core PARTY's log, or of every core's log without PARTY

Options:
  --parties N          number of cores, 4 or more, at most 64 (required for start and print-config)
  --threshold T        corrupt cores tolerated, 1 or more; refused unless N >= 3T + 1 and C(N, T) <= 10000
  --storage file|s3    where public objects (public keys, server keys) go: the data directory (file, the
                       default) or an S3 bucket ([public_storage]); private objects (key shares, PRSS epochs,
                       the signing key) always stay encrypted in the data directory, the only place a core
                       keeps them
  --s3-endpoint URL    http(s)://host[:port] of an S3-compatible server (e.g. moto, http://127.0.0.1:5056),
                       addressed path-style; without it AWS S3 of --s3-region, virtual-host style
  --s3-bucket B        the bucket (required with --storage s3); it must exist (with --s3-endpoint, start
                       checks with an unsigned HEAD that the endpoint answers and the bucket is not missing).
                       Core i writes under the prefix core-i/ (core-i/public/<Type>/<key id>)
  --s3-region R        the bucket's region (default us-east-1)
  --base-port P        core i's public service listens on P+i, its peer endpoint on P+100+i (default 22000:
                       22001..22000+N and 22101..22100+N, below Linux's ephemeral range 32768-60999; a base
                       that puts a port into that range is accepted with a warning)
  --run-dir D          run directory for every file below (default .build/kms-testnet under the repository
                       root); stop, status and logs need the same one
  --insecure           enable_insecure_service = true on every core: the TEST-ONLY InsecureCoreServiceEndpoint
                       (kms-core-client insecure-keygen). Never for real keys
  --wait SECONDS       how long start waits for every core to be SERVING with its epoch ready (default 120)
  --out DIR            print-config only: the directory to write the configurations into (created)
  --lines K            logs only: how many lines of each log (default 50)
  -h, --help           print this text and exit
Relative --run-dir, --out and KMS_BIN_DIR are taken from the current directory.

Environment:
  KMS_BIN_DIR          directory holding kms-server, kms-core-client and kms-gen-tls-certs; when set, nothing
                       is built. status uses it, else the binaries the last start used, and never builds
  KMS_SKIP_BUILD=1     without KMS_BIN_DIR: do not run `swift build` first, use the binaries already in
                       `swift build --show-bin-path`
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)
                       required with --storage s3 and passed to the cores (for moto any value, e.g. testing);
                       never printed
  KMS_CORE__<SECTION>__<KEY>
                       reach every core and override the written configurations (one value for all cores)

Files, under the run directory:
  certs/               ca.pem, core-1..N.pem/.key, client.pem/.key: made by kms-gen-tls-certs --parties N;
                       kept while they are of an N-party cluster, made anew (--force) otherwise
  config/core-<i>.toml core i's configuration (absolute paths), rewritten at every start
  client.toml          kms-core-client configuration of the cluster (threshold = T):
                       kms-core-client --config <run dir>/client.toml health
  data/core-<i>/       core i's data directory (storage.data_dir): vault objects and lock file
  vault/core-<i>.key   core i's vault root key (32 random bytes, mode 0600, made once); without it data/core-<i>
                       cannot be read
  logs/core-<i>.log    core i's output; logs/build.log (swift build), logs/certs.log (kms-gen-tls-certs),
                       logs/health.txt (last health check)
  pids/core-<i>.pid    process ids, read by stop (scripts/stop-cluster.sh with KMS_RUN_DIR=<run dir> works too)
  testnet.env          N, T, storage, base port and binary directory of the last start; start refuses
                       another N or T while data/ holds anything (use another --run-dir or remove the old one)

Exit status: 0 on success (start: every core SERVING with its default epoch ready; status: every core up); 1 when the build fails, a
binary is missing, a cluster is already running in the run directory, a port is in use, the run directory
holds another N or T, the S3 credentials are missing, the S3 endpoint does not answer or the bucket does not
exist, a core exits or does not become SERVING in time (start then stops the cores it started, as it does on
Ctrl-C while it waits), or status finds a core down; 2 for a usage error (unknown subcommand or option, a bad
value, N < 3T + 1, T < 1).
USAGE
}

die() { echo "testnet: $*" >&2; exit 1; }
usage_error() { echo "testnet: $* (see scripts/testnet.sh --help)" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------- arguments
command="${1:-}"
case "$command" in
  -h|--help|help) usage; exit 0 ;;
  start|print-config|stop|status|logs) shift ;;
  "") usage_error "missing subcommand: start, print-config, stop, status or logs" ;;
  *) usage_error "unknown subcommand '$command'" ;;
esac

parties="" threshold="" storage="file" s3_endpoint="" s3_bucket="" s3_region="us-east-1" base_port=22000
run_dir="$repo/.build/kms-testnet" insecure=0 wait_seconds=120 out_dir="" lines=50 log_party=""
start_only=(--parties --threshold --storage --s3-endpoint --s3-bucket --s3-region --base-port --insecure --wait)
while [ $# -gt 0 ]; do
  option="$1"
  case "$option" in
    -h|--help) usage; exit 0 ;;
    --parties|--threshold|--storage|--s3-endpoint|--s3-bucket|--s3-region|--base-port|--run-dir|--wait|--out|--lines)
      [ $# -ge 2 ] || usage_error "$option needs a value"
      value="$2"; shift 2 ;;
    --insecure) value=""; shift ;;
    -*) usage_error "unknown option '$option'" ;;
    *)
      if [ "$command" = "logs" ] && [ -z "$log_party" ]; then log_party="$option"; shift; continue; fi
      usage_error "unexpected argument '$option'" ;;
  esac
  if [ "$command" != "start" ] && [ "$command" != "print-config" ]; then
    for o in "${start_only[@]}"; do
      [ "$option" = "$o" ] && usage_error "$option is an option of start and print-config, not of $command"
    done
  fi
  [ "$option" = "--out" ] && [ "$command" != "print-config" ] && usage_error "--out is an option of print-config only"
  [ "$option" = "--lines" ] && [ "$command" != "logs" ] && usage_error "--lines is an option of logs only"
  case "$option" in
    --parties) parties="$value" ;;
    --threshold) threshold="$value" ;;
    --storage) storage="$value" ;;
    --s3-endpoint) s3_endpoint="$value" ;;
    --s3-bucket) s3_bucket="$value" ;;
    --s3-region) s3_region="$value" ;;
    --base-port) base_port="$value" ;;
    --run-dir) run_dir="$value" ;;
    --insecure) insecure=1 ;;
    --wait) wait_seconds="$value" ;;
    --out) out_dir="$value" ;;
    --lines) lines="$value" ;;
  esac
done

is_number() { [[ "$1" =~ ^[0-9]+$ ]] && [ "${#1}" -le 6 ]; }
[ -n "$run_dir" ] || usage_error "--run-dir must not be empty"
[[ "$run_dir" != *[\"\\]* ]] || usage_error "--run-dir must not contain a double quote or a backslash"
# Relative paths given by the caller are relative to the caller's working directory.
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$caller_dir/$1" ;; esac; }
run_dir="$(absolute "$run_dir")"; run_dir="${run_dir%/}"
[ -z "$out_dir" ] || out_dir="$(absolute "$out_dir")"
[ -z "${KMS_BIN_DIR:-}" ] || KMS_BIN_DIR="$(absolute "$KMS_BIN_DIR")"

# C(n, t) <= limit, without overflow (stops as soon as the running product passes the limit).
binomial_at_most() {
  local n="$1" k="$2" limit="$3" result=1 i
  [ "$k" -gt $(( n - k )) ] && k=$(( n - k ))
  for (( i = 0; i < k; i++ )); do
    result=$(( result * (n - i) / (i + 1) ))
    [ "$result" -gt "$limit" ] && return 1
  done
  return 0
}

validate_cluster_options() {
  [ -n "$parties" ] || usage_error "--parties N is required"
  [ -n "$threshold" ] || usage_error "--threshold T is required"
  is_number "$parties" || usage_error "--parties must be a whole number, got '$parties'"
  is_number "$threshold" || usage_error "--threshold must be a whole number, got '$threshold'"
  [ "$threshold" -ge 1 ] || usage_error "--threshold must be at least 1, got $threshold"
  [ "$parties" -ge $(( 3 * threshold + 1 )) ] ||
    usage_error "--threshold $threshold needs at least $(( 3 * threshold + 1 )) parties (n >= 3t + 1), got --parties $parties"
  [ "$parties" -le 64 ] || usage_error "--parties $parties is more than the 64 parties the MPC layer supports"
  [ "$threshold" -le 21 ] || usage_error "--threshold $threshold is more than the largest the cores accept (21)"
  binomial_at_most "$parties" "$threshold" 10000 ||
    usage_error "--parties $parties --threshold $threshold needs more than 10000 PRSS subsets C(n, t), the cores' limit"
  is_number "$base_port" || usage_error "--base-port must be a whole number, got '$base_port'"
  [ "$base_port" -ge 1024 ] || usage_error "--base-port $base_port is below 1024 (privileged ports)"
  [ $(( base_port + 100 + parties )) -le 65535 ] ||
    usage_error "--base-port $base_port puts the last peer port $(( base_port + 100 + parties )) above 65535"
  is_number "$wait_seconds" && [ "$wait_seconds" -ge 1 ] || usage_error "--wait must be a whole number of seconds >= 1, got '$wait_seconds'"
  case "$storage" in
    file)
      [ -z "$s3_endpoint$s3_bucket" ] || usage_error "--s3-endpoint and --s3-bucket need --storage s3" ;;
    s3)
      [ -n "$s3_bucket" ] || usage_error "--storage s3 needs --s3-bucket B"
      [[ "$s3_bucket" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || usage_error "--s3-bucket '$s3_bucket' is not a valid S3 bucket name"
      [ -z "$s3_endpoint" ] || [[ "$s3_endpoint" =~ ^https?://[^/[:space:]\"]+$ ]] ||
        usage_error "--s3-endpoint must be http(s)://host[:port], got '$s3_endpoint'"
      [[ "$s3_region" =~ ^[a-z0-9-]+$ ]] || usage_error "--s3-region '$s3_region' is not a region name" ;;
    *) usage_error "--storage must be file or s3, got '$storage'" ;;
  esac
}

service_port() { echo $(( base_port + $1 )); }
peer_port() { echo $(( base_port + 100 + $1 )); }

# Writes core-1.toml ... core-N.toml and client.toml into $1, for the run directory $run_dir.
write_configs() {
  local dir="$1" i j
  mkdir -p "$dir"
  for (( i = 1; i <= parties; i++ )); do
    {
      printf '# Written by scripts/testnet.sh: party %s of a %s-party testnet (t = %s), run directory %s.\n' "$i" "$parties" "$threshold" "$run_dir"
      printf '# Ports: service %s+i, peer %s+100+i.\n\n' "$base_port" "$base_port"
      printf '[service]\nlisten_address = "127.0.0.1"\nlisten_port = %s\n' "$(service_port "$i")"
      if [ "$insecure" = 1 ]; then
        printf '# TEST ONLY (--insecure): serves InsecureCoreServiceEndpoint.\nenable_insecure_service = true\n'
      else
        printf 'enable_insecure_service = false\n'
      fi
      printf 'shutdown_grace_seconds = 10\nlog_level = "info"\n\n'
      printf '[tls]\nca_cert = "%s"\ncert = "%s"\nkey = "%s"\nrequire_client_certificate = true\n\n' \
        "$run_dir/certs/ca.pem" "$run_dir/certs/core-$i.pem" "$run_dir/certs/core-$i.key"
      printf '[storage]\ndata_dir = "%s"\n\n' "$run_dir/data/core-$i"
      printf '[vault]\nroot_key_file = "%s"\n\n' "$run_dir/vault/core-$i.key"
      if [ "$storage" = "s3" ]; then
        printf '# Public objects on S3 under core-%s/; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.\n' "$i"
        printf '[public_storage]\ns3_bucket = "%s"\ns3_region = "%s"\n' "$s3_bucket" "$s3_region"
        if [ -n "$s3_endpoint" ]; then
          printf 's3_endpoint = "%s"\ns3_addressing_style = "path"\n' "$s3_endpoint"
        else
          printf 's3_addressing_style = "virtual-host"\n'
        fi
        printf 's3_key_prefix = "core-%s/"\n\n' "$i"
      fi
      printf '[threshold]\nparty_id = %s\nthreshold = %s\nlisten_address = "127.0.0.1"\nlisten_port = %s\n' \
        "$i" "$threshold" "$(peer_port "$i")"
      for (( j = 1; j <= parties; j++ )); do
        printf '\n[[threshold.peers]]\nparty_id = %s\naddress = "localhost:%s"\nidentity = "kms-core-%s"\n' "$j" "$(peer_port "$j")" "$j"
      done
    } >"$dir/core-$i.toml"
  done
  {
    printf '# Written by scripts/testnet.sh: kms-core-client configuration of the %s-party testnet (t = %s) in %s.\n' "$parties" "$threshold" "$run_dir"
    printf 'threshold = %s\n\n' "$threshold"
    printf '[tls]\nca_cert = "%s"\ncert = "%s"\nkey = "%s"\n' "$run_dir/certs/ca.pem" "$run_dir/certs/client.pem" "$run_dir/certs/client.key"
    for (( i = 1; i <= parties; i++ )); do
      printf '\n[[cores]]\nparty_id = %s\naddress = "localhost:%s"\n' "$i" "$(service_port "$i")"
    done
  } >"$dir/client.toml"
}

# Sets KMS_BIN_DIR; with $1 = nobuild (status) never builds: the binaries start used, else the build's.
find_binaries() {
  if [ -z "${KMS_BIN_DIR:-}" ] && [ "${1:-}" = "nobuild" ] && [ -f "$run_dir/testnet.env" ]; then
    KMS_BIN_DIR="$(sed -n 's/^bin_dir=//p' "$run_dir/testnet.env")"
  fi
  if [ -z "${KMS_BIN_DIR:-}" ]; then
    if [ "${KMS_SKIP_BUILD:-0}" != "1" ] && [ "${1:-}" != "nobuild" ]; then
      mkdir -p "$run_dir/logs"
      echo "testnet: building (swift build)…"
      swift build >"$run_dir/logs/build.log" 2>&1 || { tail -20 "$run_dir/logs/build.log" >&2; die "build failed, see $run_dir/logs/build.log"; }
    fi
    KMS_BIN_DIR="$(swift build --show-bin-path)"
  fi
  for tool in kms-server kms-core-client kms-gen-tls-certs; do
    [ -x "$KMS_BIN_DIR/$tool" ] || die "$KMS_BIN_DIR/$tool not found (run swift build, or set KMS_BIN_DIR)"
  done
}

# The pid in $1 if that process is a running kms-server (a stale pid file may name a recycled pid).
is_core_process() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kms-server'
}

# Stops every core with a pid file in the run directory; quiet=1 prints nothing for cores that are not running.
stop_cores() {
  local quiet="${1:-0}" pid_file name pid
  shopt -s nullglob
  local pid_files=("$run_dir"/pids/*.pid)
  shopt -u nullglob
  if [ ${#pid_files[@]} -eq 0 ]; then
    [ "$quiet" = 1 ] || echo "testnet: nothing running in $run_dir (no pid files)"
    return 0
  fi
  local running=()
  for pid_file in "${pid_files[@]}"; do
    pid="$(cat "$pid_file" 2>/dev/null || true)"
    if is_core_process "$pid"; then
      running+=("$pid_file")
      kill -TERM "$pid" 2>/dev/null || true
    else
      [ "$quiet" = 1 ] || echo "testnet: $(basename "$pid_file" .pid) (pid $pid) was not running"
      rm -f "$pid_file"
    fi
  done
  for pid_file in ${running[@]+"${running[@]}"}; do
    name="$(basename "$pid_file" .pid)"
    pid="$(cat "$pid_file")"
    for _ in $(seq 1 100); do is_core_process "$pid" || break; sleep 0.2; done
    if is_core_process "$pid"; then
      echo "testnet: $name (pid $pid) did not stop in 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "testnet: stopped $name (pid $pid)"
    rm -f "$pid_file"
  done
}

running_cores() {
  local pid_file pid
  shopt -s nullglob
  for pid_file in "$run_dir"/pids/*.pid; do
    pid="$(cat "$pid_file" 2>/dev/null || true)"
    if is_core_process "$pid"; then echo "$(basename "$pid_file" .pid) pid $pid"; fi
  done
  shopt -u nullglob
}

port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Refuses S3 settings that cannot work: missing credentials, an endpoint that does not answer, a missing bucket.
check_s3() {
  [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ] ||
    die "--storage s3 needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (for moto any value, e.g. testing)"
  [ -n "$s3_endpoint" ] || return 0
  command -v curl >/dev/null 2>&1 || return 0
  local code
  code="$(curl -s -o /dev/null -m 5 -w '%{http_code}' -I "$s3_endpoint/$s3_bucket" 2>/dev/null || true)"
  case "$code" in
    000|"") die "S3 endpoint $s3_endpoint does not answer (is the server running?)" ;;
    404) die "bucket '$s3_bucket' does not exist at $s3_endpoint (create it first; for moto: curl -X PUT $s3_endpoint/$s3_bucket)" ;;
  esac
}

# Certificates of an N-party cluster with each party's identity name, else made anew.
ensure_certificates() {
  local certs="$run_dir/certs"
  if [ -f "$certs/ca.pem" ] && [ -f "$certs/client.pem" ] && [ -f "$certs/core-$parties.key" ] && [ ! -e "$certs/core-$(( parties + 1 )).pem" ] &&
     openssl x509 -in "$certs/core-1.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:kms-core-1"; then
    return 0
  fi
  rm -rf "$certs" && mkdir -p "$certs"
  "$KMS_BIN_DIR/kms-gen-tls-certs" --parties "$parties" --out "$certs" --force >"$run_dir/logs/certs.log" 2>&1 ||
    { cat "$run_dir/logs/certs.log" >&2; die "kms-gen-tls-certs --parties $parties failed"; }
  echo "testnet: made the certificates of $parties parties in $certs"
}

# Every core SERVING and its default epoch ready (health lists only ready epochs): before that, key generation
# answers UNAVAILABLE ("epoch … is still being set up").
health_all_serving() {
  "$KMS_BIN_DIR/kms-core-client" --config "$run_dir/client.toml" health --timeout 2 >"$run_dir/logs/health.txt" 2>&1 || return 1
  [ "$(grep -c ': SERVING ' "$run_dir/logs/health.txt")" -eq "$parties" ] &&
    [ "$(grep -c '^  epochs .*(default)' "$run_dir/logs/health.txt")" -eq "$parties" ]
}

cmd_start() {
  validate_cluster_options
  find_binaries
  local running
  running="$(running_cores)"
  [ -z "$running" ] || die "a cluster is already running in $run_dir (${running%%$'\n'*}); stop it first: scripts/testnet.sh stop --run-dir $run_dir"
  local i port
  for (( i = 1; i <= parties; i++ )); do
    for port in "$(service_port "$i")" "$(peer_port "$i")"; do
      ! port_in_use "$port" || die "port $port (party $i) is in use on 127.0.0.1; stop what listens there or choose another --base-port"
    done
  done
  mkdir -p "$run_dir"/{certs,config,data,logs,pids,vault}
  if [ -f "$run_dir/testnet.env" ] && [ -n "$(ls -A "$run_dir/data" 2>/dev/null)" ]; then
    local old_parties old_threshold
    old_parties="$(sed -n 's/^parties=//p' "$run_dir/testnet.env")"
    old_threshold="$(sed -n 's/^threshold=//p' "$run_dir/testnet.env")"
    [ "$old_parties" = "$parties" ] && [ "$old_threshold" = "$threshold" ] ||
      die "$run_dir/data holds a $old_parties-party t=$old_threshold cluster, not $parties parties t=$threshold; use another --run-dir or remove $run_dir"
  fi
  if [ $(( base_port + 1 )) -le 60999 ] && [ $(( base_port + 100 + parties )) -ge 32768 ]; then
    echo "testnet: warning: ports $(( base_port + 1 ))..$(( base_port + 100 + parties )) overlap Linux's ephemeral range 32768-60999; a core may find its port taken" >&2
  fi
  [ "$storage" != "s3" ] || check_s3
  ensure_certificates
  for (( i = 1; i <= parties; i++ )); do
    local key="$run_dir/vault/core-$i.key"
    if [ ! -f "$key" ]; then (umask 077 && head -c 32 /dev/urandom >"$key"); fi
  done
  write_configs "$run_dir/config"
  mv "$run_dir/config/client.toml" "$run_dir/client.toml"
  printf 'parties=%s\nthreshold=%s\nstorage=%s\nbase_port=%s\nbin_dir=%s\n' "$parties" "$threshold" "$storage" "$base_port" "$KMS_BIN_DIR" >"$run_dir/testnet.env"
  [ "$insecure" != 1 ] || echo "testnet: --insecure: every core serves the TEST-ONLY InsecureCoreServiceEndpoint"

  trap 'stop_cores 1 >/dev/null; echo "testnet: interrupted; stopped the cores" >&2; exit 1' INT TERM
  for (( i = 1; i <= parties; i++ )); do
    nohup "$KMS_BIN_DIR/kms-server" --config "$run_dir/config/core-$i.toml" >"$run_dir/logs/core-$i.log" 2>&1 </dev/null &
    echo $! >"$run_dir/pids/core-$i.pid"
    echo "testnet: started core-$i (pid $!): service 127.0.0.1:$(service_port "$i"), peers 127.0.0.1:$(peer_port "$i"), log $run_dir/logs/core-$i.log"
  done

  local deadline=$(( SECONDS + wait_seconds ))
  while :; do
    for (( i = 1; i <= parties; i++ )); do
      if ! is_core_process "$(cat "$run_dir/pids/core-$i.pid")"; then
        echo "testnet: core-$i exited; the end of $run_dir/logs/core-$i.log:" >&2
        tail -5 "$run_dir/logs/core-$i.log" >&2
        stop_cores 1 >/dev/null
        die "core-$i exited during start; stopped the other cores"
      fi
    done
    if health_all_serving; then break; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      cat "$run_dir/logs/health.txt" >&2
      stop_cores 1 >/dev/null
      die "the cores were not all SERVING within $wait_seconds s (health above, logs in $run_dir/logs); stopped them"
    fi
    sleep 0.5
  done
  trap - INT TERM
  cat "$run_dir/logs/health.txt"
  echo "testnet: $parties-party cluster (t=$threshold, $storage storage) is up; client config: $run_dir/client.toml"
  echo "testnet: stop it with: scripts/testnet.sh stop --run-dir $run_dir"
}

cmd_print_config() {
  validate_cluster_options
  [ -n "$out_dir" ] || usage_error "print-config needs --out DIR"
  write_configs "$out_dir"
  echo "testnet: wrote core-1.toml ... core-$parties.toml and client.toml (run directory $run_dir) into $out_dir"
}

cmd_status() {
  [ -f "$run_dir/client.toml" ] || die "no testnet in $run_dir (no client.toml); start one with scripts/testnet.sh start"
  local running
  running="$(running_cores)"
  if [ -n "$running" ]; then
    echo "testnet: running in $run_dir:"; echo "$running" | sed 's/^/  /'
  else
    echo "testnet: no core process running in $run_dir"
  fi
  find_binaries nobuild
  "$KMS_BIN_DIR/kms-core-client" --config "$run_dir/client.toml" health --timeout 5
}

cmd_logs() {
  is_number "$lines" || usage_error "--lines must be a whole number, got '$lines'"
  if [ -n "$log_party" ]; then
    is_number "$log_party" || usage_error "PARTY must be a party id, got '$log_party'"
    [ -f "$run_dir/logs/core-$log_party.log" ] || die "no log of core $log_party in $run_dir/logs"
    tail -n "$lines" "$run_dir/logs/core-$log_party.log"
    return 0
  fi
  shopt -s nullglob
  local logs=("$run_dir"/logs/core-*.log) log
  shopt -u nullglob
  [ ${#logs[@]} -gt 0 ] || die "no core logs in $run_dir/logs"
  while IFS= read -r log; do
    echo "==> $log <=="
    tail -n "$lines" "$log"
  done < <(printf '%s\n' "${logs[@]}" | sort -V)
}

case "$command" in
  start) cmd_start ;;
  print-config) cmd_print_config ;;
  stop) stop_cores 0 ;;
  status) cmd_status ;;
  logs) cmd_logs ;;
esac
