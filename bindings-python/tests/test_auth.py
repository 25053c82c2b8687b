"""agentmart.Auth: accounts, sessions, tokens, recovery, identities."""

from __future__ import annotations

import datetime
import json
from typing import Dict

import pytest

import agentmart
from conftest import PASSWORD, Mailbox, unique_email


def test_register_login_authenticate(mart: agentmart.Agentmart) -> None:
    reg = mart.auth.register("  Ada@Example.COM ", PASSWORD, display_name="Ada")
    assert isinstance(reg, agentmart.Registered)
    assert isinstance(reg.user, agentmart.Profile)
    assert reg.user.email == "ada@example.com"
    assert reg.user.handle == "ada"
    assert reg.user.display_name == "Ada"
    assert reg.user.role == "user"
    assert isinstance(reg.user.created_at, datetime.datetime)
    assert reg.user.created_at.tzinfo is not None
    assert reg.tokens.token_type.lower() == "bearer"
    assert reg.tokens.expires_in > 0

    tokens = mart.auth.login("ADA@example.com", PASSWORD, ip="203.0.113.7", user_agent="pytest")
    assert isinstance(tokens, agentmart.TokenPair)
    me = mart.auth.authenticate(tokens.access_token)
    assert isinstance(me, agentmart.Principal)
    assert me.user_id == reg.user.id
    assert me.session_id is not None
    assert me.role == "user" and not me.is_admin
    assert mart.auth.profile(me) == reg.user


def test_records_are_typed_readonly_and_serialisable(mart: agentmart.Agentmart) -> None:
    reg = mart.auth.register(unique_email(), PASSWORD)
    data = reg.to_dict()
    assert set(data) == {"user", "tokens"}
    assert isinstance(data["user"]["created_at"], str)  # JSON form, as in the HTTP API
    json.dumps(data)
    with pytest.raises(AttributeError):
        reg.user.handle = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        reg.user.no_such_field
    assert reg.tokens.access_token not in repr(reg)  # secrets stay out of reprs
    assert "handle=" in repr(reg.user)


def test_refresh_rotates_and_reuse_revokes_the_session(mart: agentmart.Agentmart) -> None:
    reg = mart.auth.register(unique_email(), PASSWORD)
    first = reg.tokens
    second = mart.auth.refresh(first.refresh_token, ip="203.0.113.7")
    assert second.refresh_token != first.refresh_token
    with pytest.raises(agentmart.TokenReused) as info:
        mart.auth.refresh(first.refresh_token, ip="203.0.113.7")
    assert info.value.code == "token_reused"
    # The whole session is gone: the rotated token fails too.
    with pytest.raises(agentmart.Unauthenticated):
        mart.auth.refresh(second.refresh_token, ip="203.0.113.7")


@pytest.mark.parametrize("client", [{}, {"user_agent": "pytest"}, {"ip": "  ", "client_key": ""}])
def test_login_refresh_and_reset_refuse_an_unknown_client(mart: agentmart.Agentmart, client: Dict[str, str]) -> None:
    # Throttling keys clients by `ip` or `client_key`: without either, the
    # call fails closed before any work (issue 10 item 2).
    email = unique_email()
    reg = mart.auth.register(email, PASSWORD)
    calls = [
        lambda: mart.auth.login(email, PASSWORD, **client),
        lambda: mart.auth.refresh(reg.tokens.refresh_token, **client),
        lambda: mart.auth.request_password_reset(email, **client),
    ]
    for call in calls:
        with pytest.raises(agentmart.ValidationError) as info:
            call()
        assert info.value.code == "validation_failed"
        assert [(e.field, e.code) for e in info.value.errors] == [("client", "required")]
    # Nothing was spent: the refresh token still rotates, with a client key alone.
    assert mart.auth.refresh(reg.tokens.refresh_token, client_key="device-42").refresh_token
    assert mart.auth.login(email, PASSWORD, client_key="device-42").access_token


def test_logout_sessions_and_revoke(mart: agentmart.Agentmart) -> None:
    email = unique_email()
    reg = mart.auth.register(email, PASSWORD)
    a = mart.auth.authenticate(reg.tokens.access_token)
    other = mart.auth.login(email, PASSWORD, user_agent="phone", ip="203.0.113.7")
    sessions = mart.auth.sessions(a)
    assert len(sessions) == 2
    assert all(isinstance(s, agentmart.SessionInfo) for s in sessions)
    assert [s.current for s in sessions].count(True) == 1
    phone = next(s for s in sessions if not s.current)
    assert phone.user_agent == "phone"
    mart.auth.revoke_session(a, phone.id)
    with pytest.raises(agentmart.TokenInvalid):
        mart.auth.authenticate(other.access_token)
    mart.auth.logout(a)
    with pytest.raises(agentmart.TokenInvalid):
        mart.auth.authenticate(reg.tokens.access_token)
    b = mart.auth.authenticate(mart.auth.login(email, PASSWORD, ip="203.0.113.7").access_token)
    c_tokens = mart.auth.login(email, PASSWORD, ip="203.0.113.7")
    mart.auth.logout_all(b)
    with pytest.raises(agentmart.TokenInvalid):
        mart.auth.authenticate(c_tokens.access_token)


def test_bad_password_and_unknown_email_are_the_same_error(mart: agentmart.Agentmart) -> None:
    email = unique_email()
    mart.auth.register(email, PASSWORD)
    for e, p in [(email, "wrong password here"), (unique_email(), PASSWORD)]:
        with pytest.raises(agentmart.InvalidCredentials) as info:
            mart.auth.login(e, p, ip="203.0.113.7")
        assert info.value.code == "invalid_credentials"
        assert isinstance(info.value, agentmart.Unauthenticated)


