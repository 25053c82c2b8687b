-- Handles of deleted accounts: nobody else may take them (additive).
CREATE TABLE retired_handles (
    handle     TEXT PRIMARY KEY,
    user_id    UUID NOT NULL,
    retired_at BIGINT NOT NULL
);
