#!/usr/bin/env bash
# Installs nginx for the scale-out topology test (test/topology.test.ts), which starts its own nginx
# with a private prefix and config as the load balancer in front of two gateways. Starts nothing.
# Prints: export LLMOPS_TEST_NGINX=/usr/sbin/nginx
SERVICE_NAME=nginx
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages nginx
# Debian's package starts a system nginx on port 80; the test never uses it, and it is left as it is.
BIN=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BIN" ] || die "nginx is installed but $BIN is not executable"
log "$("$BIN" -v 2>&1)"
echo "export LLMOPS_TEST_NGINX=$BIN"
