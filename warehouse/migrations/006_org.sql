-- The organisation's own learning network: colleagues who, with their consent, shared their public LinkedIn profile.
-- Every table about a member names them in a `member` column: removing a member deletes from every such table,
-- found from the schema, so a table added later cannot keep what a removed member left.
CREATE TABLE members (
    member    VARCHAR PRIMARY KEY,
    email     VARCHAR NOT NULL DEFAULT '',
    team      VARCHAR NOT NULL DEFAULT '',
    location  VARCHAR NOT NULL DEFAULT '',
    joined_at TIMESTAMPTZ NOT NULL
);

-- What a member's public profile shows they know: their posts and comments, skills, courses completed, positions.
CREATE TABLE member_expertise (
    member VARCHAR NOT NULL,
    item   INTEGER NOT NULL,
    kind   VARCHAR NOT NULL CHECK (kind IN ('post', 'skill', 'course', 'position')),
    title  VARCHAR NOT NULL,
    text   VARCHAR NOT NULL DEFAULT '',
    url    VARCHAR NOT NULL DEFAULT '',
    dated  DATE,
    PRIMARY KEY (member, item)
);

-- A re-added member's items are all replaced, vectors with them, so no content hash is needed to spot stale ones.
CREATE TABLE member_expertise_embeddings (
    member VARCHAR NOT NULL,
    item   INTEGER NOT NULL,
    model  VARCHAR NOT NULL,
    vector FLOAT[] NOT NULL,
    PRIMARY KEY (member, item, model)
);
