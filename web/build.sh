#!/usr/bin/env bash
# Builds the web app into web/dist (type check, then Vite). Installs the npm
# packages from the committed lock file first, but only when node_modules is
# missing or the lock file changed since the last install, and skips the
# build when dist/ already comes from the same sources. Quiet unless
# something fails; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v npm >/dev/null 2>&1; then
  echo "web/build.sh: npm is not installed (Node.js 20.19+ is needed)" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    cat "$log" >&2
    echo "web/build.sh: npm ci failed" >&2
    exit 1
  fi
  echo "$want" >"$stamp"
fi

# Skip the build when dist/ was made from exactly these sources.
src_hash=$(find src public index.html package.json package-lock.json tsconfig.json vite.config.ts -type f -print0 |
  sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [[ -f dist/index.html && -f dist/.source-sha256 && "$(cat dist/.source-sha256)" == "$src_hash" ]]; then
  exit 0
fi

if ! npm run --silent build >"$log" 2>&1; then
  cat "$log" >&2
  echo "web/build.sh: build failed" >&2
  exit 1
fi
echo "$src_hash" >dist/.source-sha256
