-- The login storm: POST /v1/auth/login as LOGIN_EMAIL / LOGIN_PASSWORD
-- (each answer costs one argon2 verification at production parameters).
dofile(os.getenv("LOAD_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("LOGIN_EMAIL"), os.getenv("LOGIN_PASSWORD"))
