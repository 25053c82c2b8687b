"""Shared fixtures: fast (insecure) hashing for speed, one instance per test."""

from __future__ import annotations

import os
import uuid
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

import agentmart

SECRET = "agentmart-python-tests-secret-0123456789"
FAST: Dict[str, Any] = {"hashing": {"m_cost": 64, "t_cost": 1, "p_cost": 1}}
PASSWORD = "correct horse battery staple"

# Every backend the shared scenario runs on; SQL ones need the SQL backend in the build.
BACKENDS = ["memory", "sled", "sqlite", "postgres"]


def scheme_supported(prefix: str) -> bool:
    return any(s.startswith(prefix) for s in agentmart.supported_store_schemes())


def store_url(kind: str, tmp_path: Path) -> str:
    """The URL for a backend, or skip (loudly) when this build or machine lacks it."""
    if kind == "memory":
        return "memory:"
    if kind == "sled":
        return f"sled:{tmp_path / 'sled'}"
    if kind == "sqlite":
        if not scheme_supported("sqlite"):
            msg = "SQLITE NOT TESTED: this build of agentmart has no sqlite: store (agentmart-stores lacks the SQL backend)"
            warnings.warn(msg)
            pytest.skip(msg)
        return f"sqlite:{tmp_path / 'agentmart.db'}"
    if kind == "postgres":
        if not scheme_supported("postgres"):
            msg = "POSTGRESQL NOT TESTED: this build of agentmart has no postgres:// store (agentmart-stores lacks the SQL backend)"
            warnings.warn(msg)
            pytest.skip(msg)
        url = os.environ.get("DATABASE_URL")
        if not url:
            if os.environ.get("CI") == "true":
                pytest.fail("DATABASE_URL must be set when CI=true (PostgreSQL tests are required in CI)")
            msg = "POSTGRESQL NOT TESTED: set DATABASE_URL to run it"
            warnings.warn(msg)
            pytest.skip(msg)
        # A fresh schema per test keeps runs apart (scripts/test-all drops am_py_* afterwards).
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}schema=am_py_{uuid.uuid4().hex[:16]}"
    raise ValueError(kind)


class Mailbox:
    """A notifier that keeps every message."""

    def __init__(self) -> None:
        self.messages: List[agentmart.Message] = []

    def __call__(self, message: agentmart.Message) -> None:
        self.messages.append(message)

    def last(self, to: str, kind: str) -> agentmart.Message:
        for m in reversed(self.messages):
            if m.to == to and m.kind == kind:
                return m
        raise AssertionError(f"no {kind} message to {to}")


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def mart(mailbox: Mailbox) -> Iterator[agentmart.Agentmart]:
    m = agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST, notifier=mailbox)
    yield m
    m.close()


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture
def new_user(mart: agentmart.Agentmart) -> Callable[..., agentmart.Principal]:
    """Registers a user and returns its principal."""

    def make(handle: str | None = None) -> agentmart.Principal:
        reg = mart.auth.register(unique_email(handle or "user"), PASSWORD, handle=handle)
        return mart.auth.authenticate(reg.tokens.access_token)

    return make


@pytest.fixture
def admin(mart: agentmart.Agentmart) -> agentmart.Principal:
    email = unique_email("admin")
    reg = mart.auth.register(email, PASSWORD, handle="root")
    mart.admin.set_role_by_email(email, "admin")
    return mart.auth.principal_for_user(reg.user.id)


AGENT = dict(
    name="Helper",
    tagline="Helps with things",
    description="A helpful agent.",
    system_prompt="You are helpful.",
    input_modes=["text/plain"],
    output_modes=["text/plain"],
    skills=[{"id": "help", "name": "Help", "description": "Helps", "tags": ["general"]}],
    tags=["general"],
    category="productivity",
)


def publish_agent(
    mart: agentmart.Agentmart, owner: agentmart.Principal, slug: str = "helper", **changes: Any
) -> str:
    """Creates and publishes `slug` as 1.0.0; returns its `owner/slug` path."""
    fields = {**AGENT, **changes}
    draft = mart.agents.create(owner, slug, **fields)
    path = f"{draft.owner}/{draft.slug}"
    mart.agents.publish(owner, path, "1.0.0", changelog="first")
    return path
