#!/usr/bin/env bash
# A production-like CrampApp on this machine: nginx (TLS, load balancing) in front of two gunicorn
# app servers, PgBouncer (transaction pooling) in front of a PostgreSQL primary, a streaming replica,
# and Redis. Everything it makes lives under .cluster/ at the repository root.
#
#   cluster.sh up                  start everything (idempotent: running parts are kept)
#   cluster.sh stop [--wipe]       stop everything we started; --wipe also deletes .cluster/
#   cluster.sh status              what is running
#   cluster.sh stop-app PORT       stop one app server, drained from nginx first; start-app PORT starts it
#   cluster.sh kill-app PORT       a crash: SIGKILL to one app server and its workers
#   cluster.sh stop-replica        stop the replica         cluster.sh start-replica
#   cluster.sh restart-pgbouncer   rolling restart of PgBouncer (new process first, then the old one stops)
#
# Ports can be changed with the CLUSTER_*_PORT(S) variables below (give the same ones to stop and status).
# Must run as root: PostgreSQL and PgBouncer are run as the `postgres` user, nginx workers as www-data.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="$ROOT/.cluster"
RUN="$CLUSTER/run"
LOG="$CLUSTER/log"
ENV_FILE="$CLUSTER/app.env"
VENV="$ROOT/.venv"

HTTPS_PORT="${CLUSTER_HTTPS_PORT:-8443}"
HTTP_PORT="${CLUSTER_HTTP_PORT:-8080}"
read -ra APP_PORTS <<< "${CLUSTER_APP_PORTS:-8101 8102}"
PGBOUNCER_PORT="${CLUSTER_PGBOUNCER_PORT:-6433}"
PRIMARY_PORT="${CLUSTER_PG_PRIMARY_PORT:-55432}"
REPLICA_PORT="${CLUSTER_PG_REPLICA_PORT:-55433}"
REDIS_PORT="${CLUSTER_REDIS_PORT:-56379}"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_USER=postgres
PRIMARY_DIR="$CLUSTER/pg/primary"
REPLICA_DIR="$CLUSTER/pg/replica"
SLOT=replica1
PGBOUNCER_SLOTS=(a b)   # two pidfiles/inis, so a rolling restart can run two processes at once
APP_DB=crampapp
APP_ROLE=crampapp

# ---------------------------------------------------------------------------------------------------
# Small helpers

say() { printf '== %s\n' "$*"; }
die() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }

as_postgres() { runuser -u "$PG_USER" -- "$@"; }

# psql against one of our servers as the postgres superuser, printing bare values.
psql_at() {
    local port=$1; shift
    "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -tA "$@"
}

# A process counts as alive when it exists and is not a zombie (an exited child not yet reaped).
is_alive() {
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [[ $state != Z* ]]
}
not_alive() { ! is_alive "$1"; }

# The pid in a pidfile when that process is alive, else nothing (and status 1).
live_pid() {
    local file=$1 pid
    [[ -f $file ]] || return 1
    pid="$(head -n 1 "$file" | tr -d '[:space:]')"
    if [[ ! $pid =~ ^[0-9]+$ ]] || ! is_alive "$pid"; then return 1; fi
    echo "$pid"
}

port_listening() { [[ -n "$(ss -Hltn "sport = :$1")" ]]; }

