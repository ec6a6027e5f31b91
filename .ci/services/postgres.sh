#!/usr/bin/env bash
# Starts PostgreSQL 15 (Debian's package) on 127.0.0.1:$LLMOPS_CI_PG_PORT (default 55432) with
# trust auth, data under $LLMOPS_CI_WORK/pg. Idempotent: a running server is reused.
# Prints: export LLMOPS_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:55432/postgres
SERVICE_NAME=postgres
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${LLMOPS_CI_PG_PORT:-55432}
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

ensure_packages postgresql postgresql-client
if [ -x /usr/lib/postgresql/15/bin/postgres ]; then
  BIN=/usr/lib/postgresql/15/bin
else
  BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$BIN" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
fi

if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  log "already running on 127.0.0.1:$PORT"
  echo "export LLMOPS_TEST_POSTGRES_URL=$URL"
  exit 0
fi

DIR=$WORK/pg
DATA=$DIR/data
mkdir -p "$DIR"
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.
if is_root; then
  chown -R postgres:postgres "$DIR"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initdb $DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 ||
    die "initdb failed; see $DIR/initdb.log"
  # A throw-away test server: loopback only, no Unix socket (paths under deep work dirs can
  # exceed the 107-byte limit), and durability off because speed matters more than crashes here.
  cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
fi

start=$(now_ms)
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -o "-p $PORT" -w -t 60 start >/dev/null ||
  die "PostgreSQL did not start; see $DIR/postgres.log"
wait_until 30 pg_isready -q -h 127.0.0.1 -p "$PORT" || die "PostgreSQL is not accepting connections; see $DIR/postgres.log"
log "ready on 127.0.0.1:$PORT in $(($(now_ms) - start)) ms (log: $DIR/postgres.log)"
echo "export LLMOPS_TEST_POSTGRES_URL=$URL"
