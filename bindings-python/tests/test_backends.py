"""The same scenario on every store backend the build supports."""

from __future__ import annotations

from pathlib import Path

import pytest

import agentmart
from conftest import BACKENDS, FAST, PASSWORD, SECRET, publish_agent, store_url


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_scenario_on_every_backend(backend: str, tmp_path: Path) -> None:
    url = store_url(backend, tmp_path)
    suffix = tmp_path.name[-8:].lower().replace("_", "-")
    owner_email = f"owner-{suffix}@example.com"
    with agentmart.Agentmart.open(url, jwt_secret=SECRET, config=FAST) as mart:
        assert mart.backend == ("memory" if backend == "memory" else mart.backend)
        mart.ping()
        reg = mart.auth.register(owner_email, PASSWORD, handle=f"own-{suffix}")
        owner = mart.auth.authenticate(reg.tokens.access_token)
        path = publish_agent(mart, owner, "shared")
        fan_reg = mart.auth.register(f"fan-{suffix}@example.com", PASSWORD, handle=f"fan-{suffix}")
        fan = mart.auth.authenticate(fan_reg.tokens.access_token)
        mart.market.install(fan, path)
        mart.market.rate(fan, path, 5, title="great")
        detail = mart.market.detail(path, viewer=fan)
        assert (detail.install_count, detail.rating.count, detail.installed) == (1, 1, True)
        assert path in [f"{a.owner}/{a.slug}" for a in mart.market.list(owner=f"own-{suffix}").items]

    if backend == "memory":
        return
    # Persistent stores keep everything across a close and reopen.
    with agentmart.Agentmart.open(url, jwt_secret=SECRET, config=FAST) as again:
        tokens = again.auth.login(owner_email, PASSWORD, ip="203.0.113.7")
        owner = again.auth.authenticate(tokens.access_token)
        assert again.market.detail(path).rating.count == 1
        assert [v.version for v in again.agents.versions(path)] == ["1.0.0"]
        assert [r.title for r in again.market.reviews(path).items] == ["great"]
        assert again.auth.profile(owner).email == owner_email
