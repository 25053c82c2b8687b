"""A FastAPI app that uses agentmart for login and the marketplace.

    pip install agentmart fastapi uvicorn
    AGENTMART_STORE=sled:./agentmart-data AGENTMART_JWT_SECRET=... python fastapi_app.py

AGENTMART_JWT_SECRET unset means a random secret for this run; a secret
published in the agentmart repository is refused (exit status 2).

The routes are plain `def` functions: FastAPI runs them in its thread pool and
agentmart releases the GIL while it works, so requests proceed in parallel.
(With `async def` routes, use `agentmart.aio.AsyncAgentmart` instead.)
"""

from __future__ import annotations

import os
import importlib
from typing import Any, Dict, Optional

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

import agentmart

STATUS = {
    "malformed_request": 400,
    "validation_failed": 422,
    "unauthenticated": 401,
    "invalid_credentials": 401,
    "token_expired": 401,
    "token_invalid": 401,
    "token_reused": 401,
    "forbidden": 403,
    "moderation_locked": 403,
    "not_found": 404,
    "email_taken": 409,
    "handle_taken": 409,
    "slug_taken": 409,
    "version_exists": 409,
    "conflict": 409,
    "payload_too_large": 413,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}


class Credentials(BaseModel):
    """Email and password."""

    email: str
    password: str


class Rating(BaseModel):
    """1 to 5 stars, with an optional review."""

    stars: int
    title: Optional[str] = None
    body: Optional[str] = None


def create_app(mart: agentmart.Agentmart) -> FastAPI:
    """The app over an open agentmart instance (tests pass a `memory:` one)."""
    app = FastAPI(title="agentmart demo")
    bearer = HTTPBearer(auto_error=False)

    @app.exception_handler(agentmart.AgentmartError)
    def on_agentmart_error(_request: Request, exc: agentmart.AgentmartError) -> JSONResponse:
        body: Dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.errors:
            body["errors"] = [e.to_dict() for e in exc.errors]
        headers = {"Retry-After": str(max(1, int(exc.retry_after)))} if exc.retry_after else None
        return JSONResponse({"error": body}, status_code=STATUS.get(exc.code, 500), headers=headers)

    def principal(creds: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> agentmart.Principal:
        if creds is None:
            raise HTTPException(status_code=401, detail="missing bearer token")
        return mart.auth.authenticate(creds.credentials)

    def maybe_principal(
        creds: Optional[HTTPAuthorizationCredentials] = Depends(bearer),
    ) -> Optional[agentmart.Principal]:
        return mart.auth.authenticate(creds.credentials) if creds else None

    @app.post("/register", status_code=201)
    def register(body: Credentials, request: Request) -> Dict[str, Any]:
        ip = request.client.host if request.client else None
        return mart.auth.register(body.email, body.password, ip=ip).to_dict()

    @app.post("/login")
    def login(body: Credentials, request: Request) -> Dict[str, Any]:
        ip = request.client.host if request.client else None
        return mart.auth.login(body.email, body.password, ip=ip).to_dict()

    @app.get("/me")
    def me(who: agentmart.Principal = Depends(principal)) -> Dict[str, Any]:
        return mart.auth.profile(who).to_dict()

    @app.get("/agents")
    def list_agents(
        q: Optional[str] = None,
        sort: Optional[agentmart.CatalogSort] = None,
        cursor: Optional[str] = None,
        who: Optional[agentmart.Principal] = Depends(maybe_principal),
    ) -> Dict[str, Any]:
        return mart.market.list(viewer=who, q=q, sort=sort, cursor=cursor, limit=20).to_dict()

    @app.get("/agents/{owner}/{slug}")
    def agent_detail(
        owner: str, slug: str, who: Optional[agentmart.Principal] = Depends(maybe_principal)
    ) -> Dict[str, Any]:
        return mart.market.detail(f"{owner}/{slug}", viewer=who).to_dict()

    @app.post("/agents/{owner}/{slug}/install")
    def install(owner: str, slug: str, who: agentmart.Principal = Depends(principal)) -> Dict[str, Any]:
        return mart.market.install(who, f"{owner}/{slug}").to_dict()

    @app.post("/agents/{owner}/{slug}/rating")
    def rate(owner: str, slug: str, body: Rating, who: agentmart.Principal = Depends(principal)) -> Dict[str, Any]:
        return mart.market.rate(who, f"{owner}/{slug}", body.stars, title=body.title, body=body.body).to_dict()

    return app


def _default_app() -> FastAPI:
    store = os.environ.get("AGENTMART_STORE", "sled:./agentmart-data")
    # Imported here: tests load this file without its directory on sys.path.
    from example_secret import example_secret

    return create_app(agentmart.Agentmart.open(store, jwt_secret=example_secret()))


if __name__ == "__main__":
    uvicorn: Any = importlib.import_module("uvicorn")
    uvicorn.run(_default_app(), host="127.0.0.1", port=8000)
