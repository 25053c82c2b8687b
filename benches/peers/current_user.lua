-- GET the current user with the credential of the system: AUTH_HEADER and
-- AUTH_VALUE (e.g. "Authorization" / "Bearer …", or "Cookie" / "better-auth.session_token=…").
dofile(os.getenv("LOAD_DIR") .. "/report.lua")
wrk.headers[os.getenv("AUTH_HEADER")] = os.getenv("AUTH_VALUE")
