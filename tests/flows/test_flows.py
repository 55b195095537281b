"""The Prefect flows run locally with no server, and prefect.yaml deploys them on the promised schedules."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule

from tests.flows.cli_runner import pln
from warehouse import db

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_whole_pipeline_through_the_flows(prefect_api, capsys, monkeypatch, tmp_path: Path) -> None:
    db_path = tmp_path / "demo.duckdb"
    first = pln(capsys, monkeypatch, "--db", str(db_path), "demo")
    assert first.code == 0, first.err
    assert "Communities to join" in first.out and "People to follow" in first.out
    with db.connect(db_path) as conn:
        posts = conn.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        embedded = conn.execute("SELECT count(*) FROM embeddings").fetchall()[0][0]
        kept = conn.execute("SELECT count(DISTINCT kind), count(*) FROM recommendations").fetchall()[0]
    assert posts == embedded > 50
    assert kept[0] == 2 and kept[1] >= 6, "the recommend flow keeps what it told the learner"

    again = pln(capsys, monkeypatch, "--db", str(db_path), "demo")
    assert again.code == 0
    with db.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM posts").fetchall()[0][0] == posts


def _deployments() -> dict[str, dict]:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    return {d["name"]: d for d in spec["deployments"]}


@pytest.mark.parametrize("name", ["collect-hourly", "recommend-daily", "embed-on-demand", "discover-weekly"])
def test_every_deployment_points_at_a_flow_with_those_parameters(name: str) -> None:
    deployment = _deployments()[name]
    path, attribute = deployment["entrypoint"].split(":")
    flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), attribute)
    assert isinstance(flow, Flow)
    assert set(deployment.get("parameters", {})) <= set(flow.parameters.properties)


def test_collect_runs_hourly_and_recommend_daily() -> None:
    deployments = _deployments()
    hourly = [CronSchedule(cron=s["cron"], timezone=s["timezone"]) for s in deployments["collect-hourly"]["schedules"]]
    daily = [CronSchedule(cron=s["cron"], timezone=s["timezone"]) for s in deployments["recommend-daily"]["schedules"]]
    assert [s.cron.split()[1:] for s in hourly] == [["*", "*", "*", "*"]]
    assert [s.cron.split()[2:] for s in daily] == [["*", "*", "*"]] and daily[0].cron.split()[1] != "*"
