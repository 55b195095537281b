-- Targets pln collects from, what they yielded, and who follows what.
CREATE TABLE targets (
    source          VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,
    title           VARCHAR NOT NULL DEFAULT '',
    description     VARCHAR NOT NULL DEFAULT '',
    category        VARCHAR NOT NULL DEFAULT '',
    discovered      BOOLEAN NOT NULL DEFAULT false,
    added_at        TIMESTAMPTZ NOT NULL,
    cursor          JSON,
    last_fetched_at TIMESTAMPTZ,
    last_status     VARCHAR,
    last_error      VARCHAR,
    failures        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, target)
);

CREATE TABLE communities (
    source      VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    url         VARCHAR NOT NULL DEFAULT '',
    description VARCHAR NOT NULL DEFAULT '',
    size        BIGINT,
    category    VARCHAR NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE people (
    source      VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    url         VARCHAR NOT NULL DEFAULT '',
    description VARCHAR NOT NULL DEFAULT '',
    followers   BIGINT,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE posts (
    source        VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    community     VARCHAR NOT NULL,
    author        VARCHAR NOT NULL DEFAULT '',
    title         VARCHAR NOT NULL DEFAULT '',
    text          VARCHAR NOT NULL DEFAULT '',
    url           VARCHAR NOT NULL DEFAULT '',
    published_at  TIMESTAMPTZ,
    fetched_at    TIMESTAMPTZ NOT NULL,
    metrics       JSON,
    lang          VARCHAR,
    content_hash  VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, source_id)
);

-- Vectors are variable-length lists so any local sentence-transformers model fits, whatever its width.
CREATE TABLE embeddings (
    source       VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    model        VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    vector       FLOAT[] NOT NULL,
    embedded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, source_id, model)
);

CREATE TABLE learners (
    name       VARCHAR PRIMARY KEY,
    email      VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE goals (
    learner  VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    text     VARCHAR NOT NULL,
    PRIMARY KEY (learner, position)
);

CREATE TABLE goal_embeddings (
    learner  VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    model    VARCHAR NOT NULL,
    text     VARCHAR NOT NULL,
    vector   FLOAT[] NOT NULL,
    PRIMARY KEY (learner, position, model)
);

CREATE TABLE follows (
    learner   VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    community VARCHAR NOT NULL,
    since     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, source, community)
);

-- Each scheduled recommend run keeps what it told every learner, for digests and feedback.
CREATE TABLE recommendations (
    learner   VARCHAR NOT NULL,
    run_at    TIMESTAMPTZ NOT NULL,
    as_of     TIMESTAMPTZ NOT NULL,
    rank      INTEGER NOT NULL,
    kind      VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    key       VARCHAR NOT NULL,
    name      VARCHAR NOT NULL,
    url       VARCHAR NOT NULL,
    score     DOUBLE NOT NULL,
    goal      VARCHAR NOT NULL,
    reasons   JSON NOT NULL,
    evidence  JSON NOT NULL,
    PRIMARY KEY (learner, run_at, kind, rank)
);