# Refuse to start something on a port another program already holds.
require_free_port() {
    if port_listening "$1"; then
        ss -Hltnp "sport = :$1" >&2
        die "port $1 is already in use by the program above (not one of ours); stop it or pick another port"
    fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND every 0.2 s until it succeeds.
wait_for() {
    local seconds=$1 what=$2 i
    shift 2
    for ((i = 0; i < seconds * 5; i++)); do
        if "$@"; then return 0; fi
        sleep 0.2
    done
    echo "cluster.sh: timed out after ${seconds}s waiting for $what" >&2
    return 1
}

# Send SIGNAL to PID, wait up to SECONDS for it to exit, then SIGKILL it.
stop_pid() {
    local pid=$1 signal=$2 seconds=$3 what=$4
    kill "-$signal" "$pid" 2>/dev/null || return 0
    if ! wait_for "$seconds" "$what (pid $pid) to exit" not_alive "$pid"; then
        echo "   $what did not exit after SIG$signal; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        wait_for 5 "$what to die" not_alive "$pid" || true
    fi
}

pg_running() { as_postgres "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }
pg_pid() { head -n 1 "$1/postmaster.pid" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------------
# up: the parts, in order

install_packages() {
    local missing=() pkg made_policy=0
    for pkg in nginx pgbouncer; do
        # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep 'install ok installed' > /dev/null; then
            missing+=("$pkg")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "packages: nginx and pgbouncer already installed"
        return
    fi
    say "packages: installing ${missing[*]}"
    # Keep the packages' scripts from starting the system nginx (port 80) and pgbouncer (port 6432).
    # An existing policy-rc.d (Docker images ship one) is left as it is.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local status=0
    apt-get update -qq || status=$?
    if [[ $status -eq 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
    fi
    if [[ $made_policy -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
    [[ $status -eq 0 ]] || die "apt-get failed (exit $status)"
    # Belt and braces: if a system service started anyway, stop it; only our own instances should run.
    if ss -Hltnp 'sport = :80' | grep nginx > /dev/null; then
        service nginx stop || true
    fi
    if ss -Hltnp 'sport = :6432' | grep pgbouncer > /dev/null; then
        service pgbouncer stop || true
    fi
}

make_dirs() {
    mkdir -p "$CLUSTER" "$CLUSTER/redis" "$CLUSTER/tls" "$CLUSTER/nginx/temp" "$CLUSTER/pgbouncer"
    # PostgreSQL and PgBouncer run as postgres: they write their sockets, pidfiles and logs here.
    install -d -o "$PG_USER" -g "$PG_USER" -m 755 "$RUN" "$LOG"
    install -d -o "$PG_USER" -g "$PG_USER" -m 700 "$CLUSTER/pg"
}

make_secrets() {
    if [[ ! -s $CLUSTER/secret_key ]]; then
        say "secret key: generating $CLUSTER/secret_key"
        (umask 077 && "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$CLUSTER/secret_key")
    fi
    if [[ ! -s $CLUSTER/tls/cert.pem || ! -s $CLUSTER/tls/key.pem ]]; then
        say "certificate: making a self-signed one for 127.0.0.1 and localhost (365 days)"
        (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
            -keyout "$CLUSTER/tls/key.pem" -out "$CLUSTER/tls/cert.pem" \
            -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null)
    fi
}

# Our settings for one PostgreSQL server, in DATA_DIR/cluster.conf (included from postgresql.conf).
write_pg_conf() {
    local dir=$1 port=$2
    cat > "$dir/cluster.conf" <<EOF
# Written by scripts/cluster/cluster.sh on every 'up'; edits here are overwritten.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN'
wal_level = replica
max_wal_senders = 5
hot_standby = on
# Replica reads are not cancelled by vacuum on the primary (it keeps rows the replica still reads).
hot_standby_feedback = on
timezone = 'UTC'
log_timezone = 'UTC'
jit = off
random_page_cost = 1.1
log_destination = 'stderr'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    chown "$PG_USER:$PG_USER" "$dir/cluster.conf"
    if ! grep -q "^include_if_exists = 'cluster.conf'" "$dir/postgresql.conf"; then
        echo "include_if_exists = 'cluster.conf'" >> "$dir/postgresql.conf"
    fi
}

start_primary() {
    if [[ ! -f $PRIMARY_DIR/PG_VERSION ]]; then
        local locale=C
        if locale -a 2>/dev/null | grep -iE '^c\.utf-?8$' > /dev/null; then locale=C.UTF-8; fi
        say "postgres primary: initdb $PRIMARY_DIR (locale $locale)"
        as_postgres "$PG_BIN/initdb" -D "$PRIMARY_DIR" --auth=trust --username=postgres -E UTF8 \
            --locale="$locale" > "$LOG/initdb.log"
        cat > "$PRIMARY_DIR/pg_hba.conf" <<EOF
# Written by scripts/cluster/cluster.sh: a local test cluster, trusted on loopback only.
local   all          all                 trust
local   replication  all                 trust
host    all          all   127.0.0.1/32  trust
host    replication  all   127.0.0.1/32  trust
EOF
        chown "$PG_USER:$PG_USER" "$PRIMARY_DIR/pg_hba.conf"
    fi
    write_pg_conf "$PRIMARY_DIR" "$PRIMARY_PORT"
    if pg_running "$PRIMARY_DIR"; then
        say "postgres primary: already running on $PRIMARY_PORT (pid $(pg_pid "$PRIMARY_DIR"))"
    else
        require_free_port "$PRIMARY_PORT"
        say "postgres primary: starting on $PRIMARY_PORT"
        as_postgres "$PG_BIN/pg_ctl" -D "$PRIMARY_DIR" -l "$LOG/primary.log" -w start > /dev/null \
            || die "the primary did not start; see $LOG/primary.log"
    fi
    if [[ "$(psql_at "$PRIMARY_PORT" -c "SELECT 1 FROM pg_roles WHERE rolname = '$APP_ROLE'")" != 1 ]]; then
        say "postgres primary: creating role $APP_ROLE"
        psql_at "$PRIMARY_PORT" -c "CREATE ROLE $APP_ROLE LOGIN"
    fi
    if [[ "$(psql_at "$PRIMARY_PORT" -c "SELECT 1 FROM pg_database WHERE datname = '$APP_DB'")" != 1 ]]; then
        say "postgres primary: creating database $APP_DB"
        psql_at "$PRIMARY_PORT" -c "CREATE DATABASE $APP_DB OWNER $APP_ROLE"
    fi
}

start_replica() {
    if [[ ! -f $REPLICA_DIR/PG_VERSION ]]; then
        say "postgres replica: pg_basebackup from the primary (slot $SLOT)"
        # A slot left by an earlier replica that no longer exists would make -C fail.
        psql_at "$PRIMARY_PORT" -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                                    WHERE slot_name = '$SLOT' AND NOT active" > /dev/null
        # Copy into a scratch folder first, so a failed copy never looks like a replica. A fast checkpoint:
        # the default one is spread over minutes (checkpoint_completion_target) and the copy waits for it.
        rm -rf "$REPLICA_DIR.partial"
        as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
            -D "$REPLICA_DIR.partial" -R -X stream -C -S "$SLOT" --checkpoint=fast
        mv "$REPLICA_DIR.partial" "$REPLICA_DIR"
    fi
    write_pg_conf "$REPLICA_DIR" "$REPLICA_PORT"
    if pg_running "$REPLICA_DIR"; then
        say "postgres replica: already running on $REPLICA_PORT (pid $(pg_pid "$REPLICA_DIR"))"
    else
        require_free_port "$REPLICA_PORT"
        say "postgres replica: starting on $REPLICA_PORT"
        as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$LOG/replica.log" -w start > /dev/null \
            || die "the replica did not start; see $LOG/replica.log"
    fi
    [[ "$(psql_at "$REPLICA_PORT" -c 'SELECT pg_is_in_recovery()')" == t ]] \
        || die "the server on $REPLICA_PORT is not in recovery: it is not a replica"
}

stop_pg() {
    local dir=$1 name=$2
    if pg_running "$dir"; then
        say "$name: stopping (pid $(pg_pid "$dir"))"
        as_postgres "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop > /dev/null
    else
        say "$name: not running"
    fi
}

start_redis() {
    local pid
    if pid="$(live_pid "$RUN/redis.pid")"; then
        say "redis: already running on $REDIS_PORT (pid $pid)"
        return
    fi
    require_free_port "$REDIS_PORT"
    say "redis: starting on $REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir "$CLUSTER/redis" --pidfile "$RUN/redis.pid" --logfile "$LOG/redis.log"
    wait_for 10 "redis on $REDIS_PORT" port_listening "$REDIS_PORT"
}

# PgBouncer has two inis, identical but for the pidfile ("slots" a and b), so that a rolling restart
# can start a second process while the first still runs (pgbouncer refuses a pidfile that is in use).
pgbouncer_ini() { echo "$CLUSTER/pgbouncer/pgbouncer-$1.ini"; }
pgbouncer_pidfile() { echo "$RUN/pgbouncer-$1.pid"; }

write_pgbouncer_config() {
    local slot
    printf '"%s" ""\n"postgres" ""\n' "$APP_ROLE" > "$CLUSTER/pgbouncer/userlist.txt"
    for slot in "${PGBOUNCER_SLOTS[@]}"; do
        cat > "$(pgbouncer_ini "$slot")" <<EOF
; Written by scripts/cluster/cluster.sh; pgbouncer-a.ini and pgbouncer-b.ini differ only in pidfile.
[databases]
$APP_DB = host=127.0.0.1 port=$PRIMARY_PORT dbname=$APP_DB

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
; No unix socket: two processes could not share one, and a rolling restart runs two.
unix_socket_dir =
so_reuseport = 1
auth_type = trust
auth_file = $CLUSTER/pgbouncer/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
; While the primary is down a query waits for it at most 10 s (a quick restart is waited out; after that
; the app answers 503, nothing saved) instead of the default 120 s, which outlasts gunicorn's timeout.
; Once the primary is back, the next login is tried within a second.
query_wait_timeout = 10
server_connect_timeout = 5
server_login_retry = 1
ignore_startup_parameters = extra_float_digits,options
pidfile = $(pgbouncer_pidfile "$slot")
logfile = $LOG/pgbouncer.log
EOF
    done
}

# The slot whose process is alive (the first one, if both are), else nothing.
pgbouncer_live_slot() {
    local slot
    for slot in "${PGBOUNCER_SLOTS[@]}"; do
        if live_pid "$(pgbouncer_pidfile "$slot")" > /dev/null; then
            echo "$slot"
            return 0
        fi
    done
    return 1
}

pgbouncer_pid_listening() { ss -Hltnp "sport = :$PGBOUNCER_PORT" | grep "pid=$1," > /dev/null; }

start_pgbouncer_slot() {
    local slot=$1 pid
    rm -f "$(pgbouncer_pidfile "$slot")"   # a stale one; live ones were checked by the caller
    # (Called inside $(...), where set -e does not apply: hence the explicit returns.)
    as_postgres pgbouncer -q -d "$(pgbouncer_ini "$slot")" || return 1
    wait_for 10 "pgbouncer to write its pidfile" live_pid "$(pgbouncer_pidfile "$slot")" > /dev/null || return 1
    pid="$(live_pid "$(pgbouncer_pidfile "$slot")")" || return 1
    wait_for 10 "pgbouncer (pid $pid) to listen on $PGBOUNCER_PORT" pgbouncer_pid_listening "$pid" || return 1
    echo "$pid"
}

start_pgbouncer() {
    local slot pid
    write_pgbouncer_config
    if slot="$(pgbouncer_live_slot)"; then
        say "pgbouncer: already running on $PGBOUNCER_PORT (pid $(live_pid "$(pgbouncer_pidfile "$slot")"))"
        return
    fi
    require_free_port "$PGBOUNCER_PORT"
    pid="$(start_pgbouncer_slot a)"
    say "pgbouncer: started on $PGBOUNCER_PORT (pid $pid), transaction pooling"
}

restart_pgbouncer() {
    local old_slot new_slot old_pid new_pid
    old_slot="$(pgbouncer_live_slot)" || die "pgbouncer is not running; run 'up'"
    old_pid="$(live_pid "$(pgbouncer_pidfile "$old_slot")")"
    if [[ $old_slot == a ]]; then new_slot=b; else new_slot=a; fi
    if live_pid "$(pgbouncer_pidfile "$new_slot")" > /dev/null; then
        die "two pgbouncer processes are already running (slots a and b); stop one first"
    fi
    write_pgbouncer_config
    new_pid="$(start_pgbouncer_slot "$new_slot")"
    say "pgbouncer: new process pid $new_pid listens on $PGBOUNCER_PORT next to the old pid $old_pid"
    say "pgbouncer: SIGINT to old pid $old_pid (safe shutdown: finishes running transactions first)"
    stop_pid "$old_pid" INT 60 "old pgbouncer"
    say "pgbouncer: old pid $old_pid exited; live process pid $new_pid ($(pgbouncer_pidfile "$new_slot"))"
}

stop_pgbouncer() {
    local slot pid stopped=0
    for slot in "${PGBOUNCER_SLOTS[@]}"; do
        if pid="$(live_pid "$(pgbouncer_pidfile "$slot")")"; then
            say "pgbouncer: stopping (pid $pid)"
            stop_pid "$pid" INT 30 pgbouncer
            stopped=1
        fi
    done
    if [[ $stopped -eq 0 ]]; then say "pgbouncer: not running"; fi
}

write_app_env() {
    say "app environment: $ENV_FILE"
    (umask 077 && cat > "$ENV_FILE" <<EOF
# Written by scripts/cluster/cluster.sh on every 'up'. KEY=value lines; a value with spaces is double-quoted.
DEBUG=0
SECRET_KEY=$(cat "$CLUSTER/secret_key")
ALLOWED_HOSTS=127.0.0.1,localhost
DATABASE_URL=postgres://$APP_ROLE@127.0.0.1:$PGBOUNCER_PORT/$APP_DB
DATABASE_POOLER=transaction
DATABASE_REPLICA_URL=postgres://$APP_ROLE@127.0.0.1:$REPLICA_PORT/$APP_DB
PRIMARY_DATABASE_URL=postgres://$APP_ROLE@127.0.0.1:$PRIMARY_PORT/$APP_DB
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
TRUSTED_PROXY_COUNT=1
SITE_URL=https://127.0.0.1:$HTTPS_PORT
EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
LOG_LEVEL=WARNING
CLUSTER_DIR=$CLUSTER
CLUSTER_HTTPS_PORT=$HTTPS_PORT
CLUSTER_HTTP_PORT=$HTTP_PORT
CLUSTER_APP_PORTS="${APP_PORTS[*]}"
CLUSTER_PGBOUNCER_PORT=$PGBOUNCER_PORT
CLUSTER_PG_PRIMARY_PORT=$PRIMARY_PORT
CLUSTER_PG_REPLICA_PORT=$REPLICA_PORT
CLUSTER_REDIS_PORT=$REDIS_PORT
EOF
    )
}

# Run a command from the repository root with app.env's variables exported.
with_app_env() {
    (
        cd "$ROOT" || exit 1
        set -a
        # shellcheck source=/dev/null
        . "$ENV_FILE"
        set +a
        "$@"
    )
}

# manage.py straight on the primary: migrations need a session, not a transaction pooler.
manage() {
    with_app_env env -u DATABASE_POOLER DATABASE_URL="postgres://$APP_ROLE@127.0.0.1:$PRIMARY_PORT/$APP_DB" \
        "$VENV/bin/python" manage.py "$@"
}

prepare_app() {
    say "django: migrate, collectstatic, load_education (directly on the primary)"
    manage migrate --noinput > "$LOG/migrate.log" || { tail -n 30 "$LOG/migrate.log" >&2; die "migrate failed"; }
    manage collectstatic --noinput -v 0
    manage load_education
}

app_pidfile() { echo "$RUN/app-$1.pid"; }

app_healthy() {
    curl -fsS -o /dev/null --max-time 2 -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$1/healthz" 2>/dev/null
}

check_app_port() {
    local port
    for port in "${APP_PORTS[@]}"; do [[ $port == "$1" ]] && return 0; done
    die "app port must be one of: ${APP_PORTS[*]} (got '$1')"
}

start_app() {
    local port=$1 pid
    check_app_port "$port"
    [[ -f $ENV_FILE ]] || die "$ENV_FILE is missing; run 'up' first"
    if pid="$(live_pid "$(app_pidfile "$port")")"; then
        say "app $port: already running (pid $pid)"
        undrain_app "$port"
        return
    fi
    require_free_port "$port"
    # Each server gets its own control socket (gunicorn's default, ~/.gunicorn/gunicorn.ctl, would be shared).
    with_app_env "$VENV/bin/gunicorn" crampapp.wsgi --bind "127.0.0.1:$port" --workers 2 --timeout 120 \
        --forwarded-allow-ips 127.0.0.1 --daemon --pid "$(app_pidfile "$port")" \
        --control-socket "$RUN/app-$port.ctl" \
        --access-logfile "$LOG/app-$port.access.log" --error-logfile "$LOG/app-$port.log"
    if ! wait_for 60 "app $port to answer /healthz" app_healthy "$port"; then
        tail -n 30 "$LOG/app-$port.log" >&2
        die "app server on $port did not come up (log above: $LOG/app-$port.log)"
    fi
    say "app $port: started (pid $(live_pid "$(app_pidfile "$port")"))"
    undrain_app "$port"
}

stop_app() {
    local port=$1 pid
    check_app_port "$port"
    if pid="$(live_pid "$(app_pidfile "$port")")"; then
        drain_app "$port"
        say "app $port: stopping (pid $pid)"
        # SIGTERM: gunicorn lets requests in progress finish (up to its 30 s graceful timeout).
        stop_pid "$pid" TERM 40 "app $port"
    else
        say "app $port: not running"
    fi
}

# A crash: the server and its workers die at once, in nginx's rotation (it routes around the dead server;
# requests that server was answering at that moment are lost, and were never acknowledged).
kill_app() {
    local port=$1 pid
    check_app_port "$port"
    if pid="$(live_pid "$(app_pidfile "$port")")"; then
        say "app $port: killing (pid $pid and its workers)"
        pkill -KILL -P "$pid" || true
        kill -KILL "$pid" 2>/dev/null || true
        wait_for 10 "app $port to die" not_alive "$pid" || true
        wait_for 10 "port $port to close" bash -c "! ss -Hltn 'sport = :$port' | grep -q ." || true
        rm -f "$(app_pidfile "$port")"
    else
        say "app $port: not running"
    fi
}

# Take an app server out of nginx's rotation before it stops, as a deploy would: requests already on their
# way finish, none new arrive (a POST that reached a server as it stopped could not be sent elsewhere).
drain_app() {
    local port=$1
    touch "$RUN/app-$port.drained"
    if live_pid "$RUN/nginx.pid" > /dev/null; then
        write_nginx_conf
        nginx_cmd -s reload
        say "app $port: taken out of nginx's rotation"
        sleep 2
    fi
}

# Put it back once it answers.
undrain_app() {
    local port=$1
    [[ -f "$RUN/app-$port.drained" ]] || return 0
    rm -f "$RUN/app-$port.drained"
    if live_pid "$RUN/nginx.pid" > /dev/null; then
        write_nginx_conf
        nginx_cmd -s reload
        sleep 2   # nginx's old workers, which still had it out, finish their requests
        say "app $port: back in nginx's rotation"
    fi
}

write_nginx_conf() {
    local port upstreams=""
    for port in "${APP_PORTS[@]}"; do
        if [[ -f "$RUN/app-$port.drained" ]]; then
            upstreams+="        server 127.0.0.1:$port down;"$'\n'
        else
            upstreams+="        server 127.0.0.1:$port max_fails=3 fail_timeout=5s;"$'\n'
        fi
    done
    cat > "$CLUSTER/nginx/nginx.conf" <<EOF
# Written by scripts/cluster/cluster.sh on every 'up'; edits here are overwritten.
user www-data;
worker_processes 2;
pid $RUN/nginx.pid;
error_log $LOG/nginx-error.log warn;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $LOG/nginx-access.log;
    sendfile on;
    server_tokens off;

    client_body_temp_path $CLUSTER/nginx/temp/body;
    proxy_temp_path $CLUSTER/nginx/temp/proxy;
    fastcgi_temp_path $CLUSTER/nginx/temp/fastcgi;
    uwsgi_temp_path $CLUSTER/nginx/temp/uwsgi;
    scgi_temp_path $CLUSTER/nginx/temp/scgi;

    upstream app {
$upstreams        keepalive 32;
    }

    # Plain HTTP only redirects.
    server {
        listen 127.0.0.1:$HTTP_PORT;
        server_name _;
        return 301 https://\$host:$HTTPS_PORT\$request_uri;
    }

    server {
        listen 127.0.0.1:$HTTPS_PORT ssl http2;
        server_name _;
        ssl_certificate $CLUSTER/tls/cert.pem;
        ssl_certificate_key $CLUSTER/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:1m;

        # The largest upload the app accepts is a 64 MB JSON record (tracker/portability/record_read.py,
        # MAX_RECORD_BYTES); Django itself sets no limit on file uploads. 70m leaves room for the form around it.
        client_max_body_size 70m;

        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host:\$server_port;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_read_timeout 130s;
            # Another app server gets the request when one is down (refused, reset or silent); POSTs are never
            # sent twice (nginx retries a non-idempotent request only when it never reached the first server).
            # The app's own 503 (the database is out of reach, nothing was saved) is passed on with its
            # Retry-After: every app server shares the database, and counting it as the server's failure
            # would take healthy servers out of rotation.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
        }
    }
}
EOF
}

nginx_cmd() { nginx -p "$CLUSTER/nginx" -c nginx.conf -e "$LOG/nginx-error.log" "$@"; }

start_nginx() {
    local pid
    write_nginx_conf
    nginx_cmd -t -q || die "nginx -t rejected $CLUSTER/nginx/nginx.conf"
    if pid="$(live_pid "$RUN/nginx.pid")"; then
        nginx_cmd -s reload
        say "nginx: already running (pid $pid); configuration reloaded"
        return
    fi
    require_free_port "$HTTP_PORT"
    require_free_port "$HTTPS_PORT"
    nginx_cmd
    wait_for 10 "nginx on $HTTPS_PORT" port_listening "$HTTPS_PORT"
    say "nginx: started (pid $(live_pid "$RUN/nginx.pid"))"
}

stop_nginx() {
    local pid
    if pid="$(live_pid "$RUN/nginx.pid")"; then
        say "nginx: stopping (pid $pid)"
        stop_pid "$pid" QUIT 30 nginx   # QUIT: graceful, like 'nginx -s quit'
    else
        say "nginx: not running"
    fi
}

# ---------------------------------------------------------------------------------------------------
# Subcommands

row() { printf '%-20s %-7s %-8s %s\n' "$1" "$2" "${3:--}" "$4"; }

print_status_table() {
    local port pid slot receiver
    echo
    row COMPONENT PORT PID STATE
    if pid="$(live_pid "$RUN/nginx.pid")"; then
        row "nginx (https)" "$HTTPS_PORT" "$pid" "running  https://127.0.0.1:$HTTPS_PORT/"
        row "nginx (http)" "$HTTP_PORT" "$pid" "running  redirects to https"
    else
        row nginx "$HTTPS_PORT" "" stopped
    fi
    for port in "${APP_PORTS[@]}"; do
        if pid="$(live_pid "$(app_pidfile "$port")")"; then
            if app_healthy "$port"; then
                row "app (gunicorn)" "$port" "$pid" "running  /healthz answers"
            else
                row "app (gunicorn)" "$port" "$pid" "running  /healthz does NOT answer 200"
            fi
        else
            row "app (gunicorn)" "$port" "" stopped
        fi
    done
    if slot="$(pgbouncer_live_slot)"; then
        row pgbouncer "$PGBOUNCER_PORT" "$(live_pid "$(pgbouncer_pidfile "$slot")")" "running  transaction pooling"
    else
        row pgbouncer "$PGBOUNCER_PORT" "" stopped
    fi
    if pg_running "$PRIMARY_DIR"; then
        row "postgres primary" "$PRIMARY_PORT" "$(pg_pid "$PRIMARY_DIR")" running
    else
        row "postgres primary" "$PRIMARY_PORT" "" stopped
    fi
    if pg_running "$REPLICA_DIR"; then
        receiver="$(psql_at "$REPLICA_PORT" -c 'SELECT status FROM pg_stat_wal_receiver' 2>/dev/null || true)"
        row "postgres replica" "$REPLICA_PORT" "$(pg_pid "$REPLICA_DIR")" "running  WAL receiver: ${receiver:-none}"
    else
        row "postgres replica" "$REPLICA_PORT" "" stopped
    fi
    if pid="$(live_pid "$RUN/redis.pid")"; then
        row redis "$REDIS_PORT" "$pid" running
    else
        row redis "$REDIS_PORT" "" stopped
    fi
    echo
}

cmd_up() {
    local port
    [[ -x $VENV/bin/gunicorn ]] || die "$VENV is not installed; run 'make .venv/.installed'"
    install_packages
    make_dirs
    make_secrets
    start_primary
    start_replica
    start_redis
    start_pgbouncer
    write_app_env
    prepare_app
    for port in "${APP_PORTS[@]}"; do start_app "$port"; done
    start_nginx
    print_status_table
    echo "Open:        https://127.0.0.1:$HTTPS_PORT/   (self-signed certificate: $CLUSTER/tls/cert.pem)"
    echo "Logs:        $LOG/"
    echo "Environment: $ENV_FILE"
    echo "Stop with:   make cluster-stop"
}

cmd_stop() {
    local port pid leftover=0
    stop_nginx
    for port in "${APP_PORTS[@]}"; do stop_app "$port"; done
    stop_pgbouncer
    if pid="$(live_pid "$RUN/redis.pid")"; then
        say "redis: stopping (pid $pid)"
        stop_pid "$pid" TERM 15 redis
    else
        say "redis: not running"
    fi
    if [[ -d $REPLICA_DIR ]]; then stop_pg "$REPLICA_DIR" "postgres replica"; fi
    if [[ -d $PRIMARY_DIR ]]; then stop_pg "$PRIMARY_DIR" "postgres primary"; fi
    for port in "$HTTPS_PORT" "$HTTP_PORT" "${APP_PORTS[@]}" "$PGBOUNCER_PORT" "$PRIMARY_PORT" "$REPLICA_PORT" "$REDIS_PORT"; do
        if port_listening "$port"; then
            echo "still listening on $port:" >&2
            ss -Hltnp "sport = :$port" >&2
            leftover=1
        fi
    done
    if [[ $leftover -eq 1 ]]; then die "some ports are still in use (see above)"; fi
    say "stopped; none of our ports is listening"
}

cmd_wipe() {
    # Guard against ever deleting anything but the cluster folder.
    [[ $CLUSTER == "$ROOT/.cluster" && -n $ROOT && $ROOT != / ]] || die "refusing to delete '$CLUSTER'"
    say "wiping $CLUSTER"
    rm -rf "$CLUSTER"
}

usage() {
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

main() {
    local command="${1:-}"
    shift || true
    if [[ $command != help && $command != -h && $command != --help && $EUID -ne 0 ]]; then
        die "run as root (PostgreSQL and PgBouncer are run as the postgres user, nginx workers as www-data)"
    fi
    case "$command" in
        up) cmd_up ;;
        stop)
            case "${1:-}" in
                "") cmd_stop && say "data kept in $CLUSTER ('stop --wipe' deletes it)" ;;
                --wipe) cmd_stop && cmd_wipe ;;
                *) usage 2 ;;
            esac
            ;;
        status) print_status_table ;;
        start-app) [[ $# -eq 1 ]] || usage 2; start_app "$1" ;;
        stop-app) [[ $# -eq 1 ]] || usage 2; stop_app "$1" ;;
        kill-app) [[ $# -eq 1 ]] || usage 2; kill_app "$1" ;;
        start-replica)
            [[ -f $REPLICA_DIR/PG_VERSION ]] || die "no replica yet; run 'up'"
            start_replica
            ;;
        stop-replica) stop_pg "$REPLICA_DIR" "postgres replica" ;;
        restart-pgbouncer) restart_pgbouncer ;;
        -h | --help | help) usage 0 ;;
        *) usage 2 ;;
    esac
}

main "$@"
