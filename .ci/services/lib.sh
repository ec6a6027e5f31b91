# Shared helpers for the service scripts; sourced, never run. Every script prints only
# `export VAR=...` lines on stdout (so `eval "$(.ci/services/x.sh)"` works) and logs to stderr.
set -euo pipefail

SERVICES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SERVICES_DIR/../.." && pwd)
WORK=${LLMOPS_CI_WORK:-$REPO_ROOT/.ci/work}
mkdir -p "$WORK/logs"
WORK=$(cd "$WORK" && pwd)
LOGS=$WORK/logs

log() { echo "[${SERVICE_NAME:-services}] $*" >&2; }
die() {
  log "error: $*"
  exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }
now_ms() { date +%s%3N; }

# Waits for another apt/dpkg run on this machine (e.g. a background install) instead of
# fighting over the dpkg lock.
wait_for_apt() {
  local waited=0
  while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do
    [ $waited = 0 ] && log "another apt/dpkg run is in progress (see /tmp/apt-install.log); waiting for it"
    sleep 2
    waited=$((waited + 2))
    [ $waited -ge 1200 ] && die "apt/dpkg still busy after 20 minutes"
  done
  return 0
}

package_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# ensure_packages PKG...: installs whatever is missing with one `apt-get update` per hour at most.
ensure_packages() {
  local missing=() p
  for p in "$@"; do package_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  wait_for_apt
  missing=()
  for p in "$@"; do package_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  local sudo=""
  if ! is_root; then
    command -v sudo >/dev/null || die "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})"
    sudo="sudo -n"
  fi
  log "installing ${missing[*]} (log: $LOGS/apt.log)"
  local stamp=$WORK/.apt-updated
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$LOGS/apt.log" 2>&1 ||
      die "apt-get update failed; see $LOGS/apt.log"
    touch "$stamp"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" \
    >>"$LOGS/apt.log" 2>&1 || die "apt-get install ${missing[*]} failed; see $LOGS/apt.log"
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s; returns 1 on timeout.
wait_until() {
  local limit=$(($1 * 10)) i=0
  shift
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -ge $limit ] && return 1
    sleep 0.1
  done
  return 0
}

# pid_alive FILE: the process named in a pid file is running.
pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }
