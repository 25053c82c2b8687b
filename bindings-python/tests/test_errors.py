"""Error mapping: one exception class per core code, all under AgentmartError."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

import agentmart
from agentmart import _errors, _native
from conftest import FAST, PASSWORD, SECRET, unique_email

EXPECTED = {
    "malformed_request": agentmart.MalformedRequest,
    "validation_failed": agentmart.ValidationError,
    "unauthenticated": agentmart.Unauthenticated,
    "invalid_credentials": agentmart.InvalidCredentials,
    "token_expired": agentmart.TokenExpired,
    "token_invalid": agentmart.TokenInvalid,
    "token_reused": agentmart.TokenReused,
    "forbidden": agentmart.Forbidden,
    "moderation_locked": agentmart.ModerationLocked,
    "not_found": agentmart.NotFound,
    "email_taken": agentmart.EmailTaken,
    "handle_taken": agentmart.HandleTaken,
    "slug_taken": agentmart.SlugTaken,
    "version_exists": agentmart.VersionExists,
    "conflict": agentmart.Conflict,
    "payload_too_large": agentmart.PayloadTooLarge,
    "rate_limited": agentmart.RateLimited,
    "internal": agentmart.InternalError,
    "unavailable": agentmart.Unavailable,
}


def test_every_core_code_has_its_own_class() -> None:
    codes = _native._error_codes()
    assert sorted(codes) == sorted(EXPECTED), "a core error code has no Python class (or vice versa)"
    for code in codes:
        exc = _errors._from_core(code, "message", [], None)
        assert type(exc) is EXPECTED[code]
        assert isinstance(exc, agentmart.AgentmartError)
        assert exc.code == code == EXPECTED[code].code
    assert len(set(EXPECTED.values())) == len(EXPECTED)
    for taken in (agentmart.EmailTaken, agentmart.HandleTaken, agentmart.SlugTaken, agentmart.VersionExists):
        assert issubclass(taken, agentmart.Conflict)


def test_from_core_carries_fields_and_retry_after() -> None:
    exc = _errors._from_core(
        "validation_failed", "bad", [{"field": "email", "code": "required", "message": "needed"}], None
    )
    assert isinstance(exc, agentmart.ValidationError)
    assert exc.errors[0].field == "email" and exc.errors[0]["code"] == "required"
    assert exc.errors[0].to_dict() == {"field": "email", "code": "required", "message": "needed"}
    limited = _errors._from_core("rate_limited", "slow down", [], 2.5)
    assert isinstance(limited, agentmart.RateLimited) and limited.retry_after == 2.5
    unknown = _errors._from_core("brand_new_code", "?", [], None)
    assert type(unknown) is agentmart.AgentmartError and unknown.code == "brand_new_code"


def test_validation_error_lists_every_field(mart: agentmart.Agentmart) -> None:
    with pytest.raises(agentmart.ValidationError) as info:
        mart.auth.register("not-an-email", "short", handle="!!")
    err = info.value
    assert err.code == "validation_failed"
    assert {e.field for e in err.errors} >= {"email", "password", "handle"}
    assert all(e.code and e.message for e in err.errors)
    assert err.retry_after is None


def test_taken_errors(mart: agentmart.Agentmart) -> None:
    email = unique_email()
    mart.auth.register(email, PASSWORD, handle="same")
    with pytest.raises(agentmart.EmailTaken) as e1:
        mart.auth.register(email.upper(), PASSWORD)
    assert e1.value.code == "email_taken"
    with pytest.raises(agentmart.HandleTaken) as e2:
        mart.auth.register(unique_email(), PASSWORD, handle="same")
    assert e2.value.code == "handle_taken"


def test_rate_limited_has_retry_after() -> None:
    with agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST) as m:
        email = unique_email()
        m.auth.register(email, PASSWORD)
        with pytest.raises(agentmart.RateLimited) as info:
            for _ in range(20):
                try:
                    m.auth.login(email, "wrong password!!", ip="198.51.100.1")
                except agentmart.InvalidCredentials:
                    pass
        assert info.value.code == "rate_limited"
        assert info.value.retry_after is not None and info.value.retry_after > 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_token_errors(mart: agentmart.Agentmart) -> None:
    reg = mart.auth.register(unique_email(), PASSWORD)
    header, payload, _sig = reg.tokens.access_token.split(".")
    claims = json.loads(_unb64(payload))
    now = int(time.time())
    claims.update(iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    sig = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    expired = f"{signing_input}.{_b64(sig)}"
    with pytest.raises(agentmart.TokenExpired) as e1:
        mart.auth.authenticate(expired)
    assert e1.value.code == "token_expired"
    with pytest.raises(agentmart.TokenInvalid) as e2:
        mart.auth.authenticate(reg.tokens.access_token[:-4] + "AAAA")
    assert e2.value.code == "token_invalid"
    with pytest.raises(agentmart.Unauthenticated):
        mart.auth.authenticate("")


def test_bad_open_arguments_are_validation_errors(tmp_path: Path) -> None:
    with pytest.raises(agentmart.ValidationError) as e1:
        agentmart.Agentmart.open("ftp://nowhere", jwt_secret=SECRET)
    assert e1.value.errors[0].field == "store_url"
    with pytest.raises(agentmart.ValidationError) as e2:
        agentmart.Agentmart.open("memory:", jwt_secret="too short")
    assert e2.value.errors[0].field == "jwt.signing"
    with pytest.raises(agentmart.ValidationError) as e3:
        agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config={"no_such_option": 1})
    assert e3.value.errors[0].field == "config.no_such_option"
    with pytest.raises(agentmart.ValidationError):
        agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config={"access_token_ttl": 1})
    # Durations are plain seconds.
    m = agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config={"access_token_ttl": 60, **FAST})
    assert m.auth.register(unique_email(), PASSWORD).tokens.expires_in == 60
    m.close()


def test_persistent_store_without_secret_warns(tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match="jwt_secret"):
        agentmart.Agentmart.open(f"sled:{tmp_path / 'db'}").close()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        agentmart.Agentmart.open("memory:").close()  # throwaway store: no warning


def test_locked_store_is_unavailable(tmp_path: Path) -> None:
    url = f"sled:{tmp_path / 'db'}"
    first = agentmart.Agentmart.open(url, jwt_secret=SECRET)
    with pytest.raises(agentmart.Unavailable) as info:
        agentmart.Agentmart.open(url, jwt_secret=SECRET)
    assert info.value.code == "unavailable"
    first.close()
    agentmart.Agentmart.open(url, jwt_secret=SECRET).close()  # released by close()


def test_closed_handle_raises_a_clear_error(mart: agentmart.Agentmart) -> None:
    reg = mart.auth.register(unique_email(), PASSWORD)
    me = mart.auth.authenticate(reg.tokens.access_token)
    auth = mart.auth
    mart.close()
    mart.close()  # twice is harmless
    assert mart.closed
    for call in (lambda: auth.profile(me), lambda: mart.market.list(), mart.ping, lambda: auth.jwks()):
        with pytest.raises(agentmart.Unavailable, match="closed"):
            call()


def test_a_panic_in_the_core_becomes_internal_error() -> None:
    """Calling agentmart synchronously from inside a notifier re-enters the
    runtime, which panics in Rust; it must surface as InternalError."""
    seen: list[BaseException] = []
    holder: dict[str, agentmart.Agentmart] = {}

    def reentrant(_message: agentmart.Message) -> None:
        try:
            holder["mart"].market.list()
        except BaseException as exc:  # noqa: BLE001 - we inspect what arrives
            seen.append(exc)
            raise

    with agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST, notifier=reentrant) as m:
        holder["mart"] = m
        email = unique_email()
        m.auth.register(email, PASSWORD)
        try:
            m.auth.request_password_reset(email, ip="203.0.113.7")
        except agentmart.AgentmartError:
            pass
        m.ping()  # still usable afterwards
    assert seen, "the notifier was not called"
    assert isinstance(seen[0], agentmart.InternalError), repr(seen[0])
