-- The weekly digest: one row per learner and ISO week, written before the message goes out (status 'sending')
-- and updated after, so a re-run never sends a week twice and a crash in between is seen by the next run.
CREATE TABLE digests (
    learner    VARCHAR NOT NULL,
    week       VARCHAR NOT NULL,  -- ISO week, '2026-W48'
    email      VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    status     VARCHAR NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'uncertain')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, week)
);

-- The communities and people a digest recommended: the next digests leave them out unless they changed.
CREATE TABLE digest_items (
    learner VARCHAR NOT NULL,
    week    VARCHAR NOT NULL,
    kind    VARCHAR NOT NULL CHECK (kind IN ('community', 'person')),
    source  VARCHAR NOT NULL,
    key     VARCHAR NOT NULL,
    goal    VARCHAR NOT NULL,
    score   DOUBLE NOT NULL,
    PRIMARY KEY (learner, week, kind, source, key)
);

-- Learners are subscribed by default: a row here means they asked for no more digests.
CREATE TABLE digest_unsubscribed (
    learner         VARCHAR PRIMARY KEY,
    unsubscribed_at TIMESTAMPTZ NOT NULL
);
