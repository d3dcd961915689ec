#!/usr/bin/env bash
# A local Tryton 8.0 server ledgerbridge can sync into: installs pinned trytond
# modules in a virtualenv, creates and configures a database over JSON-RPC
# (company, chart of accounts, fiscal years, taxes, payment method, an
# integration user), starts trytond on 127.0.0.1 and prints the connection
# settings as KEY=value lines.
#
# Usage: scripts/tryton.sh [command]
#   up       (default) install, create the database if there is none, start
#            the server if it is not running, print the settings
#   fresh    like up, but on a fresh copy of the configured database (what CI
#            runs: tests never see an earlier run's invoices)
#   install  the virtualenv only (skipped when the pins have not changed)
#   start    start the server on the existing database
#   stop     stop the server this script started
#   status   exit 0 when the server answers, 1 otherwise
#   env      print the settings, the password included (for `eval` or an env file)
#   reset    stop and delete the database and its pristine copy (the next
#            `up` configures a new one); the virtualenv stays
#
# Settings (environment):
#   TRYTON_HOME      where everything lives (default ~/.cache/ledgerbridge/tryton)
#   TRYTON_PORT      port on 127.0.0.1 (default 18000, away from Tryton's usual 8000)
#   TRYTON_DB        database name (default ledger)
#   TRYTON_BACKEND   sqlite (default) or postgresql
#   TRYTON_PG_URI    PostgreSQL server for the postgresql backend
#                    (default postgresql://postgres@127.0.0.1:5432/)
#   TRYTON_CURRENCY  the company's currency (default USD; EUR GBP JPY BHD also exist)
#   TRYTON_BUDGET    0 to leave out account_budget (budgets per account and period; default 1)
#   PYTHON           the Python 3 to build the virtualenv with (default python3)
#
# Idempotent: `up` reuses the virtualenv, the database and a running server.
# The first configuration also saves a pristine copy of the database (for the
# current year: fiscal years are last, this and next year), which `fresh`
# restores in a second instead of configuring again. A database whose
# configuration did not finish is deleted and made again.
#
# The printed settings are the connection keys of a Tryton connection:
#   LEDGERBRIDGE_TRYTON_BASE_URL, _DATABASE, _LOGIN, _PASSWORD, _COMPANY
# `up` and `fresh` print them without the password and give the path of
# $TRYTON_HOME/tryton.env (mode 600), which holds all five; tests read that
# file through LEDGERBRIDGE_TRYTON_ENV_FILE or the variables themselves.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRYTON_HOME=${TRYTON_HOME:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ledgerbridge/tryton}
TRYTON_PORT=${TRYTON_PORT:-18000}
TRYTON_DB=${TRYTON_DB:-ledger}
TRYTON_BACKEND=${TRYTON_BACKEND:-sqlite}
TRYTON_PG_URI=${TRYTON_PG_URI:-postgresql://postgres@127.0.0.1:5432/}
TRYTON_CURRENCY=${TRYTON_CURRENCY:-USD}
TRYTON_BUDGET=${TRYTON_BUDGET:-1}
PYTHON=${PYTHON:-python3}
USER_LOGIN=ledgerbridge
YEAR=$(date -u +%Y)

VENV=$TRYTON_HOME/venv
CONF=$TRYTON_HOME/trytond.conf
PIDFILE=$TRYTON_HOME/trytond.pid
LOGS=$TRYTON_HOME/logs
DBDIR=$TRYTON_HOME/db
SETTINGS=$TRYTON_HOME/settings.json
ENVFILE=$TRYTON_HOME/tryton.env
# the pristine copy is only valid for the same configuration and year
STAMP=$(cat "$SCRIPT_DIR/tryton/requirements.txt" "$SCRIPT_DIR/tryton/configure.py" \
    | sha256sum | cut -c1-12)-$TRYTON_BACKEND-$TRYTON_CURRENCY-budget$TRYTON_BUDGET-$YEAR
PRISTINE=$TRYTON_HOME/pristine-$STAMP

say() { echo "[tryton] $*" >&2; }
die() { echo "[tryton] error: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

need_python() {
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found: Tryton needs Python 3.9 or newer (set PYTHON)"
    "$PYTHON" -c 'import sys, venv; sys.exit(sys.version_info < (3, 9))' 2>/dev/null \
        || die "$PYTHON is older than 3.9 or lacks the venv module (Debian: apt-get install python3-venv)"
}

cmd_install() {
    local t0 pins
    t0=$(now)
    pins=$(sha256sum < "$SCRIPT_DIR/tryton/requirements.txt" | cut -c1-16)
    if [ -x "$VENV/bin/trytond" ] && [ "$(cat "$VENV/.pins" 2>/dev/null)" = "$pins" ]; then
        return 0
    fi
    need_python
    say "installing trytond into $VENV (pinned, from PyPI)"
    rm -rf "$VENV"
    mkdir -p "$TRYTON_HOME"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$SCRIPT_DIR/tryton/requirements.txt" \
        || die "pip install failed (is PyPI reachable?)"
    if [ "$TRYTON_BACKEND" = postgresql ]; then
        # trytond 8 speaks psycopg 3, not psycopg2
        "$VENV/bin/pip" install -q --disable-pip-version-check "psycopg[binary,pool]>=3.2,<4" \
            || die "pip install of psycopg failed"
    fi
    echo "$pins" > "$VENV/.pins"
    say "installed $("$VENV/bin/trytond" --version 2>&1) ($(since "$t0") s)"
}

write_config() {
    mkdir -p "$LOGS" "$DBDIR"
    local uri=sqlite:// path="path = $DBDIR"
    if [ "$TRYTON_BACKEND" = postgresql ]; then
        uri=$TRYTON_PG_URI path=
    elif [ "$TRYTON_BACKEND" != sqlite ]; then
        die "TRYTON_BACKEND must be sqlite or postgresql, not '$TRYTON_BACKEND'"
    fi
    cat > "$CONF" <<EOF
[database]
uri = $uri
$path

[web]
listen = 127.0.0.1:$TRYTON_PORT

[session]
# Tryton's default: posting and the pay wizard need a session used within the
# last 300 s; the connector logs in again when the server answers 401.
timeout = 300
EOF
    for f in adminpass userpass; do
        [ -s "$TRYTON_HOME/$f" ] || ( umask 077; "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))' > "$TRYTON_HOME/$f" )
    done
}

# --- the database: create, copy, drop, per backend ---------------------------
pg_psql() { psql "${TRYTON_PG_URI%/}/postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }
db_exists() {
    if [ "$TRYTON_BACKEND" = sqlite ]; then [ -f "$DBDIR/$TRYTON_DB.sqlite" ]
    else [ "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = '$TRYTON_DB'")" = 1 ]; fi
}
db_drop() {
    if [ "$TRYTON_BACKEND" = sqlite ]; then
        # the WAL files belong to the database: a stale one would replay over a copy
        rm -f "$DBDIR/$TRYTON_DB.sqlite" "$DBDIR/$TRYTON_DB.sqlite-wal" "$DBDIR/$TRYTON_DB.sqlite-shm"
    else
        pg_psql -c "DROP DATABASE IF EXISTS \"$TRYTON_DB\" WITH (FORCE)"
    fi
}
db_create_empty() {
    if [ "$TRYTON_BACKEND" = sqlite ]; then : > "$DBDIR/$TRYTON_DB.sqlite"   # trytond wants the file to exist
    else pg_psql -c "CREATE DATABASE \"$TRYTON_DB\""; fi
}
# PostgreSQL names stop at 63 bytes: the stamp goes in as a short digest
pristine_db() { echo "${TRYTON_DB}_pristine_$(echo "$STAMP" | sha256sum | cut -c1-12)"; }
# called with the server stopped, so the copy is consistent
db_save_pristine() {
    rm -rf "$TRYTON_HOME"/pristine-*
    mkdir -p "$PRISTINE"
    if [ "$TRYTON_BACKEND" = sqlite ]; then
        "$PYTHON" - "$DBDIR/$TRYTON_DB.sqlite" "$PRISTINE/db.sqlite" <<'EOF'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close(); src.close()
EOF
    else
        pg_psql -c "DROP DATABASE IF EXISTS \"$(pristine_db)\"" -c "CREATE DATABASE \"$(pristine_db)\" TEMPLATE \"$TRYTON_DB\""
    fi
    cp "$SETTINGS" "$PRISTINE/settings.json"
}
db_restore_pristine() {
    db_drop
    if [ "$TRYTON_BACKEND" = sqlite ]; then cp "$PRISTINE/db.sqlite" "$DBDIR/$TRYTON_DB.sqlite"
    else pg_psql -c "CREATE DATABASE \"$TRYTON_DB\" TEMPLATE \"$(pristine_db)\""; fi
    cp "$PRISTINE/settings.json" "$SETTINGS"
}

# --- the server -----------------------------------------------------------
rpc_url() { echo "http://127.0.0.1:$TRYTON_PORT/$TRYTON_DB/rpc/"; }
server_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}
port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$TRYTON_PORT") 2>/dev/null; }
# waits until the database answers a login attempt (an answer, even a refusal,
# means the pool is loaded); fails when the process dies or 120 s pass
wait_ready() {
    "$PYTHON" - "$(rpc_url)" "$1" <<'EOF'
import json, os, sys, time, urllib.error, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
body = json.dumps({"id": 0, "method": "common.server.version", "params": []}).encode()
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}), timeout=5)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
EOF
}
cmd_start() {
    local pid t0
    if pid=$(server_pid); then say "trytond already running (pid $pid)"; return 0; fi
    db_exists || die "no database '$TRYTON_DB' yet: run scripts/tryton.sh up"
    port_answers && die "port $TRYTON_PORT on 127.0.0.1 is taken by another process (set TRYTON_PORT)"
    t0=$(now)
    # -d preloads the database: trytond 8.0.12 fails the first login on a
    # lazily loaded one (KeyError 'res.user')
    nohup "$VENV/bin/trytond" -c "$CONF" -d "$TRYTON_DB" --pidfile "$PIDFILE" \
        >> "$LOGS/trytond.log" 2>&1 < /dev/null &
    pid=$!
    if ! wait_ready "$pid"; then
        tail -n 20 "$LOGS/trytond.log" >&2
        die "trytond did not come up on port $TRYTON_PORT (log: $LOGS/trytond.log)"
    fi
    echo "$pid" > "$PIDFILE"
    say "trytond up on 127.0.0.1:$TRYTON_PORT, pid $pid ($(since "$t0") s)"
}
cmd_stop() {
    local pid
    pid=$(server_pid) || { rm -f "$PIDFILE"; return 0; }
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$PIDFILE"
    say "trytond stopped"
}

