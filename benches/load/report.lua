-- Shared by the wrk scripts of run.sh: at the end of a run, one line
-- `RESULT <scenario> rps=... p50_ms=... ...` that run.sh turns into a table.
-- The scenario name comes from the environment variable SCENARIO.
local name = os.getenv("SCENARIO") or "unnamed"

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT %s rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f requests=%d non2xx=%d socket_errors=%d\n",
    name, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
