#!/usr/bin/env bash
# Starts a single-node OpenStack Swift (Debian's packages) with the s3api middleware and a
# memcached for it, all on loopback, data under $LLMOPS_CI_WORK/swift. Idempotent.
# S3 endpoint http://127.0.0.1:58333, access key test:tester, secret testing (tempauth).
# Prints the LLMOPS_TEST_S3_* exports.
SERVICE_NAME=swift
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROXY_PORT=${LLMOPS_CI_SWIFT_PORT:-58333}
MEMCACHED_PORT=${LLMOPS_CI_MEMCACHED_PORT:-56211}
ENDPOINT="http://127.0.0.1:$PROXY_PORT"
DIR=$WORK/swift
ETC=$DIR/etc
RUN=$DIR/run

print_env() {
  echo "export LLMOPS_TEST_S3_ENDPOINT=$ENDPOINT"
  echo "export LLMOPS_TEST_S3_ACCESS_KEY=test:tester"
  echo "export LLMOPS_TEST_S3_SECRET_KEY=testing"
  echo "export LLMOPS_TEST_S3_BUCKET=llmops-test"
  echo "export LLMOPS_TEST_S3_REGION=us-east-1"
}
healthy() { curl -sf "$ENDPOINT/healthcheck" >/dev/null; }

ensure_packages swift swift-proxy swift-account swift-container swift-object python3-swift memcached curl

if healthy; then
  log "already running at $ENDPOINT"
  print_env
  exit 0
fi

# Configuration and rings are made once; the storage dir must live on a filesystem with xattrs.
if [ ! -f "$ETC/object.ring.gz" ]; then
  log "configuring a single-node Swift under $DIR"
  rm -rf "$ETC"
  mkdir -p "$ETC" "$DIR/srv/d1" "$RUN"
  cat >"$ETC/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = llmops-ci-suffix
swift_hash_path_prefix = llmops-ci-prefix
[storage-policy:0]
name = Policy-0
default = yes
CONF
  common() {
    cat <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 0
user = $(id -un)
swift_dir = $ETC
devices = $DIR/srv
mount_check = false
log_name = $2
log_address = /nonexistent
CONF
  }
  { common 56012 account && printf '[pipeline:main]\npipeline = account-server\n[app:account-server]\nuse = egg:swift#account\n'; } >"$ETC/account-server.conf"
  { common 56011 container && printf '[pipeline:main]\npipeline = container-server\n[app:container-server]\nuse = egg:swift#container\n'; } >"$ETC/container-server.conf"
  { common 56010 object && printf '[pipeline:main]\npipeline = object-server\n[app:object-server]\nuse = egg:swift#object\n'; } >"$ETC/object-server.conf"
  {
    common "$PROXY_PORT" proxy
    cat <<CONF
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
  } >"$ETC/proxy-server.conf"
  for r in account:56012 container:56011 object:56010; do
    n=${r%%:*}
    p=${r##*:}
    (cd "$ETC" && swift-ring-builder "$n.builder" create 8 1 1 >/dev/null &&
      swift-ring-builder "$n.builder" add "r1z1-127.0.0.1:$p/d1" 1 >/dev/null &&
      { swift-ring-builder "$n.builder" rebalance >/dev/null || true; })
  done
  [ -f "$ETC/object.ring.gz" ] || die "swift-ring-builder did not write the rings"
fi
mkdir -p "$RUN"

start=$(now_ms)
if ! pid_alive "$RUN/memcached.pid"; then
  memcached -d -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u "$(id -un)" -P "$RUN/memcached.pid" ||
    die "memcached did not start on 127.0.0.1:$MEMCACHED_PORT"
fi
for n in account container object proxy; do
  if pid_alive "$RUN/$n.pid"; then continue; fi
  # setsid: the servers outlive this script and the CI step that ran it.
  setsid "swift-$n-server" "$ETC/$n-server.conf" >"$LOGS/swift-$n.log" 2>&1 </dev/null &
  echo $! >"$RUN/$n.pid"
done
wait_until 60 healthy || die "Swift proxy is not healthy at $ENDPOINT; see $LOGS/swift-*.log"
log "ready at $ENDPOINT in $(($(now_ms) - start)) ms"
print_env
