"""agentmart.Agents: the builder."""

from __future__ import annotations

import pytest

import agentmart
from conftest import AGENT, publish_agent


def test_draft_lifecycle(mart: agentmart.Agentmart, new_user) -> None:  # type: ignore[no-untyped-def]
    me = new_user("builder")
    draft = mart.agents.create(me, "writer", name="Writer")
    assert isinstance(draft, agentmart.AgentDraft)
    assert (draft.owner, draft.slug, draft.status) == ("builder", "writer", "draft")
    # Incomplete drafts are allowed; what blocks publishing shows as warnings.
    assert draft.warnings and all(isinstance(w, agentmart.FieldError) for w in draft.warnings)
    with pytest.raises(agentmart.ValidationError):
        mart.agents.publish(me, "builder/writer", "1.0.0")

    draft = mart.agents.update_draft(
        me,
        "builder/writer",
        system_prompt="You write.",
        input_modes=["text/plain"],
        output_modes=["text/plain"],
        model={"name": "gpt-test", "temperature": 0.5},
    )
    assert draft.warnings == []
    assert isinstance(draft.model, agentmart.ModelSettings) and draft.model.temperature == 0.5
    draft = mart.agents.update_draft(me, "builder/writer", model=None)  # None clears
    assert draft.model is None
    assert mart.agents.draft(me, "builder/writer").system_prompt == "You write."

    preview = mart.agents.preview(me, "builder/writer", input="hello")
    assert isinstance(preview, agentmart.Preview)
    assert isinstance(preview.card, agentmart.AgentCard)
    assert preview.chat_request.messages[-1].content == "hello"
    assert preview.model_response is None

    v = mart.agents.publish(me, "builder/writer", "1.0.0", changelog="first")
    assert isinstance(v, agentmart.AgentVersionView)
    assert v.version == "1.0.0" and v.changelog == "first"
    with pytest.raises(agentmart.VersionExists) as info:
        mart.agents.publish(me, "builder/writer", "1.0.0")
    assert isinstance(info.value, agentmart.Conflict)
    mart.agents.update_draft(me, "builder/writer", tagline="Writes")
    mart.agents.publish(me, "builder/writer", "1.1.0")
    versions = mart.agents.versions("builder/writer")
    assert [x.version for x in versions] == ["1.1.0", "1.0.0"]
    assert versions[0].system_prompt is None  # anonymous viewers never see the prompt
    assert mart.agents.versions("builder/writer", viewer=me)[0].system_prompt == "You write."
    assert mart.agents.version("builder/writer", "1.0.0").tagline == ""

    card = mart.agents.card("builder/writer")
    assert card.version == "1.1.0" and card.name == "Writer"
    assert mart.agents.card("builder/writer", version="1.0.0").version == "1.0.0"

    mine = mart.agents.my_agents(me)
    assert [(a.slug, a.status, a.latest_version) for a in mine] == [("writer", "listed", "1.1.0")]


def test_status_delete_and_installed_definition(mart: agentmart.Agentmart, new_user) -> None:  # type: ignore[no-untyped-def]
    owner = new_user("owner")
    fan = new_user("fan")
    path = publish_agent(mart, owner)
    mart.market.install(fan, path)
    changed = mart.agents.set_status(owner, path, "deprecated", status_message="use v2")
    assert isinstance(changed, agentmart.MyAgent)
    assert (changed.status, changed.status_message) == ("deprecated", "use v2")
    with pytest.raises(agentmart.MalformedRequest):
        mart.agents.set_status(owner, path, "sparkly")
    mart.agents.delete(owner, path)
    installed = mart.agents.installed_definition(fan, path)
    assert isinstance(installed, agentmart.AgentVersion)
    assert isinstance(installed.definition, agentmart.AgentDefinition)
    assert installed.definition.name == AGENT["name"]
    assert isinstance(installed.definition.skills[0], agentmart.Skill)


def test_visibility_and_ownership(mart: agentmart.Agentmart, new_user) -> None:  # type: ignore[no-untyped-def]
    owner = new_user("alice")
    other = new_user("mallory")
    mart.agents.create(owner, "secret", name="Secret")
    with pytest.raises(agentmart.NotFound):
        mart.agents.draft(other, "alice/secret")
    with pytest.raises(agentmart.NotFound):
        mart.agents.card("alice/secret")
    with pytest.raises(agentmart.SlugTaken):
        mart.agents.create(owner, "secret", name="Again")
    with pytest.raises(agentmart.ValidationError) as info:
        mart.agents.create(owner, "Bad Slug!", name="x")
    assert any(e.field == "slug" for e in info.value.errors)
    with pytest.raises(agentmart.MalformedRequest):
        mart.agents.draft(owner, "no-slash")
