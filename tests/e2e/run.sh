#!/usr/bin/env bash
# End-to-end tests of the web app in headless Chromium.
#   tests/e2e/run.sh BIN      BIN: the calendula binary to test
# Builds web/dist if needed, installs playwright-core from the lock file
# (npm ci) when needed, starts BIN on a free loopback port with a fresh data
# folder and a fake clock, runs the scenarios, saves screenshots to
# artifacts/e2e/, stops the server. Last line: "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

fail() { echo "e2e: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

[[ $# -eq 1 ]] || fail "usage: tests/e2e/run.sh BIN"
bin=$(realpath "$1" 2>/dev/null) || fail "no such binary: $1"
[[ -x $bin ]] || fail "not executable: $bin"
command -v node >/dev/null || fail "node is not installed"
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || fail "$chromium is missing (apt-get install -y --no-install-recommends chromium)"

if [[ -z ${CALENDULA_WEB_DIR:-} ]]; then
  "$root/web/build.sh" || fail "the web app did not build"
fi

cd "$here"
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || fail "npm ci failed in tests/e2e"
  echo "$want" >"$stamp"
fi

CHROMIUM=$chromium exec node run.mjs "$bin"