# --- create and configure -------------------------------------------------
create_database() {
    local t0 modules=account_invoice
    [ "$TRYTON_BUDGET" = 1 ] && modules="$modules account_budget"
    t0=$(now)
    rm -f "$SETTINGS"
    db_exists && db_drop
    db_create_empty
    TRYTONPASSFILE=$TRYTON_HOME/adminpass "$VENV/bin/trytond-admin" -c "$CONF" -d "$TRYTON_DB" \
        -u $modules --activate-dependencies --email admin@example.invalid \
        > "$LOGS/admin.log" 2>&1 || { tail -n 30 "$LOGS/admin.log" >&2; die "trytond-admin failed (log: $LOGS/admin.log)"; }
    say "database '$TRYTON_DB' ($TRYTON_BACKEND) created with $modules ($(since "$t0") s)"
    cmd_start
    t0=$(now)
    TRYTON_RPC_URL=$(rpc_url) TRYTON_ADMIN_PASSFILE=$TRYTON_HOME/adminpass \
        TRYTON_USER_LOGIN=$USER_LOGIN TRYTON_USER_PASSFILE=$TRYTON_HOME/userpass \
        TRYTON_CURRENCY=$TRYTON_CURRENCY TRYTON_BUDGET=$TRYTON_BUDGET \
        "$VENV/bin/python" "$SCRIPT_DIR/tryton/configure.py" > "$SETTINGS.part" \
        || { rm -f "$SETTINGS.part"; die "configuration over JSON-RPC failed (server log: $LOGS/trytond.log)"; }
    mv "$SETTINGS.part" "$SETTINGS"
    say "configured over JSON-RPC ($(since "$t0") s)"
    cmd_stop
    db_save_pristine
}

