#!/usr/bin/env bash
# Checks the npm package as users install it: `npm pack`s bindings-node (as
# built by scripts/test.sh), installs the tarball into an empty project under
# the cargo target directory, then, from that project:
#   - esm.mjs: `import 'agentmart'` resolves to the installed copy, every file
#     the entry points reach is in it, and the scenario (steps.cjs: register,
#     login, create a draft, publish, list, a coded error) runs on memory: and
#     sled;
#   - cjs.cjs: the same through `require('agentmart')`, on memory:;
#   - tsc type-checks check.mts (import) and check.cts (require) against the
#     installed declarations.
# A file missing from package.json's `files` fails one of them.
#
#   bash bindings-node/scripts/package-check.sh    # after a build (scripts/test.sh runs it)
#
# Needs no network: the package has no runtime dependencies (`--offline`).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
work="$target/package-check/node"
checks="$here/scripts/package-check"

if ! ls "$here"/*.node > /dev/null 2>&1 || [ ! -f "$here/binding.js" ]; then
  echo "error: build the addon first (npm run build:debug, or scripts/test.sh)" >&2
  exit 1
fi

rm -rf "$work"
mkdir -p "$work/pack" "$work/project"

echo "== npm pack"
tarball="$(cd "$here" && npm pack --silent --pack-destination "$work/pack")"
tarball="$work/pack/$(basename "$tarball")"
tar -tzf "$tarball" | sed 's/^/   /'

echo "== installing $(basename "$tarball") into an empty project"
cd "$work/project"
printf '{ "name": "agentmart-package-check", "version": "0.0.0", "private": true }\n' > package.json
npm install --offline --no-audit --no-fund --loglevel=error "$tarball"
cp "$checks"/steps.cjs "$checks"/esm.mjs "$checks"/cjs.cjs "$checks"/check.mts "$checks"/check.cts "$checks"/tsconfig.json .

echo "== ESM and CommonJS scenarios against the installed package"
node esm.mjs memory:
node esm.mjs "sled:$work/sled-data"
node cjs.cjs memory:

echo "== type check against the installed declarations"
"$here/node_modules/.bin/tsc" -p tsconfig.json
echo "== node package: OK"
