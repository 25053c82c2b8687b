-- agentmart schema, SQLite. Times are BIGINT nanoseconds since the Unix epoch (UTC),
-- which round-trip exactly on both backends.

CREATE TABLE users (
    id             BLOB PRIMARY KEY,
    email          TEXT,
    -- Unicode lower-case of the email (computed by the store): uniqueness and lookups are case-insensitive.
    email_key      TEXT,
    email_verified INTEGER NOT NULL,
    handle         TEXT NOT NULL,
    display_name   TEXT,
    bio            TEXT,
    avatar_url     TEXT,
    role           TEXT NOT NULL CHECK (role IN ('user', 'admin')),
    disabled       INTEGER NOT NULL,
    password_hash  TEXT,
    external_id    TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email_key);
CREATE UNIQUE INDEX users_handle_key ON users (handle);
CREATE UNIQUE INDEX users_external_id_key ON users (external_id);

-- Sessions outlive their user's row (revoked) so that the history stays readable.
CREATE TABLE sessions (
    id           BLOB PRIMARY KEY,
    user_id      BLOB NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    user_agent   TEXT,
    ip           TEXT,
    revoked_at   BIGINT
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC);

CREATE TABLE refresh_tokens (
    hash       BLOB PRIMARY KEY,
    session_id BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    current    INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE one_time_tokens (
    hash       BLOB PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('password_reset', 'email_verification')),
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, kind);

CREATE TABLE counters (
    key               TEXT PRIMARY KEY,
    count             BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    last_hit_at       BIGINT NOT NULL
);

-- Agents keep their owner id after the owner's account is deleted (soft-deleted
-- agents keep their slug reserved), so owner_id has no foreign key.
CREATE TABLE agents (
    seq            INTEGER PRIMARY KEY,
    id             BLOB NOT NULL,
    owner_id       BLOB NOT NULL,
    slug           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'listed', 'unlisted', 'deprecated', 'deleted')),
    status_message TEXT,
    latest_version TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    published_at   BIGINT,
    install_count  BIGINT NOT NULL DEFAULT 0 CHECK (install_count >= 0),
    rating_count   BIGINT NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum     BIGINT NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    stars_1        BIGINT NOT NULL DEFAULT 0,
    stars_2        BIGINT NOT NULL DEFAULT 0,
    stars_3        BIGINT NOT NULL DEFAULT 0,
    stars_4        BIGINT NOT NULL DEFAULT 0,
    stars_5        BIGINT NOT NULL DEFAULT 0,
    usage_events   BIGINT NOT NULL DEFAULT 0,
    trending       REAL NOT NULL DEFAULT 0,
    -- Derived sort columns, kept in the transactions that change their inputs.
    damped_rating  REAL NOT NULL,
    in_catalog     INTEGER NOT NULL DEFAULT 0,
    deprecated     INTEGER NOT NULL DEFAULT 0,
    -- Descending sort keys as ascending columns, so that keyset row comparisons use the index on both databases.
    neg_installs   INTEGER GENERATED ALWAYS AS (-install_count) VIRTUAL,
    neg_rating     REAL GENERATED ALWAYS AS (-damped_rating) VIRTUAL,
    neg_published  INTEGER GENERATED ALWAYS AS (-published_at) VIRTUAL,
    neg_trending   REAL GENERATED ALWAYS AS (-trending) VIRTUAL,
    lower_name     TEXT,
    category       TEXT,
    definition     TEXT
);
CREATE UNIQUE INDEX agents_id_key ON agents (id);
CREATE UNIQUE INDEX agents_owner_slug_key ON agents (owner_id, slug);
CREATE INDEX agents_owner_idx ON agents (owner_id, created_at DESC);
-- One index per catalogue sort; the keyset condition is a row comparison on the same columns.
CREATE INDEX agents_popular_idx ON agents (deprecated, neg_installs, id) WHERE in_catalog;
CREATE INDEX agents_rating_idx ON agents (deprecated, neg_rating, id) WHERE in_catalog;
CREATE INDEX agents_newest_idx ON agents (deprecated, neg_published, id) WHERE in_catalog;
CREATE INDEX agents_trending_idx ON agents (deprecated, neg_trending, id) WHERE in_catalog;
CREATE INDEX agents_name_idx ON agents (deprecated, lower_name, id) WHERE in_catalog;
CREATE INDEX agents_category_idx ON agents (category) WHERE in_catalog;
-- Full-text index of catalogue agents; rowid = agents.seq. Columns are the four
-- weight groups of agentmart_core::text::searchable_text, already split into words by core.
CREATE VIRTUAL TABLE agent_fts USING fts5(name, high, skills, low, tokenize = 'unicode61 remove_diacritics 0');

CREATE TABLE drafts (
    agent_id   BLOB PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    definition TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE agent_versions (
    agent_id     BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    version      TEXT NOT NULL,
    definition   TEXT NOT NULL,
    changelog    TEXT,
    published_at BIGINT NOT NULL,
    published_by BLOB NOT NULL,
    CONSTRAINT agent_versions_agent_version_key PRIMARY KEY (agent_id, version)
);

-- Filters of the catalogue, from the latest published definition.
CREATE TABLE catalog_tags (
    agent_id BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tag      TEXT NOT NULL,
    PRIMARY KEY (tag, agent_id)
);
CREATE INDEX catalog_tags_agent_idx ON catalog_tags (agent_id);
CREATE TABLE catalog_modes (
    agent_id  BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    mode      TEXT NOT NULL,
    PRIMARY KEY (direction, mode, agent_id)
);
CREATE INDEX catalog_modes_agent_idx ON catalog_modes (agent_id);

CREATE TABLE installs (
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agent_id       BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    pinned_version TEXT,
    installed_at   BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (user_id, agent_id)
);
CREATE INDEX installs_user_recent_idx ON installs (user_id, (-installed_at), agent_id);
CREATE INDEX installs_agent_idx ON installs (agent_id);

CREATE TABLE reviews (
    id         BLOB PRIMARY KEY,
    agent_id   BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stars      INTEGER NOT NULL CONSTRAINT reviews_stars_check CHECK (stars BETWEEN 1 AND 5),
    title      TEXT,
    body       TEXT,
    version    TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reviews_agent_user_key ON reviews (agent_id, user_id);
CREATE INDEX reviews_newest_idx ON reviews (agent_id, (-updated_at), id);
CREATE INDEX reviews_stars_idx ON reviews (agent_id, (-stars), (-updated_at), id);
CREATE INDEX reviews_user_idx ON reviews (user_id);

CREATE TABLE usage_days (
    agent_id BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    day      TEXT NOT NULL,
    events   BIGINT NOT NULL,
    units    BIGINT NOT NULL,
    users    BIGINT NOT NULL,
    PRIMARY KEY (agent_id, day)
);
CREATE TABLE usage_users (
    agent_id BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    day      TEXT NOT NULL,
    user_id  BLOB NOT NULL,
    PRIMARY KEY (agent_id, day, user_id)
);

-- The audit trail outlives users and agents: no foreign keys.
CREATE TABLE audit (
    id      BLOB PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   BLOB,
    subject BLOB,
    action  TEXT NOT NULL,
    target  TEXT,
    ip      TEXT,
    details TEXT NOT NULL
);
CREATE INDEX audit_subject_idx ON audit (subject, id);
CREATE INDEX audit_actor_idx ON audit (actor, id);
CREATE INDEX audit_action_idx ON audit (action, id);
CREATE INDEX audit_target_idx ON audit (target, id);
