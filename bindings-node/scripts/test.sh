#!/usr/bin/env bash
# Builds the Node addon and runs its tests, the type check and the packaging
# check (scripts/package-check.sh). The mirror check (tests/mirror.rs,
# binding.d.ts against core's schemas) runs in `cargo test --workspace`.
#
#   bindings-node/scripts/test.sh            # debug build (fast)
#   AGENTMART_NODE_RELEASE=1 bindings-node/scripts/test.sh   # release build
#
# Needs Node >= 18, npm and a Rust toolchain; the npm registry must be
# reachable for the first `npm install`. Honours CARGO_TARGET_DIR. Set
# DATABASE_URL to run the scenario on PostgreSQL too (required when CI=true).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# `npm ci` rejects @napi-rs/cli's lockfile under npm 11; `npm install` keeps it.
npm install --no-audit --no-fund --loglevel=error

# binding.d.ts is committed; the build must reproduce it exactly.
committed_dts="$(mktemp)"
trap 'rm -f "$committed_dts"' EXIT
if [ -f binding.d.ts ]; then cp binding.d.ts "$committed_dts"; fi

if [ "${AGENTMART_NODE_RELEASE:-0}" = "1" ]; then
  npm run --silent build
else
  npm run --silent build:debug
fi

if [ -s "$committed_dts" ] && ! cmp -s "$committed_dts" binding.d.ts; then
  echo "error: the build changed bindings-node/binding.d.ts; review and commit it:" >&2
  diff -u "$committed_dts" binding.d.ts >&2 || true
  exit 1
fi

node --test __test__/*.test.mjs __test__/*.test.cjs

# The type check of the typed example against the generated declarations.
npx --no-install tsc --strict --noEmit -p tsconfig.json

# The package as users install it: npm pack, install the tarball into an
# empty project, import it as ESM and CJS, run a scenario, type-check.
bash "$here/scripts/package-check.sh"

# The quickstarts run in both module systems, and the Express example's smoke
# test, against the freshly built package (examples/node depends on it
# through a `file:` link, and on express from the registry).
examples="$here/../examples/node"
if [ -f "$examples/package.json" ]; then
  (cd "$examples" && npm install --no-audit --no-fund --loglevel=error \
    && node quickstart.mjs > /dev/null && node quickstart.cjs > /dev/null \
    && node --test express-server.test.mjs secret.test.mjs \
    && "$here/node_modules/.bin/tsc" -p tsconfig.json)
fi
echo "bindings-node: all checks passed"
