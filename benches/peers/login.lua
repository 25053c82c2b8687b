-- Logins cycling over the PEERS_USERS users registered by drive.py
-- (peer<i>@bench.example, one password), in the body format of the system:
-- LOGIN_FORMAT=json ({"email","password"}) or form (OAuth2 password form,
-- FastAPI-Users). Each answer costs the system one password verification.
dofile(os.getenv("LOAD_DIR") .. "/report.lua")
local users = tonumber(os.getenv("PEERS_USERS") or "200")
local password = os.getenv("LOGIN_PASSWORD")
local form = os.getenv("LOGIN_FORMAT") == "form"
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = form and "application/x-www-form-urlencoded" or "application/json"

function setup(thread)
  thread:set("offset", math.random(users))
end

function request()
  counter = counter + 1
  local email = string.format("peer%d@bench.example", (counter + (offset or 0)) % users)
  local body
  if form then
    body = "username=" .. email:gsub("@", "%%40") .. "&password=" .. password:gsub(" ", "+")
  else
    body = string.format('{"email":"%s","password":"%s"}', email, password)
  end
  return wrk.format(nil, nil, nil, body)
end
