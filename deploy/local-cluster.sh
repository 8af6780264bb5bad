#!/usr/bin/env bash
# Runs the production topology as processes on this machine: PostgreSQL, three Once.Silo processes
# and one Once.Api process, all durable (Once:Storage=Postgres, Once:Clustering=Postgres).
#
#   deploy/local-cluster.sh start          build, start PostgreSQL (or use $ONCE_POSTGRES), apply the
#                                          schema, start 3 silos and the API, wait until all are ready
#   deploy/local-cluster.sh stop           stop the API, the silos and the PostgreSQL it started
#   deploy/local-cluster.sh status         each process: ready, running but not ready, or not running
#                                          (exit status 0 only when all are ready)
#   deploy/local-cluster.sh stop-silo N    SIGTERM silo N (1-3) and wait until it has shut down (graceful)
#   deploy/local-cluster.sh kill-silo N    SIGKILL silo N (1-3): a crash, not a shutdown
#   deploy/local-cluster.sh freeze-silo N  SIGSTOP silo N: it stops answering but keeps its connections
#   deploy/local-cluster.sh thaw-silo N    SIGCONT silo N (evicted meanwhile, it stops itself)
#   deploy/local-cluster.sh start-silo N   start silo N again and wait until it is ready
#   deploy/local-cluster.sh postgres       start only PostgreSQL (nothing else) and print its connection string
#                                          (password authentication; the password is kept in ONCE_CLUSTER_DIR/pg-password)
#   deploy/local-cluster.sh stop-postgres  stop only the PostgreSQL that `postgres` or `start` started
#   deploy/local-cluster.sh api-key        print the API key the API takes (header X-Api-Key)
#   deploy/local-cluster.sh tls-dir        print the folder of the TLS material (with ONCE_TLS=1)
#
# Settings (environment): ONCE_CLUSTER_DIR (state and logs, default .artifacts/local-cluster),
# ONCE_POSTGRES (use this database instead of starting one), ONCE_PG_PORT (default 54329),
# ONCE_API_PORT (5080), ONCE_SILO_PORT_BASE (11110: silo N uses base+N), ONCE_GATEWAY_PORT_BASE
# (30000), ONCE_HEALTH_PORT_BASE (8080), ONCE_CONFIGURATION (Release), ONCE_BUILD (1; 0 skips the build),
# ONCE_PG_OPTIONS (extra PostgreSQL server options, e.g. "-c max_connections=600"), ONCE_READY_TIMEOUT
# (seconds to wait for a process to report ready, default 120), ONCE_API_KEY (the API's key with every
# scope; default: one generated at the first start and kept in ONCE_CLUSTER_DIR/api-key), ONCE_TLS
# (1: `start` generates a throwaway CA and certificates with openssl in ONCE_CLUSTER_DIR/tls and runs
# every silo and the API over mutual TLS; later commands on the same folder keep to what `start` chose).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${ONCE_CLUSTER_DIR:-$root/.artifacts/local-cluster}
configuration=${ONCE_CONFIGURATION:-Release}
pg_port=${ONCE_PG_PORT:-54329}
api_port=${ONCE_API_PORT:-5080}
silo_base=${ONCE_SILO_PORT_BASE:-11110}
gateway_base=${ONCE_GATEWAY_PORT_BASE:-30000}
health_base=${ONCE_HEALTH_PORT_BASE:-8080}
silos=3

log() { echo "local-cluster: $*" >&2; }

pg_bin() {
  if command -v pg_config >/dev/null 2>&1; then pg_config --bindir; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] || { log "PostgreSQL server binaries not found: apt-get install -y postgresql"; exit 1; }
  echo "$found"
}

# PostgreSQL refuses to run as root: run its tools as the postgres OS user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

