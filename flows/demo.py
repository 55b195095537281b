"""`pln demo`: the whole pipeline, as the scheduled flows run it, on the sample shipped with pln."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from flows.collect import collect_flow
from flows.tracking import add_feeds, import_opml
from flows.learners import add_learner
from flows.recommend import Recommendations, recommend, recommend_flow
from flows.report import Reporter
from models.embedding import Embedder
from warehouse import db

SAMPLE = Path(__file__).resolve().parent / "sample"


@dataclass(frozen=True)
class SampleLearner:
    name: str
    email: str
    goals: tuple[str, ...]
    follows: tuple[Path, ...]
    as_of: datetime


def sample_learner(folder: Path = SAMPLE) -> SampleLearner:
    """The sample learner; their `as_of` day is when the sample feeds were 'collected'."""
    data = json.loads((folder / "learner.json").read_text(encoding="utf-8"))
    day = datetime.fromisoformat(data["as_of"]).date()
    return SampleLearner(data["name"], data["email"], tuple(data["goals"]),
                         tuple(folder / f for f in data.get("follows", [])),
                         datetime.combine(day + timedelta(days=1), time(), UTC))


def run_demo(db_path: Path, reporter: Reporter, window_days: int = 30) -> Recommendations:
    """Import the sample catalogue, add the sample learner, run the collect and recommend flows, and rank."""
    learner = sample_learner()
    embedder = Embedder()
    with db.connect(db_path) as conn:
        catalogue = import_opml(conn, str(SAMPLE / "catalog.opml"))
        reporter.note(f"Sample catalogue: {catalogue.given} feeds ({catalogue.new} new)")
        add_learner(conn, learner.name, learner.email, learner.goals, embedder)
        add_feeds(conn, [str(p) for p in learner.follows], learner=learner.name)
    reporter.note("Running the Prefect flows locally (a temporary Prefect API starts; no server needed)")
    collect_flow(db_path=str(db_path), embed=True, reporter=reporter)
    recommend_flow(db_path=str(db_path), window_days=window_days, as_of=learner.as_of, learners=[learner.name])
    with db.connect(db_path) as conn:
        return recommend(conn, learner.name, embedder=embedder, window_days=window_days, as_of=learner.as_of)
