//! Publishing immutable versions and reading them (versions, A2A cards).

use super::{
    AgentCard, AgentsService, PublishRequest, VersionView, card, deleted_conflict, non_blank, not_found,
    parse_publish_version, validate_changelog, validate_definition,
};
use serde::Serialize;

use crate::common::page_limit;
use crate::error::{Error, Result};
use crate::ids::AgentId;
use crate::limits::Write;
use crate::model::{AgentRef, AgentStatus, AgentVersion, Page, PageRequest, Principal, actions};
use crate::storage::{ConflictKind, PublishVersion, StorageError};

/// Everything a version-list cursor is bound to.
#[derive(Serialize)]
struct VersionsScope {
    list: &'static str,
    agent: AgentId,
}

impl AgentsService {
    /// Checks `version` may follow `latest`: `version_exists` when it was
    /// published already, `validation_failed` (`version` / `not_increasing`)
    /// when it is not above the latest.
    async fn check_rising(
        &self,
        id: AgentId,
        version: &semver::Version,
        latest: Option<&semver::Version>,
    ) -> Result<()> {
        match latest {
            Some(latest) if version <= latest => {
                if version == latest || self.inner.store.get_version(id, version).await?.is_some() {
                    Err(Error::VersionExists)
                } else {
                    Err(Error::invalid(
                        "version",
                        "not_increasing",
                        format!("version must be greater than the latest published version {latest}"),
                    ))
                }
            }
            _ => Ok(()),
        }
    }

