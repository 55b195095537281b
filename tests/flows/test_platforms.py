"""Sources without credentials are skipped with a notice; a LinkedIn export imports, suggests goals and is forgotten."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows import settings as configuration
from flows.errors import UsageError
from flows.sources import x_budget
from tests.conftest import shared_path
from tests.flows.cli_runner import Run, pln
from warehouse import api_reads, db

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_path: Path, tmp_path: Path):
    # No credentials anywhere: no praw.ini in the working directory, no praw_* or PLN_X_* variables.
    monkeypatch.chdir(tmp_path)
    for name in ("praw_client_id", "praw_client_secret", "praw_user_agent", "PLN_X_BEARER_TOKEN", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    def invoke(*args: str) -> Run:
        return pln(capsys, monkeypatch, "--db", str(db_path), *args)
    return invoke


def test_sources_without_credentials_are_skipped_with_one_line_each(run) -> None:
    assert run("reddit", "add", "r/MachineLearning", "learnpython").code == 0
    assert run("x", "add", "@huggingface").code == 0
    result = run("collect", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["sources"]["reddit"]["skipped"] and report["sources"]["x"]["skipped"]
    notices = [line for line in result.err.splitlines() if "skipped" in line]
    assert [line.split(":")[0] for line in notices] == ["reddit", "x"]
    assert "PLN_X_BEARER_TOKEN" in notices[1]


def test_bad_handles_and_subreddit_names_are_refused(run) -> None:
    bad = run("reddit", "add", "learnpython", "not a subreddit!")
    assert bad.code == 1 and "not a subreddit!" in bad.err
    assert run("x", "add", "@way_too_long_for_a_handle").code == 1
    assert json.loads(run("feeds", "list", "--format", "json").out) == [], "nothing stored from a refused batch"


def test_the_x_budget_counts_this_months_reads(db_path: Path) -> None:
    settings = configuration.Settings(x_reads_per_run=300, x_reads_per_month=1000)
    now = datetime(2026, 11, 25, tzinfo=UTC)
    with db.connect(db_path) as conn:
        api_reads.record_reads(conn, "x", 900, datetime(2026, 10, 30, tzinfo=UTC))
        api_reads.record_reads(conn, "x", 850, datetime(2026, 11, 3, tzinfo=UTC))
        budget = x_budget(conn, settings, now)
    assert (budget.run_remaining, budget.month_remaining) == (300, 150)


def test_budget_settings_are_checked() -> None:
    with pytest.raises(UsageError, match="PLN_X_READS_PER_RUN=.lots."):
        configuration.from_environment({"PLN_X_READS_PER_RUN": "lots"})


def test_a_linkedin_export_imports_suggests_goals_and_is_forgotten(run, db_path: Path) -> None:
    export = shared_path("linkedin-data-export-schema", "samples", "export-2021-06")
    assert run("learner", "add", "femi", "--email", "femi@example.org", "--goal", "Get better at HR analytics").code == 0
    imported = run("linkedin", "import", str(export), "--learner", "femi", "--format", "json")
    assert imported.code == 0, imported.err
    summary = json.loads(imported.out)
    assert summary["posts"] > 300 and summary["network"]["connection"] > 5000
    assert summary["facts"]["skill"] > 0 and summary["facts"]["course"] > 0

    with db.connect(db_path) as conn:
        dump = json.dumps([conn.execute(f"SELECT * FROM {t}").fetchall()
                           for t in ("network", "learner_facts", "posts", "people")], default=str)
    assert not re.search(EMAIL, dump.replace("femi@example.org", "")), "no email address is stored"

    suggested = json.loads(run("learner", "suggest-goals", "femi", "--format", "json").out)
    assert 1 <= len(suggested) <= 5
    assert all(s["because"] and s["evidence"] for s in suggested)
    assert not any("HR analytics" in s["goal"] for s in suggested), "covered goals are not suggested again"

    forgotten = run("learner", "forget", "femi")
    assert forgotten.code == 0
    with db.connect(db_path) as conn:
        left = [conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("network", "learner_facts")]
        left.append(conn.execute("SELECT count(*) FROM posts WHERE source = 'linkedin'").fetchall()[0][0])
    assert left == [0, 0, 0]
    assert json.loads(run("learner", "list", "--format", "json").out)[0]["goals"] == ["Get better at HR analytics"]


def test_importing_for_an_unknown_learner_is_refused(run) -> None:
    result = run("linkedin", "import", str(shared_path("linkedin-data-export-schema", "samples", "export-2021-06")),
                 "--learner", "nobody")
    assert result.code == 1 and "nobody: no such learner" in result.err
