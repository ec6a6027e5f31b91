#!/usr/bin/env bash
# Stops the servers that the scripts in this folder started (found by their pid files under
# $LLMOPS_CI_WORK); leaves data in place so the next start is quick. Safe to run twice.
SERVICE_NAME=stop
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_pidfile() {
  local file=$1 name=$2 pid i
  pid_alive "$file" || return 0
  pid=$(head -1 "$file")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  log "stopped $name"
}

# PostgreSQL: pg_ctl reads postmaster.pid itself (the pid of `runuser` is not the server's).
DATA=$WORK/pg/data
if [ -f "$DATA/postmaster.pid" ]; then
  BIN=/usr/lib/postgresql/15/bin
  [ -x "$BIN/pg_ctl" ] || BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if is_root; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  else
    "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  log "stopped postgres"
fi

stop_pidfile "$WORK/redis/redis.pid" redis
for n in proxy object container account memcached; do
  stop_pidfile "$WORK/swift/run/$n.pid" "swift-$n"
done
