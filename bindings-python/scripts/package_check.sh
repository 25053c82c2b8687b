#!/usr/bin/env bash
# Checks the Python package as users install it: builds the wheel with
# maturin, installs it into a fresh virtualenv under the cargo target
# directory, and runs scripts/package_scenario.py with `python -I` from an
# empty directory, so the import can only resolve to the installed wheel.
# A file of python/agentmart missing from the wheel fails it.
#
#   bash bindings-python/scripts/package_check.sh    # after scripts/test.sh set up .venv
#
# Reuses CARGO_TARGET_DIR's debug build (the one `maturin develop` just made)
# and needs no network: the wheel has no dependencies.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
TOOLS="${AGENTMART_PY_TOOLS:-$HERE/.venv}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
WORK="$CARGO_TARGET_DIR/package-check/python"

rm -rf "$WORK"
mkdir -p "$WORK/wheels" "$WORK/run"

echo "== building the wheel (maturin build, debug profile)"
(cd "$HERE" && "$TOOLS/bin/maturin" build --quiet --out "$WORK/wheels")
wheels=("$WORK"/wheels/agentmart-*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
    echo "error: expected one wheel in $WORK/wheels, found: ${wheels[*]}" >&2
    exit 1
fi

echo "== installing $(basename "${wheels[0]}") into a fresh virtualenv"
"${PYTHON:-python3}" -m venv "$WORK/venv"
# --no-index: the wheel has no dependencies, so this must work offline.
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "${wheels[0]}"

echo "== scenario against the installed package (memory: and sled)"
cp "$HERE/scripts/package_scenario.py" "$WORK/run/"
cd "$WORK/run"
"$WORK/venv/bin/python" -I package_scenario.py "$HERE/python/agentmart" "memory:"
"$WORK/venv/bin/python" -I package_scenario.py "$HERE/python/agentmart" "sled:$WORK/run/sled-data"
echo "== python package: OK"
