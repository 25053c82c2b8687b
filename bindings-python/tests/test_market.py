"""agentmart.Market: catalog, detail, installs, ratings, reviews, usage."""

from __future__ import annotations

import datetime

import pytest

import agentmart
from conftest import publish_agent


def test_list_search_filter_sort_and_pages(mart: agentmart.Agentmart, new_user) -> None:  # type: ignore[no-untyped-def]
    owner = new_user("maker")
    for i, name in enumerate(["Alpha", "Bravo", "Charlie"]):
        publish_agent(mart, owner, f"agent-{i}", name=name, tags=["even" if i % 2 == 0 else "odd"])
    page = mart.market.list(sort="name", limit=2)
    assert isinstance(page, agentmart.Page)
    assert [a.name for a in page.items] == ["Alpha", "Bravo"]
    assert all(isinstance(a, agentmart.AgentListItem) for a in page)
    assert isinstance(page.items[0].rating, agentmart.RatingSummary)
    rest = mart.market.list(sort="name", limit=2, cursor=page.next_cursor)
    assert [a.name for a in rest.items] == ["Charlie"] and rest.next_cursor is None
    assert [a.name for a in mart.market.list(tag="odd").items] == ["Bravo"]
    assert [a.name for a in mart.market.list(q="charlie").items] == ["Charlie"]
    assert len(mart.market.list(owner="maker").items) == 3
    with pytest.raises(agentmart.MalformedRequest):
        mart.market.list(sort="sideways")
    with pytest.raises(agentmart.AgentmartError):
        mart.market.list(cursor="garbage")


def test_install_rate_review_usage(mart: agentmart.Agentmart, new_user) -> None:  # type: ignore[no-untyped-def]
    owner = new_user("owner")
    fan = new_user("fan")
    path = publish_agent(mart, owner)

    with pytest.raises(agentmart.AgentmartError):
        mart.market.rate(fan, path, 5)  # not installed yet
    result = mart.market.install(fan, path)
    assert isinstance(result, agentmart.InstallResult) and result.created
    assert isinstance(result.install, agentmart.InstalledAgent)
    assert mart.market.install(fan, path).created is False  # idempotent
    pinned = mart.market.install(fan, path, version="1.0.0")
    assert pinned.install.pinned_version == "1.0.0"

    installs = mart.market.my_installs(fan)
    assert [i.agent.slug for i in installs.items] == ["helper"]

    review = mart.market.rate(fan, path, 4, title="Nice", body="Works well")
    assert isinstance(review, agentmart.Review)
    assert isinstance(review.user, agentmart.ReviewAuthor) and review.user.handle == "fan"
    with pytest.raises(agentmart.ValidationError):
        mart.market.rate(fan, path, 9)
    with pytest.raises(agentmart.Forbidden):
        mart.market.rate(owner, path, 5)  # not your own agent

    detail = mart.market.detail(path, viewer=fan)
    assert isinstance(detail, agentmart.AgentDetail)
    assert detail.installed is True
    assert detail.install_count == 1
    assert isinstance(detail.rating, agentmart.RatingDetail)
    assert detail.rating.count == 1 and detail.rating.histogram == [0, 0, 0, 1, 0]
    assert isinstance(detail.my_rating, agentmart.Review) and detail.my_rating.stars == 4
    assert mart.market.detail(path).installed is None

    reviews = mart.market.reviews(path, sort="stars")
    assert [r.title for r in reviews.items] == ["Nice"]

    now = datetime.datetime.now(datetime.timezone.utc)
    event = mart.market.record_usage(fan, path, event="run", units=3, occurred_at=now)
    assert isinstance(event, agentmart.UsageEvent) and event.units == 3
    default = mart.market.record_usage(fan, path)
    days = mart.market.usage(owner, path, from_date=now.date() - datetime.timedelta(days=1), to_date=now.date())
    assert [d.date for d in days] == [now.date() - datetime.timedelta(days=1), now.date()]
    day = days[-1]
    assert isinstance(day, agentmart.DailyUsage) and isinstance(day.date, datetime.date)
    assert (day.events, day.units, day.users) == (2, 3 + default.units, 1)
    assert days[0].events == 0
    with pytest.raises(agentmart.AgentmartError):
        mart.market.usage(fan, path)  # only the owner or an admin

    mart.market.delete_rating(fan, path)
    assert mart.market.reviews(path).items == []
    mart.market.uninstall(fan, path)
    assert mart.market.my_installs(fan).items == []
    mart.market.install(fan, path)
    mart.market.uninstall_by_id(fan, detail.id)
    assert mart.market.my_installs(fan).items == []


def test_unknown_agent_is_not_found(mart: agentmart.Agentmart) -> None:
    with pytest.raises(agentmart.NotFound) as info:
        mart.market.detail("nobody/nothing")
    assert info.value.code == "not_found"