    /// Publishes the draft as an immutable version (`POST …/versions`, 201);
    /// owner only (`forbidden` for admins, `not_found` for others), `conflict`
    /// for a deleted agent.
    ///
    /// The request and the draft are checked together and every failure is
    /// reported at once (`validation_failed`): `version` must be strict semver
    /// without build metadata (`invalid_format`), `changelog` ≤ 2000
    /// characters, and the draft must pass [`validate_definition`] with
    /// `for_publish = true`. The version must then be strictly greater than the
    /// latest (`version_exists` when it was published before, else
    /// `validation_failed` on `version` with code `not_increasing`).
    ///
    /// The store publishes only if the latest version is still the one read
    /// (compare-and-set). When a concurrent publish won, the latest is read
    /// again and the rule re-checked once before retrying; a second lost race
    /// answers `conflict` (retryable by the caller). Nothing can change a
    /// version once published; later draft edits only affect later versions.
    pub async fn publish(
        &self,
        principal: &Principal,
        agent: &AgentRef,
        request: PublishRequest,
    ) -> Result<VersionView> {
        let (owner, found) = self.managed(principal, agent, false).await?;
        if found.status == AgentStatus::Deleted {
            return Err(deleted_conflict());
        }
        let draft = self.inner.store.get_draft(found.id).await?;
        let mut errors = Vec::new();
        let version = match parse_publish_version(&request.version) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let changelog = non_blank(request.changelog);
        if let Some(changelog) = &changelog {
            errors.extend(validate_changelog(changelog));
        }
        errors.extend(validate_definition(&draft.definition, true));
        let version = match version {
            Some(v) if errors.is_empty() => v,
            _ => return Err(Error::Validation(errors)),
        };

        let mut expected_latest = found.latest_version.clone();
        let mut retried = false;
        loop {
            self.check_rising(found.id, &version, expected_latest.as_ref()).await?;
            if !retried {
                // Counted once per call, when it is about to write.
                self.inner.count_write(principal.user_id, Write::Publish).await?;
            }
            let now = self.inner.now();
            let record = AgentVersion {
                agent_id: found.id,
                version: version.clone(),
                definition: draft.definition.clone(),
                changelog: changelog.clone(),
                published_at: now,
                published_by: principal.user_id,
            };
            let audit = self
                .agent_audit(actions::AGENT_PUBLISHED, principal, &found)
                .details(serde_json::json!({ "version": version.to_string() }));
            let request = PublishVersion { version: record.clone(), expected_latest: expected_latest.clone(), audit };
            match self.inner.store.publish_version(&request).await {
                Ok(updated) => return Ok(Self::version_view(&owner, &updated, record, true)),
                Err(StorageError::Conflict(ConflictKind::StaleVersion)) if !retried => {
                    retried = true;
                    let fresh = self.inner.store.get_agent(found.id).await?.ok_or_else(|| not_found(agent))?;
                    if fresh.status == AgentStatus::Deleted {
                        return Err(deleted_conflict());
                    }
                    expected_latest = fresh.latest_version;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Published versions, newest (highest semver) first
    /// (`GET …/versions`). `not_found` for drafts and deleted agents unless the
    /// viewer is the owner or an admin; the system prompt only for them.
    pub async fn versions(&self, viewer: Option<&Principal>, agent: &AgentRef) -> Result<Vec<VersionView>> {
        let (owner, found, privileged) = self.readable(viewer, agent).await?;
        let versions = self.inner.store.list_versions(found.id).await?;
        Ok(versions.into_iter().map(|v| Self::version_view(&owner, &found, v, privileged)).collect())
    }

    /// One page of the published versions, newest (highest semver) first
    /// (`GET …/versions?limit=&cursor=`), visible as in
    /// [`AgentsService::versions`]. The cursor is the `next_cursor` of the
    /// previous page; a tampered or foreign one is `malformed_request`;
    /// `limit` defaults to 20, at most 100.
    pub async fn versions_page(
        &self,
        viewer: Option<&Principal>,
        agent: &AgentRef,
        page: PageRequest,
    ) -> Result<Page<VersionView>> {
        let limit = page_limit(page.limit)?;
        let (owner, found, privileged) = self.readable(viewer, agent).await?;
        let scope = VersionsScope { list: "versions", agent: found.id };
        let before: Option<String> = match &page.cursor {
            Some(cursor) => Some(self.inner.cursors.decode(&scope, cursor)?),
            None => None,
        };
        let before = before
            .map(|v| semver::Version::parse(&v).map_err(|_| Error::MalformedRequest("invalid cursor".into())))
            .transpose()?;
        let mut versions = self.inner.store.list_versions_page(found.id, before.as_ref(), limit).await?;
        let has_more = versions.len() > limit as usize;
        versions.truncate(limit as usize);
        let next_cursor = match (has_more, versions.last()) {
            (true, Some(last)) => Some(self.inner.cursors.encode(&scope, &last.version.to_string())?),
            _ => None,
        };
        let items = versions.into_iter().map(|v| Self::version_view(&owner, &found, v, privileged)).collect();
        Ok(Page { items, next_cursor })
    }

    /// One published version (`GET …/versions/{version}`), visible as in
    /// [`AgentsService::versions`]. `malformed_request` for a version string
    /// that is not semver or is over 64 characters, `not_found` for one never published.
    pub async fn version(&self, viewer: Option<&Principal>, agent: &AgentRef, version: &str) -> Result<VersionView> {
        let wanted = parse_version_param(version)?;
        let (owner, found, privileged) = self.readable(viewer, agent).await?;
        let stored = self
            .inner
            .store
            .get_version(found.id, &wanted)
            .await?
            .ok_or_else(|| Error::NotFound(format!("version {wanted} of `{agent}`")))?;
        Ok(Self::version_view(&owner, &found, stored, privileged))
    }

    /// The A2A AgentCard of a published version, the latest by default
    /// (`GET …/card`), visible as in [`AgentsService::versions`]. `not_found`
    /// when nothing is published. Never contains the system prompt.
    pub async fn card(&self, viewer: Option<&Principal>, agent: &AgentRef, version: Option<&str>) -> Result<AgentCard> {
        let wanted = version.map(parse_version_param).transpose()?;
        let (owner, found, _) = self.readable(viewer, agent).await?;
        let Some(wanted) = wanted.or_else(|| found.latest_version.clone()) else {
            return Err(Error::NotFound(format!("a published version of `{agent}`")));
        };
        let stored = self
            .inner
            .store
            .get_version(found.id, &wanted)
            .await?
            .ok_or_else(|| Error::NotFound(format!("version {wanted} of `{agent}`")))?;
        Ok(card::build_card(
            &self.inner.config.public_base_url,
            &owner,
            &found.slug,
            stored.version.to_string(),
            &stored.definition,
        ))
    }
}

/// Parses a version given in a path or query: `malformed_request` when not semver.
fn parse_version_param(version: &str) -> Result<semver::Version> {
    match crate::model::Version::parse_field("version", version) {
        Ok(parsed) => Ok(parsed.into_inner()),
        Err(errors) => {
            let why = errors.into_iter().next().map_or_else(String::new, |e| e.message);
            Err(Error::MalformedRequest(format!("`{version}` is not a valid version ({why})")))
        }
    }
}
