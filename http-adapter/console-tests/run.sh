#!/usr/bin/env bash
# Browser end-to-end tests of the web console: builds the debug `agentmart`
# binary, installs playwright-core, axe-core and typescript (npm, exact
# versions from package-lock.json), type-checks the console's JavaScript in
# strict mode (tsc over the JSDoc-typed ES modules, no bundler; API types in
# console/types/api.d.ts, generated from /openapi.json by gen-api-types.mjs)
# and drives Debian's chromium through the journeys (*.test.mjs: harness.mjs
# starts the server and the browser). Screenshots of every view at 360, 768
# and 1280 px go to target/console-artifacts/ (CONSOLE_ARTIFACTS=dir).
#
#   bash http-adapter/console-tests/run.sh
#
# Chromium: /usr/bin/chromium (or CHROMIUM=path). When it is missing and we are
# root, it is installed with apt-get (Debian's `chromium` package); playwright
# never downloads a browser. Without chromium the run fails when CI=true and
# is skipped loudly otherwise.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends chromium >/dev/null || true
fi
if [ ! -x "$CHROMIUM" ]; then
  if [ "${CI:-}" = true ]; then
    echo "console-tests: chromium is missing at $CHROMIUM and could not be installed" >&2
    exit 1
  fi
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!! SKIP: web console browser tests: no chromium at $CHROMIUM"
  echo "!!       (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  exit 0
fi

# npm 11: `npm install` (it keeps to package-lock.json's exact versions).
(cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error)

# The console's JavaScript, type-checked in strict mode.
echo "== tsc --strict --checkJs --noEmit (http-adapter/console)"
"$HERE/node_modules/.bin/tsc" -p "$REPO/http-adapter/console" --strict --checkJs --noEmit

cargo build --quiet -p agentmart-http --bin agentmart
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$REPO/$TARGET" ;; esac
export AGENTMART_BIN="${AGENTMART_BIN:-$TARGET/debug/agentmart}"
export CHROMIUM
cd "$HERE"
node --test --test-concurrency=1 console.test.mjs issue14.test.mjs a11y.test.mjs
