"""`pln org`: members from real LinkedIn exports, colleagues for a learner's goals, privacy, circles and the map."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from flows.collect import collect, sources_for
from flows.learners import add_learner
from flows.org_members import add_member
from flows.report import QuietReporter
from models.embedding import Embedder
from tests.browser import render
from tests.conftest import FIXTURES, ROOT, shared_path
from tests.connectors.test_linkedin import record_opens, zip_folder
from flows.tracking import add_feeds
from warehouse import db
from warehouse.org import Member

SAMPLES = ("linkedin-data-export-schema", "samples")
EXPORT_2026 = FIXTURES / "linkedin" / "export-2026-04"
AS_OF = "2026-11-16"  # the sample feeds' collection day
DUCKDB = "Query files in place with DuckDB and SQL"
SPEAKING = "Become a confident public speaker at conferences"
# Learners of three themes the sample feeds cover, and one whose goal nobody else shares.
CIRCLE_GOALS = {
    "bo": "Deploy and monitor machine learning models in production (MLOps)",
    "cy": "Learn MLOps: retraining pipelines and model monitoring",
    "di": "Put machine learning models into production and keep them healthy",
    "ed": "Learn Spanish grammar: verb tenses and the subjunctive",
    "fa": "Write Spanish without grammar mistakes",
    "gu": "Master Spanish verb conjugation and grammar rules",
    "ha": "Understand the chemistry and science of cooking",
    "io": "Learn the food science behind baking and cooking",
    "ju": "Why recipes work: the physics and chemistry of the kitchen",
    "ko": "Play the cello in a string quartet",
}
PUBLIC = {"Shares.csv", "Comments.csv", "Skills.csv", "Learning.csv", "Positions.csv"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three members from real exports (2021 and 2018 samples, the 2026 fixture), learners, and the sample feeds."""
    path = tmp_path_factory.mktemp("org") / "pln.duckdb"
    embedder = Embedder()
    with db.connect(path) as conn:
        add_member(conn, Member("Femi Owner", "femi@example.org", "Data", "Lagos"),
                   shared_path(*SAMPLES, "export-2021-06"), embedder)
        add_member(conn, Member("Abhishek Owner", "", "Engineering", "Delhi"),
                   shared_path(*SAMPLES, "export-2018-11"), embedder)
        add_member(conn, Member("Ada Learner", "ada.learner@example.com", "Finance", "Lisbon"), EXPORT_2026, embedder)
        add_learner(conn, "ana", "ana@example.org", [DUCKDB, SPEAKING], embedder)
        # Ada is a learner too: she must never be suggested to herself.
        add_learner(conn, "Ada  learner", "someone@example.org", [DUCKDB], embedder)
        add_learner(conn, "A. L.", "Ada.Learner@example.com", [DUCKDB], embedder)
        for name, goal in CIRCLE_GOALS.items():
            add_learner(conn, name, f"{name}@example.org", [goal], embedder)
        feeds = sorted(str(p) for p in (ROOT / "flows" / "sample" / "feeds").iterdir())
        add_feeds(conn, feeds)
        collect(conn, QuietReporter(), sources_for(conn, "rss", use_blocks=False), embedder=embedder)
    return path


