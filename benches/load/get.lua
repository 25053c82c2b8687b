-- GET the URL given to wrk, with `Authorization: Bearer $TOKEN` when TOKEN is set.
dofile(os.getenv("LOAD_DIR") .. "/report.lua")
local token = os.getenv("TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
