#!/usr/bin/env bash
# Installs promtool (Debian's prometheus package) so test/alerts-prometheus.test.ts can check the
# generated alerting rules with `promtool check rules`. Starts nothing (Debian's package may start a
# system prometheus on :9090; the tests never use it).
# Prints: export LLMOPS_TEST_PROMTOOL=/usr/bin/promtool
SERVICE_NAME=prometheus-tools
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages prometheus
BIN=$(command -v promtool || echo /usr/bin/promtool)
[ -x "$BIN" ] || die "prometheus is installed but $BIN is not executable"
log "$("$BIN" --version 2>&1 | head -1)"
echo "export LLMOPS_TEST_PROMTOOL=$BIN"
