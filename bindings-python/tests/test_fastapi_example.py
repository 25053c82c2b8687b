"""examples/python/fastapi_app.py: login and the marketplace over HTTP."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

import agentmart
from conftest import AGENT, FAST, PASSWORD, SECRET

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

APP = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "fastapi_app.py"


def _load():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fastapi_app", APP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fastapi_app"] = module
    spec.loader.exec_module(module)
    return module


def test_fastapi_example() -> None:
    module = _load()
    with agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST) as mart:
        client = TestClient(module.create_app(mart))
        r = client.post("/register", json={"email": "ada@example.com", "password": PASSWORD})
        assert r.status_code == 201, r.text
        assert r.json()["user"]["handle"] == "ada"
        bad = client.post("/register", json={"email": "nope", "password": "x"})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["error"]["errors"]} >= {"email", "password"}
        assert client.post("/login", json={"email": "ada@example.com", "password": "wrong!!"}).status_code == 401
        token = client.post("/login", json={"email": "ada@example.com", "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/me", headers=auth).json()["email"] == "ada@example.com"
        assert client.get("/me").status_code == 401
        assert client.get("/me", headers={"Authorization": "Bearer junk"}).json()["error"]["code"] == "token_invalid"

        ada = mart.auth.authenticate(token)
        mart.agents.create(ada, "bot", **AGENT)
        mart.agents.publish(ada, "ada/bot", "1.0.0")
        listing = client.get("/agents", params={"sort": "name"}).json()
        assert [a["slug"] for a in listing["items"]] == ["bot"] and listing["next_cursor"] is None
        assert client.get("/agents", params={"sort": "bogus"}).status_code == 422
        assert client.get("/agents/ada/missing").status_code == 404

        r = client.post("/register", json={"email": "bob@example.com", "password": PASSWORD})
        bob = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
        assert client.post("/agents/ada/bot/install", headers=bob).json()["created"] is True
        assert client.post("/agents/ada/bot/rating", headers=bob, json={"stars": 5}).status_code == 200
        detail = client.get("/agents/ada/bot", headers=bob).json()
        assert detail["installed"] is True and detail["rating"]["count"] == 1
