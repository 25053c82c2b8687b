#!/usr/bin/env bash
# Builds the Python module into a virtualenv (created on first use) and runs
# the pytest suite, the stub checks, mypy --strict on the examples, and the
# packaging check (scripts/package_check.sh: the wheel in a fresh virtualenv).
#
#   bash bindings-python/scripts/test.sh [extra pytest args]
#
# Needs python3 (>= 3.9, with venv) and cargo; reaches only PyPI (pinned
# packages). PostgreSQL tests run when DATABASE_URL is set (required when CI=true).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
echo "== installing build and test tools"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin==1.16.0" "pytest==9.2.0" "pytest-timeout==2.4.0" "mypy==2.4.1" \
    "fastapi==0.163.2" "httpx==0.28.1"

echo "== building the module (maturin develop)"
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
(cd "$HERE" && maturin develop --quiet)

echo "== pytest"
(cd "$HERE" && python -m pytest -q -rs -p no:cacheprovider --timeout=300 tests "$@")

echo "== aio.pyi up to date"
python "$HERE/scripts/gen_aio_stub.py" --check

echo "== mypy --strict (package and examples/python)"
(cd "$HERE" && mypy --strict --no-incremental --cache-dir=/dev/null -p agentmart)
(cd "$REPO" && mypy --strict --no-incremental --cache-dir=/dev/null examples/python)
echo "== the wheel, installed into a fresh virtualenv"
AGENTMART_PY_TOOLS="$VENV" bash "$HERE/scripts/package_check.sh"
echo "== python bindings: OK"