@pytest.fixture
def db_path(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "pln.duckdb"
    shutil.copy(built, copy)
    return copy


def json_of(run, *args: str) -> Any:
    result = run(*args, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def every_row(path: Path) -> str:
    """Every row of every table in the warehouse, as text."""
    with db.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'main'").fetchall()]
        return "\n".join(str(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"').fetchall())


# ---------------------------------------------------------------------------------------------- members


def test_members_profiles_hold_public_items_only(run) -> None:
    members = {m["name"]: m for m in json_of(run, "org", "members")}
    assert set(members) == {"Femi Owner", "Abhishek Owner", "Ada Learner"}
    femi = members["Femi Owner"]
    assert femi["team"] == "Data" and femi["location"] == "Lagos"
    assert femi["items"]["post"] > 300 and femi["items"]["skill"] > 10 and femi["items"]["course"] > 5
    # The 2018 export: UTF-16 shares, skills and positions; no Learning.csv.
    assert set(members["Abhishek Owner"]["items"]) == {"post", "skill", "position"}
    assert members["Ada Learner"]["items"] == {"skill": 3, "course": 1, "position": 2, "post": 6}


def test_only_completed_courses_count(built: Path) -> None:
    rows = every_row(built)
    assert "Learning DuckDB" in rows
    assert "SQL Essential Training" not in rows, "watched but not completed: it shows nothing learned"


def planted(tmp_path: Path) -> Path:
    """The 2026 fixture with a marker in its private files (messages, connections, e-mail addresses)."""
    folder = tmp_path / "export"
    shutil.copytree(EXPORT_2026, folder)
    with (folder / "messages.csv").open("a", encoding="utf-8") as fh:
        fh.write('"9","","Rhea","","Ada","2026-04-01 10:00:00 UTC","","MARKER-7Q2 private words","INBOX","","",""\n')
    with (folder / "Connections.csv").open("a", encoding="utf-8") as fh:
        fh.write("MARKER-7Q2,Contact,https://www.linkedin.com/in/marker,,Acme,Engineer,27 Mar 2026\n")
    with (folder / "Email Addresses.csv").open("a", encoding="utf-8") as fh:
        fh.write("marker-7q2@example.com,Yes,No,2020-01-01 00:00 UTC\n")
    return folder


@pytest.mark.parametrize("layout", ["folder", "zip"])
def test_private_files_are_never_opened_and_never_stored(run, db_path: Path, tmp_path: Path, layout: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = planted(tmp_path)
    export = folder if layout == "folder" else zip_folder(folder, tmp_path / "export.zip", prefix="Export/")
    # The embedding model reads its own files from disk too: only the export's count.
    opened = record_opens(monkeypatch, under=tmp_path)
    result = run("org", "add-member", "Rhea Okafor", "--export", str(export), "--team", "Ops")
    assert result.code == 0, result.err
    names = {re.sub(r"_\d+(?=\.csv$)", "", Path(name).name) for name in opened}
    assert names == PUBLIC, names
    assert "messages.csv" not in names and "Connections.csv" not in names
    rows = every_row(db_path)
    assert "Rhea Okafor" in rows, "the member was stored"
    assert "marker-7q2" not in rows.lower()


def test_remove_member_leaves_no_row_about_them(run, db_path: Path) -> None:
    assert run("org", "add-member", "Zed Quillfeather", "--export", str(EXPORT_2026),
               "--email", "zed.q@example.net", "--team", "Ops").code == 0
    before = every_row(db_path)
    assert "Zed Quillfeather" in before and "zed.q@example.net" in before
    removed = json_of(run, "org", "remove-member", "Zed Quillfeather")
    assert removed["deleted"]["members"] == 1 and removed["deleted"]["member_expertise"] == 12
    assert removed["deleted"]["member_expertise_embeddings"] == 12
    after = every_row(db_path)
    assert "Zed Quillfeather" not in after and "zed.q@example.net" not in after
    assert "Femi Owner" in after, "the others stay"


def test_re_adding_replaces_the_profile(run) -> None:
    first = json_of(run, "org", "add-member", "Femi Owner", "--export", str(EXPORT_2026), "--team", "Ops")
    assert first["new"] is False and first["items"] == {"skill": 3, "course": 1, "position": 2, "post": 6}
    members = {m["name"]: m for m in json_of(run, "org", "members")}
    assert members["Femi Owner"]["items"] == first["items"] and members["Femi Owner"]["team"] == "Ops"
    assert members["Femi Owner"]["email"] == "", "a re-add replaces what was given before"


def test_a_roster_adds_every_member_it_can(run, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("Name,Export,Team\nRhea Okafor,export,Ops\nNo Body,missing-folder,Ops\n"
                      f"Lena Brandt,{EXPORT_2026},Design\n", encoding="utf-8")
    shutil.copytree(EXPORT_2026, tmp_path / "export")
    done = json_of(run, "org", "add-members", str(roster))
    assert [a["member"] for a in done["added"]] == ["Rhea Okafor", "Lena Brandt"]
    assert [f["member"] for f in done["failed"]] == ["No Body"]
    assert "missing-folder" in done["failed"][0]["error"] and "no such file or folder" in done["failed"][0]["error"]


@pytest.mark.parametrize(("args", "message"), [
    (("org", "add-member", "X", "--export", "/nonexistent/export.zip"), "/nonexistent/export.zip: no such file"),
    (("org", "add-member", "X", "--export", str(EXPORT_2026), "--email", "not-an-address"),
     "--email 'not-an-address': not an email address"),
    (("org", "add-member", " ", "--export", str(EXPORT_2026)), "member name: must not be empty"),
    (("org", "remove-member", "Nobody"), "Nobody: no such member"),
    (("org", "colleagues", "nobody"), "nobody: no such learner"),
    (("org", "circles", "--min-size", "5", "--max-size", "3"), "--min-size 5 --max-size 3"),
])
def test_bad_input_is_named(run, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.code == 1 and message in result.err, result.err


def test_an_export_with_nothing_public_is_refused(run, tmp_path: Path) -> None:
    folder = tmp_path / "private-only"
    folder.mkdir()
    shutil.copy(EXPORT_2026 / "Connections.csv", folder)
    shutil.copy(EXPORT_2026 / "messages.csv", folder)
    result = run("org", "add-member", "X", "--export", str(folder))
    assert result.code == 1 and f"{folder}: not a LinkedIn data export" in result.err
    assert "Connections.csv" not in result.err.split("none of the known files")[1], "only public files are looked for"

# ---------------------------------------------------------------------------------------------- colleagues


def test_colleagues_per_goal_with_reasons_and_evidence(run) -> None:
    items = json_of(run, "org", "colleagues", "ana", "--top", "3")
    assert items and all({"name", "score", "goal", "reasons", "evidence", "rank"} <= set(i) for i in items)
    duckdb_items = [i for i in items if i["goal"] == DUCKDB]
    best = duckdb_items[0]
    assert best["name"] == "Ada Learner" and best["rank"] == 1
    assert best["evidence"][0] == {"kind": "course", "title": "Learning DuckDB", "url": "", "similarity":
                                   best["evidence"][0]["similarity"], "dated": "2026-03-20"}
    assert any("Completed “Learning DuckDB”" in r for r in best["reasons"])
    assert any("Lists “SQL”" in r for r in best["reasons"])
    assert [i["score"] for i in duckdb_items] == sorted((i["score"] for i in duckdb_items), reverse=True)
    assert all(i["goal"] in (DUCKDB, SPEAKING) for i in items)


@pytest.mark.parametrize("learner", ["Ada  learner", "A. L."])
def test_a_learner_is_never_suggested_to_themselves(run, learner: str) -> None:
    names = {i["name"] for i in json_of(run, "org", "colleagues", learner, "--top", "5")}
    assert names and "Ada Learner" not in names, "matched by name (case and spacing aside) or by e-mail"


def test_other_teams_and_locations_are_not_penalised(run, tmp_path: Path) -> None:
    before = {i["name"]: i["score"] for i in json_of(run, "org", "colleagues", "ana") if i["goal"] == DUCKDB}
    assert run("org", "add-member", "Ada Learner", "--export", str(EXPORT_2026), "--team", "Far away team",
               "--location", "Osaka").code == 0
    after = [i for i in json_of(run, "org", "colleagues", "ana") if i["goal"] == DUCKDB]
    assert {i["name"]: i["score"] for i in after} == before
    assert "Works in Far away team, Osaka." in after[0]["reasons"]


def test_the_table_names_colleagues_and_why(run) -> None:
    result = run("org", "colleagues", "ana")
    assert result.code == 0 and result.out.startswith("Colleagues who can help ana")
    # The terminal is narrow under pytest: cells wrap, so words are looked for one by one.
    assert {"Ada", "Learner", "Completed", "DuckDB", "Finance"} <= set(re.findall(r"\w+", result.out))

# ---------------------------------------------------------------------------------------------- circles and map


def circles_json(run, *args: str) -> list[dict]:
    return json_of(run, "org", "circles", "--as-of", AS_OF, *args)


def theme_of(learner: str) -> str | None:
    themes = {"bo": "ml", "cy": "ml", "di": "ml", "ed": "es", "fa": "es", "gu": "es", "ha": "food", "io": "food",
              "ju": "food"}
    return themes.get(learner)


def test_circles_group_close_goals_and_leave_the_odd_one_out(run) -> None:
    circles = circles_json(run)
    themed = [c for c in circles if {theme_of(m["learner"]) for m in c["members"]} - {None}]
    assert len(themed) == 3
    for circle in themed:
        themes = {theme_of(m["learner"]) for m in circle["members"]} - {None}
        assert len(themes) == 1, f"one theme per circle: {circle['members']}"
        assert 3 <= circle["size"] <= 8 and circle["name"] in {m["goal"] for m in circle["members"]}
    placed = [(m["learner"], m["goal"]) for c in circles for m in c["members"]]
    assert len(placed) == len(set(placed)), "a learner's goal lands in at most one circle"
    assert all(len({m["learner"] for m in c["members"]}) == c["size"] for c in circles), "a learner once per circle"
    assert "ko" not in {learner for learner, _ in placed}
    by_theme = {next(iter({theme_of(m["learner"]) for m in c["members"]} - {None})): c for c in themed}
    spanish = by_theme["es"]["communities"]
    assert "Spanish Grammar Corner" in {c["name"] for c in spanish[:2]}, spanish
    duckdb_circle = next(c for c in circles if any(m["goal"] == DUCKDB for m in c["members"]))
    team = {m["learner"]: m["team"] for m in duckdb_circle["members"]}
    assert team["Ada  learner"] == "Finance", "a learner who is a member has the member's team"
    assert "Ada Learner" not in {h["name"] for h in duckdb_circle["colleagues"]}, "she is in the circle"


def test_circles_respect_the_size_limits(run) -> None:
    circles = circles_json(run, "--min-size", "2", "--max-size", "2")
    assert circles and all(c["size"] == 2 for c in circles)
    assert circles_json(run, "--min-size", "12", "--max-size", "20") == []


def test_circles_table_and_page(run, tmp_path: Path) -> None:
    result = run("org", "circles", "--as-of", AS_OF)
    assert result.code == 0 and "in none." in result.out and "Circle 1:" in result.out
    page = tmp_path / "circles.html"
    assert run("org", "circles", "--as-of", AS_OF, "--format", "html", "--out", str(page)).code == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Spanish Grammar Corner" in html
    assert not re.search(r"<script|<link\b|\bsrc\s*=", html, re.IGNORECASE)


def test_the_map_shows_what_the_organisation_has_and_lacks(run) -> None:
    themes = json_of(run, "org", "map")
    by_goal = {g: t for t in themes for g in t["goals"]}
    assert by_goal[SPEAKING]["status"] == "gap" and by_goal[SPEAKING]["members_able"] == 0
    assert by_goal[DUCKDB]["status"] in ("thin", "covered")
    assert by_goal[DUCKDB]["helpers"][0]["name"] in ("Ada Learner", "Femi Owner", "Abhishek Owner")
    assert by_goal["Play the cello in a string quartet"]["status"] == "gap"
    assert [len(t["learners"]) for t in themes] == sorted((len(t["learners"]) for t in themes), reverse=True)


def test_the_map_page_opens_in_a_browser_and_draws_the_chart(run, tmp_path: Path) -> None:
    page = tmp_path / "map.html"
    result = run("org", "map", "--format", "html", "--out", str(page))
    assert result.code == 0 and result.out == "" and str(page) in result.err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "no one yet" in html
    assert not re.search(r"<script|<link\b|<iframe|@import|url\((?!#)|\bsrc\s*=", html, re.IGNORECASE)
    shown = render(page)
    assert shown.console == [], shown.console
    assert "<svg" in shown.dom and SPEAKING in shown.dom
    shot = tmp_path / "map.png"
    render(page, screenshot=shot, size=(1200, 900))
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    coloured = (pixels.max(axis=2) - pixels.min(axis=2)) > 60
    assert coloured.mean() > 0.002, f"{coloured.mean():.4%} coloured pixels: no chart on screen"


def test_team_names_in_the_page_are_escaped(run, tmp_path: Path) -> None:
    assert run("org", "add-member", "Mallory", "--export", str(EXPORT_2026), "--team", "<script>x</script>").code == 0
    page = tmp_path / "map.html"
    assert run("org", "map", "--format", "html", "--out", str(page)).code == 0
    html = page.read_text(encoding="utf-8")
    assert "<script>x" not in html and "&lt;script&gt;x" in html
