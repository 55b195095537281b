-- Reddit, X and LinkedIn: what their records carry beyond a feed's, what X reads cost, and the learner's network.
ALTER TABLE communities ADD COLUMN created_at TIMESTAMPTZ;
ALTER TABLE people ADD COLUMN links JSON;
ALTER TABLE people ADD COLUMN metrics JSON;
-- The goal whose search found a discovered target, so a learner can see why pln started reading it.
ALTER TABLE targets ADD COLUMN discovered_from VARCHAR;

-- Every paid API read, so per-run and per-month budgets hold across processes and crashes.
CREATE TABLE api_reads (
    source VARCHAR NOT NULL,
    read_at TIMESTAMPTZ NOT NULL,
    reads   INTEGER NOT NULL
);

-- Who and what is already in a learner's own network (connections, followed companies, members, hashtags).
CREATE TABLE network (
    learner     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    url         VARCHAR NOT NULL DEFAULT '',
    detail      JSON,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, kind, key)
);

-- What a learner's export says they know or studied (skills, courses, positions): the ground for suggested goals.
CREATE TABLE learner_facts (
    learner     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    detail      JSON,
    dated       DATE,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, kind, text)
);
