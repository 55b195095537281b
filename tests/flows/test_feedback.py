"""`pln feedback` and learner preferences end to end on the shipped sample feeds: votes, goal weights, exclusions,
and removing a learner."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.demo import sample_learner
from tests.conftest import shared_path
from tests.flows.test_cli import AS_OF, collect, sample  # noqa: F401  (fixtures)
from warehouse import db

MLOPS = "Get good at MLOps: deploying, monitoring and retraining machine learning models in production"
SPANISH = "Learn Spanish grammar well enough to write without mistakes"


def recommend(run, learner: str, *options: str) -> list[dict]:
    result = run("recommend", learner, "--as-of", AS_OF, "--format", "json", "--top", "10", *options)
    assert result.code == 0, result.err
    return json.loads(result.out)


def by_name(items: list[dict], kind: str = "community") -> dict[str, dict]:
    return {item["name"]: item for item in items if item["kind"] == kind}


def republish(sample: Path, title: str, entries: int) -> Path:
    """A feed called `title` that reposts the first `entries` entries of MLOps Field Notes."""
    head, *rest = (sample / "feeds" / "mlops-field-notes.atom").read_text(encoding="utf-8").split("<entry>")
    body = "".join(f"<entry>{chunk.split('</entry>')[0]}</entry>\n" for chunk in rest[:entries])
    path = sample / "feeds" / f"{title.lower().replace(' ', '-')}.atom"
    path.write_text(head.replace("<title>MLOps Field Notes</title>", f"<title>{title}</title>", 1) + body + "</feed>\n",
                    encoding="utf-8")
    return path


def test_a_thumbs_down_community_vanishes_and_one_much_like_it_drops(run, sample: Path) -> None:
    # Six of its thirteen posts reposted: much like it (centroid cosine ~0.92) without being a duplicate.
    assert run("feeds", "add", str(republish(sample, "MLOps Reposts", 6))).code == 0
    collect(run)
    learner = sample_learner(sample).name
    before = recommend(run, learner, "--kind", "communities")
    assert {"MLOps Field Notes", "MLOps Reposts"} <= by_name(before).keys()

    voted = run("feedback", learner, "MLOps Field Notes", "--down")
    assert voted.code == 0, voted.err
    assert "thumbs-down on MLOps Field Notes (community" in voted.out

    after = recommend(run, learner, "--kind", "communities")
    assert "MLOps Field Notes" not in by_name(after)
    was, now = by_name(before)["MLOps Reposts"], by_name(after)["MLOps Reposts"]
    assert now["score"] == pytest.approx(was["score"] - 0.3, abs=1e-3)
    assert now["signals"]["feedback"] == -0.3
    assert "Much like MLOps Field Notes, which you gave a thumbs-down." in now["reasons"]
    assert [i["name"] for i in after][-1] == "MLOps Reposts", "it falls below everything that serves a goal"
    unlike = {name: item["score"] for name, item in by_name(after).items() if name != "MLOps Reposts"}
    assert unlike == {name: by_name(before)[name]["score"] for name in unlike}


def test_a_thumbs_up_lifts_it_a_little_and_clear_takes_it_back(run, sample: Path) -> None:
    collect(run)
    learner = sample_learner(sample).name
    before = by_name(recommend(run, learner))["Cloud Native Weekly"]
    assert run("feedback", learner, "cloud native weekly", "--up").code == 0, "names match in any case"
    lifted = by_name(recommend(run, learner))["Cloud Native Weekly"]
    assert lifted["score"] == pytest.approx(before["score"] + 0.03, abs=1e-3)
    assert "You gave it a thumbs-up." in lifted["reasons"]
    cleared = run("feedback", learner, "Cloud Native Weekly", "--clear")
    assert cleared.code == 0 and "Cleared" in cleared.out
    assert by_name(recommend(run, learner))["Cloud Native Weekly"]["score"] == before["score"]


def test_a_person_can_be_voted_down_by_the_name_recommend_prints(run, sample: Path) -> None:
    collect(run)
    learner = sample_learner(sample).name
    people = by_name(recommend(run, learner, "--kind", "people"), "person")
    name = next(iter(people))
    assert run("feedback", learner, name, "--down").code == 0
    assert name not in by_name(recommend(run, learner, "--kind", "people"), "person")


def test_a_name_shared_by_a_community_and_a_person_is_refused_until_the_kind_is_given(run, sample: Path) -> None:
    assert run("feeds", "add", str(republish(sample, "Priya Raman", 3))).code == 0
    collect(run)
    learner = sample_learner(sample).name
    result = run("feedback", learner, "Priya Raman", "--down")
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1
    assert "'Priya Raman' is ambiguous" in result.err
    assert "community 'Priya Raman'" in result.err and "person 'Priya Raman'" in result.err
    chosen = run("feedback", learner, "Priya Raman", "--down", "--kind", "person")
    assert chosen.code == 0 and "(person, rss Priya Raman)" in chosen.out
    assert "Priya Raman" in by_name(recommend(run, learner, "--kind", "communities"))


@pytest.mark.parametrize(("args", "message"), [
    (("ana", "No Such Feed", "--up"), "'No Such Feed': no community or person has that name"),
    (("ana", "Kitchen Science"), "give exactly one of --up, --down or --clear"),
    (("ana", "Kitchen Science", "--up", "--down"), "give exactly one of --up, --down or --clear"),
    (("nobody", "Kitchen Science", "--up"), "nobody: no such learner"),
])
def test_bad_feedback_gets_one_line_naming_it(run, sample: Path, args: tuple[str, ...], message: str) -> None:
    result = run("feedback", *args)
    assert result.code == 1
    assert result.err.startswith("pln: error: ") and message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_goal_weights_and_exclusions_are_stored_and_shape_the_list(run, sample: Path) -> None:
    collect(run)
    added = run("learner", "add", "bo", "--email", "bo@example.org", "--goal", f"{MLOPS} @ 2", "--goal", SPANISH,
                "--not-interested", "Kubernetes")
    assert added.code == 0 and "not interested in 1" in added.out
    stored = {lr["name"]: lr for lr in json.loads(run("learner", "list", "--format", "json").out)}["bo"]
    assert (stored["goals"], stored["weights"], stored["not_interested"]) == ([MLOPS, SPANISH], [2.0, 1.0],
                                                                               ["Kubernetes"])
    items = recommend(run, "bo", "--kind", "communities", "--top", "3")
    assert [i["goal"] for i in items].count(MLOPS) == 2, "a goal of weight 2 gets twice the places"
    assert "Cloud Native Weekly" not in by_name(recommend(run, "bo"))

    assert run("learner", "add", "bo", "--email", "bo@example.org", "--goal", MLOPS).code == 0
    assert "Cloud Native Weekly" in by_name(recommend(run, "bo")), "adding again replaces the exclusions"


@pytest.mark.parametrize(("goal", "message"), [
    ("Spanish grammar@0", "--goal 'Spanish grammar@0': the weight after @ must be above 0 and at most 10"),
    ("Spanish grammar@11", "the weight after @ must be above 0 and at most 10"),
    ("@0.5", "--goal '@0.5': no goal before the @0.5 weight"),
])
def test_a_bad_goal_weight_gets_one_line_naming_it(run, goal: str, message: str) -> None:
    result = run("learner", "add", "bo", "--email", "bo@example.org", "--goal", goal)
    assert result.code == 1 and message in result.err and len(result.err.strip().splitlines()) == 1


def test_an_at_sign_that_is_not_a_weight_stays_in_the_goal(run) -> None:
    assert run("learner", "add", "bo", "--email", "bo@example.org", "--goal", "Write C@home and at work").code == 0
    stored = json.loads(run("learner", "list", "--format", "json").out)[0]
    assert (stored["goals"], stored["weights"]) == (["Write C@home and at work"], [1.0])


def test_removing_a_learner_leaves_no_row_about_them_and_everyone_elses_untouched(run, sample: Path,
                                                                                   db_path: Path) -> None:
    collect(run)
    gone = "Zuzanna Qwerty-Removed"
    assert run("learner", "add", gone, "--email", "zq@example.org", "--goal", "Get better at HR analytics",
               "--not-interested", "crypto").code == 0
    export = shared_path("linkedin-data-export-schema", "samples", "export-2021-06")
    assert run("linkedin", "import", str(export), "--learner", gone).code == 0
    assert run("feeds", "add", str(sample / "feeds" / "mlops-field-notes.atom"), "--learner", gone).code == 0
    assert run("feedback", gone, "MLOps Field Notes", "--up").code == 0
    stays = sample_learner(sample).name
    assert run("feedback", stays, "MLOps Field Notes", "--down").code == 0
    kept_before = recommend(run, stays)

    def rows() -> dict[str, list[str]]:
        with db.connect(db_path) as conn:
            tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                                 "WHERE table_schema = 'main'").fetchall()]
            return {t: sorted(map(str, conn.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}

    before = rows()
    removed = run("learner", "remove", gone, "--format", "json")
    assert removed.code == 0, removed.err
    deleted = json.loads(removed.out)["deleted"]
    assert deleted["learners"] == deleted["goals"] == deleted["exclusions"] == deleted["follows"] == 1
    assert deleted["feedback"] == 1 and deleted["network"] > 5000 and deleted["posts"] > 300

    after = rows()
    assert not [t for t, found in after.items() if any(gone in row for row in found)], "no row mentions them"
    assert {t: [row for row in found if gone not in row] for t, found in before.items()
            if t not in ("posts", "embeddings")} == {t: found for t, found in after.items()
                                                     if t not in ("posts", "embeddings")}
    assert len(after["posts"]) == len(before["posts"]) - deleted["posts"]
    assert recommend(run, stays) == kept_before, "the other learner's votes and recommendations are as they were"
    again = run("learner", "remove", gone)
    assert again.code == 1 and f"{gone}: no such learner" in again.err
