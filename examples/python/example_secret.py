"""The signing secret of the Python examples: never a published one.

``AGENTMART_JWT_SECRET``, or, when that is unset, 32 random bytes (hex) for
this run (tokens then die with the process). A secret published anywhere in
the agentmart repository (``examples/published-secrets.txt``, the same list as
the Rust examples' ``PUBLISHED_SECRETS``) is refused: anyone could forge
tokens with it.
"""

from __future__ import annotations

import os
import pathlib
import secrets
import sys
from typing import List, Mapping, Optional

REFUSAL = (
    "AGENTMART_JWT_SECRET is a secret published in the agentmart repository; "
    "anyone can forge tokens with it. Generate your own: `openssl rand -hex 32`"
)


def published_secrets() -> List[str]:
    """Every secret the repository publishes."""
    text = (pathlib.Path(__file__).resolve().parent.parent / "published-secrets.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def resolve_secret(value: Optional[str]) -> str:
    """The secret for ``value`` (the variable's value); ValueError on a published one."""
    if not value:
        print(
            "AGENTMART_JWT_SECRET is not set: using a random secret for this run "
            "(tokens stop verifying when the process ends)",
            file=sys.stderr,
        )
        return secrets.token_hex(32)
    if value.strip() in published_secrets():
        raise ValueError(REFUSAL)
    return value


def example_secret(env: Optional[Mapping[str, str]] = None) -> str:
    """The examples' secret from the environment; exits with status 2 on a published one."""
    try:
        return resolve_secret((os.environ if env is None else env).get("AGENTMART_JWT_SECRET"))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
