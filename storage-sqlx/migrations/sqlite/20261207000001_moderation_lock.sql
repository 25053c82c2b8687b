-- Issue 10 item 13: an administrator's moderation lock on an agent. Both
-- columns are NULL for agents no administrator moderated (and for every agent
-- stored before this migration); `moderated_at` set means locked.
ALTER TABLE agents ADD COLUMN moderated_at BIGINT;
ALTER TABLE agents ADD COLUMN moderation_reason TEXT;
