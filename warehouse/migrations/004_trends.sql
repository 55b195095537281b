-- Topic history: every trends run keeps each topic's centroid, so next week's run can match its topics to these
-- and keep their ids. Centroids are only comparable within one embedding model, hence the model column.
CREATE TABLE topic_history (
    model          VARCHAR NOT NULL,
    as_of          TIMESTAMPTZ NOT NULL,
    topic_id       INTEGER NOT NULL,
    run_at         TIMESTAMPTZ NOT NULL,
    window_days    INTEGER NOT NULL,
    baseline_days  INTEGER NOT NULL,
    label          VARCHAR NOT NULL,
    terms          JSON NOT NULL,
    status         VARCHAR NOT NULL,
    growth         DOUBLE NOT NULL,
    window_count   INTEGER NOT NULL,
    baseline_count INTEGER NOT NULL,
    centroid       FLOAT[] NOT NULL,
    PRIMARY KEY (model, as_of, topic_id)
);
