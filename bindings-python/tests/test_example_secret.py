"""The Python examples refuse to start with a secret published in the
repository, and start with one of their own (or a random one)."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import secrets
import subprocess
import sys
from typing import Dict, Optional

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"
sys.path.insert(0, str(EXAMPLES))
import example_secret  # noqa: E402

PUBLISHED = example_secret.published_secrets()[1]


def _run(script: str, secret: Optional[str]) -> "subprocess.CompletedProcess[str]":
    env: Dict[str, str] = {k: v for k, v in os.environ.items() if k != "AGENTMART_JWT_SECRET"}
    if secret is not None:
        env["AGENTMART_JWT_SECRET"] = secret
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), "memory:"], capture_output=True, text=True, timeout=120, env=env
    )


def test_resolve_secret_refuses_every_published_secret() -> None:
    published = example_secret.published_secrets()
    assert len(published) >= 10 and "change-me-to-a-long-random-secret-value!!" in published
    for value in published:
        with pytest.raises(ValueError, match="published in the agentmart repository"):
            example_secret.resolve_secret(f" {value}\n")
    own = secrets.token_hex(32)
    assert example_secret.resolve_secret(own) == own
    a, b = example_secret.resolve_secret(None), example_secret.resolve_secret("")
    assert len(a) == 64 and a != b


@pytest.mark.parametrize("script", ["quickstart.py", "async_quickstart.py"])
def test_examples_refuse_a_published_secret(script: str) -> None:
    out = _run(script, PUBLISHED)
    assert out.returncode == 2, out.stderr
    assert "AGENTMART_JWT_SECRET is a secret published in the agentmart repository" in out.stderr
    assert out.stdout == "", "nothing ran"


@pytest.mark.parametrize("script", ["quickstart.py", "async_quickstart.py"])
def test_examples_run_with_a_fresh_secret(script: str) -> None:
    out = _run(script, secrets.token_hex(32))
    assert out.returncode == 0, out.stderr
    assert "as expected:" in out.stdout


def test_fastapi_example_refuses_a_published_secret_and_starts_with_a_fresh_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("fastapi")
    spec = importlib.util.spec_from_file_location("fastapi_app_secret", EXAMPLES / "fastapi_app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("AGENTMART_STORE", "memory:")
    monkeypatch.setenv("AGENTMART_JWT_SECRET", PUBLISHED)
    with pytest.raises(SystemExit) as exited:
        module._default_app()
    assert exited.value.code == 2
    monkeypatch.setenv("AGENTMART_JWT_SECRET", secrets.token_hex(32))
    app = module._default_app()
    assert any(getattr(route, "path", None) == "/register" for route in app.routes)
