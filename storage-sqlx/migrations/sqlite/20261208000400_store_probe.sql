-- One row that `ping` rewrites after a write failed for want of disk (full,
-- read-only, I/O error): readiness stays false until a write succeeds again.
CREATE TABLE store_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at BIGINT NOT NULL
);
