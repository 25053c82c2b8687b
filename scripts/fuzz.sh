#!/usr/bin/env bash
# Runs every `cargo fuzz` target (fuzz/fuzz_targets) for a bounded time each,
# starting from the committed seed corpus (fuzz/corpus/TARGET). New inputs the
# fuzzer finds go to target/fuzz-corpus/TARGET, never into the repository; a
# crash stops the run with the input under fuzz/artifacts/TARGET — fix it and
# commit the input to fuzz/regressions/TARGET (the unit tests replay those).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 10 s, all)
#
# FUZZ_RELEASE=1 builds optimised (more executions per second, slower build);
# the default is a debug build with debug assertions, quicker to build.
#
# The README's test command runs it with a short time box; for a long run use
# e.g. `scripts/fuzz.sh 600`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-10}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(cursor jwt names agent_definition store_url forwarded_for)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
# The fuzz crate is outside the workspace; pin it to the workspace's versions.
cp Cargo.lock fuzz/Cargo.lock
# cargo fuzz passes a few unstable rustc flags; the one toolchain here is stable.
export RUSTC_BOOTSTRAP=1
# Keep the fuzz build next to the others, whatever CARGO_TARGET_DIR says.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"

PROFILE="--dev"
[ "${FUZZ_RELEASE:-0}" = 1 ] && PROFILE="--release"

for target in "${TARGETS[@]}"; do
  work="target/fuzz-corpus/$target"
  mkdir -p "$work" "fuzz/artifacts/$target"
  echo "== fuzz $target (${SECONDS_PER_TARGET}s)"
  cargo fuzz run --fuzz-dir fuzz --sanitizer none $PROFILE "$target" "$work" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added|==|SUMMARY|thread|panicked|Failing input|artifact)" || true
  test "${PIPESTATUS[0]}" -eq 0 || { echo "fuzz target $target failed; input in fuzz/artifacts/$target" >&2; exit 1; }
done
echo "== fuzzing passed"
