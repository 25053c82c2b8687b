"""agentmart.Admin: audit trail, users, moderation."""

from __future__ import annotations

import pytest

import agentmart
from conftest import PASSWORD, publish_agent, unique_email


def test_admin_needs_the_admin_role(mart: agentmart.Agentmart, new_user) -> None:  # type: ignore[no-untyped-def]
    user = new_user()
    with pytest.raises(agentmart.Forbidden) as info:
        mart.admin.audit(user)
    assert info.value.code == "forbidden"


def test_audit_users_and_moderation(mart: agentmart.Agentmart, admin: agentmart.Principal, new_user) -> None:  # type: ignore[no-untyped-def]
    assert admin.is_admin and admin.role == "admin"
    email = unique_email("target")
    reg = mart.auth.register(email, PASSWORD, handle="target")
    target = mart.auth.authenticate(reg.tokens.access_token)

    page = mart.admin.audit(admin, action="user.registered", limit=50)
    assert all(r.action == "user.registered" for r in page.items)
    assert any(r.subject == reg.user.id or r.actor == reg.user.id for r in page.items)
    assert mart.admin.audit(admin, actor=reg.user.id, from_time="2000-01-01T00:00:00Z").items

    disabled = mart.admin.update_user(admin, reg.user.id, disabled=True)
    assert isinstance(disabled, agentmart.Profile)
    with pytest.raises(agentmart.Unauthenticated):
        mart.auth.login(email, PASSWORD, ip="203.0.113.7")
    mart.admin.update_user(admin, reg.user.id, disabled=False)
    promoted = mart.admin.update_user(admin, reg.user.id, role="admin")
    assert promoted.role == "admin"
    with pytest.raises(agentmart.ValidationError):
        mart.admin.update_user(admin, reg.user.id, role="emperor")
    assert mart.admin.set_role_by_email(email, "user").role == "user"

    path = publish_agent(mart, target)
    fan = new_user("fan")
    mart.market.install(fan, path)
    review = mart.market.rate(fan, path, 1, title="spam")
    moderated = mart.admin.moderate_agent(admin, path, "unlisted", status_message="under review")
    assert isinstance(moderated, agentmart.Agent)
    assert (moderated.status, moderated.status_message) == ("unlisted", "under review")
    assert moderated.owner_id == reg.user.id
    mart.admin.delete_review(admin, review.id)
    assert mart.market.reviews(path).items == []
    with pytest.raises(agentmart.NotFound):
        mart.admin.delete_review(admin, review.id)
