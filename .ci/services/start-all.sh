#!/usr/bin/env bash
# Starts every server the tests use and prints all their exports:
#   eval "$(.ci/services/start-all.sh)"
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
"$here/postgres.sh"
"$here/redis.sh"
"$here/swift.sh"
"$here/browser.sh"
"$here/nginx.sh"
"$here/prometheus-tools.sh"
