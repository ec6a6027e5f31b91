#!/usr/bin/env bash
# Starts redis-server on 127.0.0.1:$LLMOPS_CI_REDIS_PORT (default 56379), no persistence, pid and
# log under $LLMOPS_CI_WORK/redis. Idempotent. Prints: export LLMOPS_TEST_REDIS_URL=redis://127.0.0.1:56379
SERVICE_NAME=redis
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${LLMOPS_CI_REDIS_PORT:-56379}
URL="redis://127.0.0.1:$PORT"

ensure_packages redis-server redis-tools
ping() { [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]; }

if ping; then
  log "already running on 127.0.0.1:$PORT"
  echo "export LLMOPS_TEST_REDIS_URL=$URL"
  exit 0
fi

DIR=$WORK/redis
mkdir -p "$DIR"
start=$(now_ms)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" \
  --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" ||
  die "redis-server did not start; see $DIR/redis.log"
wait_until 15 ping || die "redis is not answering PING; see $DIR/redis.log"
log "ready on 127.0.0.1:$PORT in $(($(now_ms) - start)) ms"
echo "export LLMOPS_TEST_REDIS_URL=$URL"