def test_update_profile_sets_and_clears(mart: agentmart.Agentmart, new_user) -> None:  # type: ignore[no-untyped-def]
    me = new_user()
    p = mart.auth.update_profile(me, display_name="Grace", bio="Admiral")
    assert (p.display_name, p.bio) == ("Grace", "Admiral")
    p = mart.auth.update_profile(me, bio=None)  # None clears
    assert p.bio is None and p.display_name == "Grace"
    p = mart.auth.update_profile(me, handle="grace-h")
    assert p.handle == "grace-h"
    with pytest.raises(agentmart.ValidationError):
        mart.auth.update_profile(me, handle="no spaces allowed")
    with pytest.raises(agentmart.MalformedRequest):
        mart.auth.update_profile(me, display_name=42)


def test_change_password(mart: agentmart.Agentmart) -> None:
    email = unique_email()
    reg = mart.auth.register(email, PASSWORD)
    me = mart.auth.authenticate(reg.tokens.access_token)
    with pytest.raises(agentmart.InvalidCredentials):
        mart.auth.change_password(me, "not my password", "another good passphrase")
    mart.auth.change_password(me, PASSWORD, "another good passphrase")
    mart.auth.login(email, "another good passphrase", ip="203.0.113.7")
    with pytest.raises(agentmart.InvalidCredentials):
        mart.auth.login(email, PASSWORD, ip="203.0.113.7")


def test_password_reset_through_the_notifier(mart: agentmart.Agentmart, mailbox: Mailbox) -> None:
    email = unique_email()
    mart.auth.register(email, PASSWORD)
    mart.auth.request_password_reset(email, ip="203.0.113.7")
    mart.auth.request_password_reset(unique_email(), ip="203.0.113.7")  # unknown: silently nothing
    message = mailbox.last(email, "password_reset")
    assert isinstance(message, agentmart.Message)
    assert message.token in message.link
    mart.auth.reset_password(message.token, "a brand new passphrase")
    mart.auth.login(email, "a brand new passphrase", ip="203.0.113.7")
    with pytest.raises(agentmart.AgentmartError) as info:
        mart.auth.reset_password(message.token, "yet another passphrase")  # single use
    assert info.value.code in ("token_invalid", "token_expired")


def test_email_verification(mart: agentmart.Agentmart, mailbox: Mailbox) -> None:
    email = unique_email()
    reg = mart.auth.register(email, PASSWORD)
    me = mart.auth.authenticate(reg.tokens.access_token)
    assert not mart.auth.profile(me).email_verified
    mart.auth.request_email_verification(me)
    mart.auth.verify_email(mailbox.last(email, "email_verification").token)
    assert mart.auth.profile(me).email_verified


def test_notifier_exception_fails_the_call_cleanly() -> None:
    def broken(_message: agentmart.Message) -> None:
        raise RuntimeError("smtp down")

    from conftest import FAST, SECRET

    with agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST, notifier=broken) as m:
        email = unique_email()
        m.auth.register(email, PASSWORD)
        try:
            m.auth.request_password_reset(email, ip="203.0.113.7")
        except agentmart.AgentmartError:
            pass  # the core may report the delivery failure; it must be an AgentmartError
    with pytest.raises(TypeError):
        agentmart.Agentmart.open("memory:", jwt_secret=SECRET, notifier=42)


def test_delete_account(mart: agentmart.Agentmart) -> None:
    email = unique_email()
    reg = mart.auth.register(email, PASSWORD)
    me = mart.auth.authenticate(reg.tokens.access_token)
    with pytest.raises(agentmart.InvalidCredentials):
        mart.auth.delete_account(me, "wrong password!")
    mart.auth.delete_account(me, PASSWORD)
    with pytest.raises(agentmart.InvalidCredentials):
        mart.auth.login(email, PASSWORD, ip="203.0.113.7")
    mart.auth.register(email, PASSWORD)  # the email is free again


def test_bring_your_own_identity(mart: agentmart.Agentmart) -> None:
    p = mart.auth.principal_for_external("sso|42", handle="sso-user", display_name="SSO", email="sso@example.com")
    assert p.session_id is None
    again = mart.auth.principal_for_external("sso|42")
    assert again.user_id == p.user_id
    assert mart.auth.principal_for_user(p.user_id) == p
    assert mart.auth.profile(p).handle == "sso-user"
    with pytest.raises(agentmart.MalformedRequest):
        mart.auth.principal_for_user("not-a-uuid")
    with pytest.raises(agentmart.NotFound):
        mart.auth.principal_for_user("01a20b75-c9f5-7124-b182-cf5b6c92195c")


def test_jwks_and_my_audit(mart: agentmart.Agentmart) -> None:
    assert isinstance(mart.auth.jwks(), dict)
    email = unique_email()
    reg = mart.auth.register(email, PASSWORD)
    me = mart.auth.authenticate(reg.tokens.access_token)
    mart.auth.update_profile(me, bio="hi")
    page = mart.auth.my_audit(me, limit=1)
    assert isinstance(page, agentmart.Page)
    assert len(page.items) == 1 and page.next_cursor
    assert isinstance(page.items[0], agentmart.AuditRecord)
    assert isinstance(page.items[0].at, datetime.datetime)
    rest = mart.auth.my_audit(me, cursor=page.next_cursor)
    actions = [r.action for r in page.items + rest.items]
    assert "user.registered" in actions and "user.profile_updated" in actions
    assert page.to_dict()["next_cursor"] == page.next_cursor
