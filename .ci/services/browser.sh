#!/usr/bin/env bash
# Installs what the dashboard's browser test needs: Debian's Chromium (driven by playwright-core,
# which downloads no browser of its own) and a CJK font so 简体中文 renders instead of boxes.
# Idempotent: installed packages are left alone. Starts nothing.
# Prints: export LLMOPS_TEST_CHROMIUM=/usr/bin/chromium
SERVICE_NAME=browser
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages chromium fonts-noto-cjk
BIN=$(command -v chromium || true)
[ -n "$BIN" ] || die "chromium is installed but not on PATH"
log "chromium: $("$BIN" --version 2>/dev/null | head -1)"
echo "export LLMOPS_TEST_CHROMIUM=$BIN"