# The password of the PostgreSQL this script starts: generated once per cluster folder.
pg_password() {
  mkdir -p "$dir"
  [ -s "$dir/pg-password" ] || (umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/pg-password")
  cat "$dir/pg-password"
}

connection_string() {
  if [ -n "${ONCE_POSTGRES:-}" ]; then echo "$ONCE_POSTGRES"; else
    echo "Host=127.0.0.1;Port=$pg_port;Database=once;Username=postgres;Password=$(pg_password)"; fi
}

start_postgres() {
  [ -z "${ONCE_POSTGRES:-}" ] || { log "using ONCE_POSTGRES"; return; }
  local bin data="$dir/pg/data" sock="$dir/pg/sock"
  bin=$(pg_bin)
  mkdir -p "$dir/pg"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir/pg"
    [ -d "$data" ] || install -d -o postgres -g postgres -m 700 "$data"
    install -d -o postgres -g postgres -m 755 "$sock"
  else
    mkdir -p -m 700 "$data"; mkdir -p "$sock"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    # Password authentication (SCRAM) on every connection, the superuser's password from pg_password.
    local pwfile="$dir/pg/pwfile"
    (umask 077; pg_password >"$pwfile")
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$pwfile"; fi
    as_pg "'$bin/initdb' -D '$data' -U postgres --auth=scram-sha-256 --pwfile='$pwfile' >'$dir/pg/initdb.log' 2>&1"
    rm -f "$pwfile"
  fi
  as_pg "'$bin/pg_ctl' -D '$data' -l '$dir/pg/server.log' -w -o \"-p $pg_port -k '$sock' -c listen_addresses=127.0.0.1 ${ONCE_PG_OPTIONS:-}\" start" >/dev/null
  local password; password=$(pg_password)
  as_pg "PGPASSWORD='$password' '$bin/psql' -h 127.0.0.1 -p $pg_port -U postgres -d postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = 'once'\"" | grep -q 1 \
    || as_pg "PGPASSWORD='$password' '$bin/createdb' -h 127.0.0.1 -p $pg_port -U postgres once"
  log "PostgreSQL on 127.0.0.1:$pg_port (data in $data)"
}

stop_postgres() {
  [ -z "${ONCE_POSTGRES:-}" ] || return 0
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  as_pg "'$(pg_bin)/pg_ctl' -D '$dir/pg/data' -m fast -w stop" >/dev/null || true
}

dll() { echo "$root/src/$1/bin/$configuration/net10.0/$1.dll"; }

# Every process gets the same cluster settings; only its ports differ.
cluster_env() {
  export Once__Storage=Postgres Once__Clustering=Postgres Once__ServiceId=once Once__ClusterId=local
  export Once__AdvertisedHost=127.0.0.1 ONCE_POSTGRES
  ONCE_POSTGRES=$(connection_string)
  export Logging__LogLevel__Default=Warning Logging__LogLevel__Once=Information
  if [ -f "$dir/tls/enabled" ]; then
    export Once__Tls__Enabled=true Once__Tls__TrustRoot="$dir/tls/ca.pem"
    export Once__Tls__Certificate="$dir/tls/$1.pem" Once__Tls__Key="$dir/tls/$1.key"
  fi
}

# A throwaway CA (kept in the cluster folder, valid 30 days) signing one certificate for the silos
# and one for the API, each usable on both ends of a connection (silos also connect to each other).
tls_material() {
  local tls="$dir/tls" name
  command -v openssl >/dev/null 2>&1 || { log "ONCE_TLS=1 needs openssl: apt-get install -y openssl"; exit 1; }
  mkdir -p "$tls"
  if [ ! -s "$tls/ca.pem" ]; then
    (umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=Once local cluster CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>>"$tls/openssl.log")
  fi
  for name in silo api; do
    [ -s "$tls/$name.pem" ] && continue
    (umask 077
     openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=once-$name" \
       -keyout "$tls/$name.key" -out "$tls/$name.csr" 2>>"$tls/openssl.log"
     printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/$name.ext"
     openssl x509 -req -in "$tls/$name.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
       -extfile "$tls/$name.ext" -out "$tls/$name.pem" 2>>"$tls/openssl.log")
  done
  touch "$tls/enabled"
  log "TLS on: certificates in $tls (CA ca.pem)"
}

# The API's development key: every scope, generated once per cluster folder unless ONCE_API_KEY is set.
api_key() {
  if [ -n "${ONCE_API_KEY:-}" ]; then echo "$ONCE_API_KEY"; return; fi
  mkdir -p "$dir"
  [ -s "$dir/api-key" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/api-key")
  cat "$dir/api-key"
}

spawn() { # name, dll, args...
  local name=$1 program=$2; shift 2
  (cluster_env "${name%%[0-9]*}"; setsid nohup dotnet "$program" "$@" >>"$dir/$name.log" 2>&1 < /dev/null & echo $! >"$dir/$name.pid")
}

wait_ready() { # name, url
  local name=$1 url=$2 deadline=$((SECONDS + ${ONCE_READY_TIMEOUT:-120}))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ! alive "$name"; then log "$name exited; see $dir/$name.log"; tail -n 20 "$dir/$name.log" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "$name not ready at $url; see $dir/$name.log"; exit 1; fi
    sleep 0.5
  done
}

alive() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

ready_url() { # name
  if [ "$1" = api ]; then echo "http://127.0.0.1:$api_port/health/ready"; else echo "http://127.0.0.1:$((health_base + ${1#silo}))/health/ready"; fi
}

silo_number() { # the argument of kill-silo and the like: 1 to $silos
  case "${1:-}" in
    [1-9]) [ "$1" -le "$silos" ] && { echo "$1"; return; } ;;
  esac
  log "no silo '${1:-}': the cluster has silos 1 to $silos"; exit 2
}

build() {
  local started=$SECONDS project
  for project in Once.Silo Once.Api; do
    log "building $project ($configuration)..."
    dotnet build "$root/src/$project/$project.csproj" -c "$configuration" -v quiet -nologo >>"$dir/build.log" 2>&1 \
      || { log "build of $project failed; see $dir/build.log"; tail -n 20 "$dir/build.log" >&2; exit 1; }
  done
  log "built in $((SECONDS - started)) s"
}

start_silo() {
  local n=$1
  alive "silo$n" && { log "silo$n already runs"; return; }
  spawn "silo$n" "$(dll Once.Silo)" --urls "http://127.0.0.1:$((health_base + n))" \
    --Once:SiloPort=$((silo_base + n)) --Once:GatewayPort=$((gateway_base + n))
  wait_ready "silo$n" "http://127.0.0.1:$((health_base + n))/health/ready"
  log "silo$n ready (silo port $((silo_base + n)), gateway $((gateway_base + n)), health $((health_base + n)))"
}

stop_process() { # name, signal
  local name=$1 signal=${2:-TERM}
  alive "$name" || { rm -f "$dir/$name.pid"; return 0; }
  local pid; pid=$(cat "$dir/$name.pid")
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/$name.pid"
}

case "${1:-}" in
  start)
    mkdir -p "$dir"
    running=$(for name in silo1 silo2 silo3 api; do if alive "$name"; then echo "$name"; fi; done | tr "\n" " ")
    if [ -n "$running" ]; then
      log "the cluster already runs ($running); see 'status', or 'stop' it first"
      [ "$running" = "silo1 silo2 silo3 api " ] && exit 0 || exit 1
    fi
    if [ "${ONCE_BUILD:-1}" = 1 ]; then build; fi
    if [ "${ONCE_TLS:-0}" = 1 ]; then tls_material; else rm -f "$dir/tls/enabled"; fi
    start_postgres
    (cluster_env silo; dotnet "$(dll Once.Silo)" migrate >>"$dir/migrate.log" 2>&1) \
      || { log "migrate failed; see $dir/migrate.log"; exit 1; }
    for n in $(seq 1 $silos); do start_silo "$n"; done
    key=$(api_key)
    (export Once__Auth__Mode=ApiKey Once__Auth__ApiKeys__local__Key="$key" Once__Auth__ApiKeys__local__Scopes=send,read,admin,metrics
     spawn api "$(dll Once.Api)" --urls "http://127.0.0.1:$api_port" --Once:GatewayPort=$((gateway_base + 1)))
    wait_ready api "http://127.0.0.1:$api_port/health/ready"
    log "API ready on http://127.0.0.1:$api_port (logs in $dir); send the header X-Api-Key: $key ('api-key' prints it)"
    ;;
  stop)
    stop_process api
    for n in $(seq 1 $silos); do stop_process "silo$n"; done
    stop_postgres
    log "stopped"
    ;;
  api-key)
    api_key
    ;;
  tls-dir)
    [ -f "$dir/tls/enabled" ] || { log "this cluster does not run over TLS (start it with ONCE_TLS=1)"; exit 1; }
    echo "$dir/tls"
    ;;
  status)
    all_ready=1
    for name in silo1 silo2 silo3 api; do
      if ! alive "$name"; then echo "$name: not running"; all_ready=0
      elif curl -fsS -o /dev/null "$(ready_url "$name")" 2>/dev/null; then echo "$name: ready (pid $(cat "$dir/$name.pid"))"
      else echo "$name: running, not ready (pid $(cat "$dir/$name.pid"))"; all_ready=0; fi
    done
    [ $all_ready = 1 ]
    ;;
  stop-silo)
    n=$(silo_number "${2:-}")
    stop_process "silo$n" TERM
    log "silo$n stopped (SIGTERM)"
    ;;
  kill-silo)
    n=$(silo_number "${2:-}")
    stop_process "silo$n" KILL
    log "silo$n killed (SIGKILL)"
    ;;
  freeze-silo)
    n=$(silo_number "${2:-}")
    alive "silo$n" || { log "silo$n does not run"; exit 1; }
    kill -STOP "$(cat "$dir/silo$n.pid")"
    log "silo$n frozen (SIGSTOP)"
    ;;
  thaw-silo)
    n=$(silo_number "${2:-}")
    alive "silo$n" || { log "silo$n does not run"; exit 1; }
    kill -CONT "$(cat "$dir/silo$n.pid")"
    log "silo$n thawed (SIGCONT)"
    ;;
  start-silo)
    start_silo "$(silo_number "${2:-}")"
    ;;
  postgres)
    start_postgres
    connection_string
    ;;
  stop-postgres)
    stop_postgres
    log "PostgreSQL stopped"
    ;;
  *)
    sed -n '2,/^set -euo pipefail/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
    [ "${1:-}" = --help ] || [ "${1:-}" = -h ] || [ "${1:-}" = help ] && exit 0
    exit 2
    ;;
esac
