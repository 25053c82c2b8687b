-- One-time tokens of a third kind: email-change confirmations (additive).
ALTER TABLE one_time_tokens DROP CONSTRAINT IF EXISTS one_time_tokens_kind_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_kind_check
    CHECK (kind IN ('password_reset', 'email_verification', 'email_change'));