write_env() {
    local company
    company=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["company"])' "$SETTINGS")
    ( umask 077; cat > "$ENVFILE" <<EOF
LEDGERBRIDGE_TRYTON_BASE_URL=http://127.0.0.1:$TRYTON_PORT
LEDGERBRIDGE_TRYTON_DATABASE=$TRYTON_DB
LEDGERBRIDGE_TRYTON_LOGIN=$USER_LOGIN
LEDGERBRIDGE_TRYTON_PASSWORD=$(cat "$TRYTON_HOME/userpass")
LEDGERBRIDGE_TRYTON_COMPANY=$company
LEDGERBRIDGE_TRYTON_SETTINGS=$SETTINGS
EOF
    )
}
print_settings() {
    grep -v '^LEDGERBRIDGE_TRYTON_PASSWORD=' "$ENVFILE"
    echo "LEDGERBRIDGE_TRYTON_ENV_FILE=$ENVFILE"
}

cmd_up() {
    local fresh=${1:-0} t0
    t0=$(now)
    cmd_install
    write_config
    if [ "$fresh" = 1 ] || ! db_exists || [ ! -s "$SETTINGS" ]; then
        cmd_stop
        if [ -d "$PRISTINE" ]; then
            db_restore_pristine
            say "database '$TRYTON_DB' restored from its pristine copy"
        else
            create_database
        fi
    fi
    cmd_start
    write_env
    say "ready ($(since "$t0") s); the password is in $ENVFILE"
    print_settings
}

cmd_reset() {
    cmd_stop
    write_config
    db_exists && db_drop
    if [ "$TRYTON_BACKEND" = postgresql ]; then
        pg_psql -c "DROP DATABASE IF EXISTS \"$(pristine_db)\""
    fi
    rm -rf "$TRYTON_HOME"/pristine-* "$SETTINGS" "$ENVFILE"
    say "database '$TRYTON_DB' deleted"
}

case "${1:-up}" in
    up) cmd_up 0 ;;
    fresh) cmd_up 1 ;;
    install) cmd_install ;;
    start) write_config; cmd_start ;;
    stop) cmd_stop ;;
    status) pid=$(server_pid) && port_answers && { say "running (pid $pid) on 127.0.0.1:$TRYTON_PORT"; exit 0; }
            say "not running"; exit 1 ;;
    env) [ -s "$ENVFILE" ] || die "no settings yet: run scripts/tryton.sh up"; cat "$ENVFILE" ;;
    reset) cmd_reset ;;
    -h|--help|help) sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$1' (try: up fresh install start stop status env reset help)" ;;
esac
