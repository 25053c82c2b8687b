//! Creating agents and editing, reading and previewing their drafts.

use super::{
    AgentDraftView, AgentsService, CreateAgent, DraftPatch, MyAgent, Preview, PreviewRequest, card, chat, chat_request,
    deleted_conflict, normalize_definition, validate_definition, validate_preview_input, validate_slug,
};
#[cfg(doc)]
use super::{DEFAULT_MODEL, PLACEHOLDER_INPUT};
use crate::error::{Error, FieldError, Result};
use crate::ids::AgentId;
use crate::limits::Write;
use crate::model::{Agent, AgentRef, AgentStatus, Draft, Principal, actions};

impl AgentsService {
    /// Creates an agent in status `draft`, owned by the principal, with the
    /// given definition as its draft (`POST /v1/agents`, 201).
    ///
    /// Single-line fields are trimmed first ([`normalize_definition`]). Errors:
    /// `validation_failed` listing every bad field (the slug and any limit of
    /// [`validate_definition`] with `for_publish = false`), `slug_taken` when the
    /// principal already has an agent with this slug (deleted ones included),
    /// `forbidden` for a disabled account.
    pub async fn create(&self, principal: &Principal, request: CreateAgent) -> Result<AgentDraftView> {
        let owner = self.inner.active_user(principal).await?;
        let CreateAgent { slug, mut definition } = request;
        normalize_definition(&mut definition);
        let mut errors = validate_slug(&slug);
        errors.extend(validate_definition(&definition, false));
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        self.inner.count_write(owner.id, Write::AgentCreate).await?;
        let now = self.inner.now();
        let agent = Agent {
            id: AgentId::new(),
            owner_id: owner.id,
            slug,
            status: AgentStatus::Draft,
            status_message: None,
            latest_version: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            moderation: None,
        };
        let draft = Draft { agent_id: agent.id, definition, updated_at: now };
        let audit = self
            .agent_audit(actions::AGENT_CREATED, principal, &agent)
            .details(serde_json::json!({ "slug": agent.slug }));
        self.inner.store.create_agent(&agent, &draft, &audit).await?;
        Ok(Self::draft_view(&owner, &agent, draft))
    }

    /// The principal's agents, drafts and deleted ones included, newest first
    /// (`GET /v1/me/agents`). `name` is the draft's.
    pub async fn my_agents(&self, principal: &Principal) -> Result<Vec<MyAgent>> {
        let owner = self.inner.active_user(principal).await?;
        let agents = self.inner.store.list_owner_agents(owner.id).await?;
        let mut out = Vec::with_capacity(agents.len());
        for agent in agents {
            let name = self.inner.store.get_draft(agent.id).await?.definition.name;
            out.push(Self::my_agent(&owner.handle, agent, name));
        }
        Ok(out)
    }

    /// The agent's draft (`GET …/draft`), for its owner and admins; `not_found`
    /// for anyone else. Deleted agents' drafts stay readable.
    pub async fn draft(&self, principal: &Principal, agent: &AgentRef) -> Result<AgentDraftView> {
        let (owner, found) = self.managed(principal, agent, true).await?;
        let draft = self.inner.store.get_draft(found.id).await?;
        Ok(Self::draft_view(&owner, &found, draft))
    }

    /// Edits the draft (`PATCH …/draft`); owner only (`forbidden` for admins,
    /// `not_found` for others), `conflict` for a deleted agent. The edited
    /// draft must pass [`validate_definition`] with `for_publish = false`,
    /// else `validation_failed` and nothing changes. Published versions are
    /// never affected. A patch that changes nothing writes nothing.
    pub async fn update_draft(
        &self,
        principal: &Principal,
        agent: &AgentRef,
        patch: DraftPatch,
    ) -> Result<AgentDraftView> {
        let (owner, found) = self.managed(principal, agent, false).await?;
        if found.status == AgentStatus::Deleted {
            return Err(deleted_conflict());
        }
        let current = self.inner.store.get_draft(found.id).await?;
        let mut definition = current.definition.clone();
        let fields = patch.apply(&mut definition);
        normalize_definition(&mut definition);
        let errors = validate_definition(&definition, false);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        if definition == current.definition {
            return Ok(Self::draft_view(&owner, &found, current));
        }
        self.inner.count_write(principal.user_id, Write::DraftUpdate).await?;
        let audit = self
            .agent_audit(actions::AGENT_DRAFT_UPDATED, principal, &found)
            .details(serde_json::json!({ "fields": fields }));
        let draft = self.inner.store.update_draft(found.id, &definition, self.inner.now(), &audit).await?;
        Ok(Self::draft_view(&owner, &found, draft))
    }

    /// Previews the draft (`POST …/preview`) for its owner and admins: its A2A
    /// card, the exact chat request it would send for the input (see
    /// [`chat_request`]; the input defaults to the first conversation starter,
    /// then [`PLACEHOLDER_INPUT`]; the model to [`DEFAULT_MODEL`]), and the
    /// publish-readiness warnings. With a [`crate::ModelProvider`] configured,
    /// the request is sent and the answer included; a provider failure becomes
    /// a `model_response` warning with code `provider_error`, not an error.
    /// Previewing changes nothing and writes no audit record; it also works on
    /// a deleted agent's draft. `validation_failed` when `input` is over 32000
    /// characters.
    pub async fn preview(&self, principal: &Principal, agent: &AgentRef, request: PreviewRequest) -> Result<Preview> {
        let errors = request.input.as_deref().map(validate_preview_input).unwrap_or_default();
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let (owner, found) = self.managed(principal, agent, true).await?;
        self.inner.count_write(principal.user_id, Write::Preview).await?;
        let definition = self.inner.store.get_draft(found.id).await?.definition;
        let input = chat::sample_input(&definition, request.input.as_deref());
        let chat_request = chat_request(&found.slug, &definition, &input);
        let card =
            card::build_card(&self.inner.config.public_base_url, &owner, &found.slug, "draft".into(), &definition);
        let mut warnings = validate_definition(&definition, true);
        let mut model_response = None;
        if let Some(provider) = &self.inner.model_provider {
            match provider.complete(&chat_request).await {
                Ok(answer) => model_response = Some(answer),
                Err(err) => {
                    tracing::warn!(agent = %found.id, error = %err, "model provider failed during preview");
                    let text: String = err.to_string().chars().take(500).collect();
                    warnings.push(FieldError::new(
                        "model_response",
                        "provider_error",
                        format!("the model provider failed: {text}"),
                    ));
                }
            }
        }
        Ok(Preview { card, chat_request, warnings, model_response })
    }
}
