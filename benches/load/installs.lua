-- Install/uninstall churn: each connection alternates
-- PUT and DELETE /v1/me/installs/{owner}/{slug} over a pool of POOL seeded
-- agents (agent-i is owned by user{i % OWNERS}, as agentmart_benches::populate
-- writes them). Both are idempotent: PUT answers 201 or 200, DELETE 204.
dofile(os.getenv("LOAD_DIR") .. "/report.lua")
local token = os.getenv("TOKEN")
local owners = tonumber(os.getenv("OWNERS") or "1000")
local pool = tonumber(os.getenv("POOL") or "1000")
local headers = { ["Authorization"] = "Bearer " .. (token or "") }
local next_thread = 0
local n = 0

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  -- threads start in different places of the pool
  n = (thread_index or 0) * 2 * 397
end

function request()
  local i = math.floor(n / 2) % pool
  local method = (n % 2 == 0) and "PUT" or "DELETE"
  n = n + 1
  return wrk.format(method, "/v1/me/installs/user" .. (i % owners) .. "/agent-" .. i, headers)
end
