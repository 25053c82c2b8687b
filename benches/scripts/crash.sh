#!/usr/bin/env bash
# Crash benchmark (issue 11 item 2): many SIGKILLs per backend of the real
# `agentmart` binary under bursts of every write kind; every acknowledged
# write must survive. The figures go to benches/RESULTS.md.
#
#   benches/scripts/crash.sh [ITERATIONS]      # default 50 kills per backend
#
# Needs PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/../.."
export AGENTMART_CRASH_ITERATIONS="${1:-50}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}" CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
cargo test --workspace --all-features --test crash_binary -- --test-threads=1 --nocapture 2>&1 \
  | grep -E '^crash |harness seed|test result|panicked|FAILED' 
