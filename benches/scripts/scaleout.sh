#!/usr/bin/env bash
# Scale-out soak (issue 11 item 5): three `agentmart serve` over one
# PostgreSQL, round-robin mixed load, one server SIGKILLed halfway; no 5xx,
# nothing acknowledged lost, every invariant holds. The load driver is the
# Rust harness in http-adapter/tests/harness (test scaleout_binary).
#
#   benches/scripts/scaleout.sh [SECONDS]      # default 600 (10 minutes)
#
# Needs PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/../.."
export AGENTMART_SCALEOUT_SECS="${1:-600}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}" CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
cargo test --workspace --all-features --test scaleout_binary -- --nocapture 2>&1 \
  | grep -E '^scaleout|harness seed|test result|panicked|FAILED'
