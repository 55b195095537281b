-- What a learner tells the ranking: how much each goal matters, what they do not want, and thumbs up or down.

-- A goal with weight 0.5 gets half as many places in the list as a goal with weight 1.
ALTER TABLE goals ADD COLUMN weight DOUBLE NOT NULL DEFAULT 1.0;

-- "Not interested in": topics whose candidates drop out of the learner's recommendations.
CREATE TABLE exclusions (
    learner  VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    text     VARCHAR NOT NULL,
    PRIMARY KEY (learner, position)
);

CREATE TABLE exclusion_embeddings (
    learner  VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    model    VARCHAR NOT NULL,
    text     VARCHAR NOT NULL,
    vector   FLOAT[] NOT NULL,
    PRIMARY KEY (learner, position, model)
);

-- The latest vote of a learner on a community or person; a new vote on the same item replaces it.
CREATE TABLE feedback (
    learner  VARCHAR NOT NULL,
    kind     VARCHAR NOT NULL CHECK (kind IN ('community', 'person')),
    source   VARCHAR NOT NULL,
    key      VARCHAR NOT NULL,
    vote     SMALLINT NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, kind, source, key)
);
