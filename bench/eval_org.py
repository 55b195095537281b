"""Colleagues evaluation on 20 Newsgroups as an organisation: `pln org colleagues` against authors who post mostly
in one group, beside BM25 over the same members in the same run.

Builds one LinkedIn-export folder per frequent author (bench/org_exports.py: their posts as shares, plus private
files with a marker), adds them all through the product's path (`pln org add-members roster.csv`, the real
importer), then for each goal in bench/goals_20ng.jsonl adds a learner and asks
`pln org colleagues NAME --top 10 --format json`. Ground truth as in bench/eval_people.py: a member with at least
3 posts, 60% or more of them in one group, is relevant to that group's goals. BM25 ranks the same members, each
member's stored items as one document. Prints nDCG@10, MRR and recall@10, then checks that the private marker is
in no table.

    python bench/eval_org.py [--max-per 400] [--keep DIR] [--per-goal]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from eval_people import GOALS, relevant_authors
from evaluation import bm25_scores, metrics, ndcg_at, pln, print_table, ranked_by
from models.embedding import Embedder
from org_exports import PRIVATE_MARKER, build
from warehouse import db, org

TOP = 10


def member_documents(db_path: Path) -> dict[str, str]:
    """Each member's stored items (titles and texts) as one document, for BM25."""
    with db.connect(db_path) as conn:
        table = org.expertise(conn, Embedder().name)
    texts: dict[str, list[str]] = defaultdict(list)
    for member, title, text in zip(*(table.column(c).to_pylist() for c in ("member", "title", "text"))):
        texts[member].append(f"{title}\n{text}")
    return {member: "\n".join(parts) for member, parts in texts.items()}


def marker_rows(db_path: Path) -> int:
    """Rows, in any table, whose text holds the private marker."""
    with db.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'main'").fetchall()]
        return sum(conn.execute(f'SELECT count(*) FROM "{t}" x WHERE CAST(x AS VARCHAR) LIKE ?',
                                [f"%{PRIVATE_MARKER}%"]).fetchall()[0][0] for t in tables)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-per", type=int, default=400, help="posts per newsgroup (default: the whole test split)")
    ap.add_argument("--keep", type=Path, help="build into this folder and keep it")
    ap.add_argument("--per-goal", action="store_true", help="every goal's nDCG@10 for pln and BM25")
    a = ap.parse_args()
    cases = [json.loads(line) for line in GOALS.read_text().splitlines() if line.strip()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pln-org-") as scratch:
        work = a.keep or Path(scratch)
        built = build(work, max_per=a.max_per)
        db_path = work / "org.duckdb"
        db_path.unlink(missing_ok=True)
        added = json.loads(pln(db_path, "org", "add-members", str(built.roster), "--format", "json"))
        print(f"{len(added['added'])} members added through the importer ({len(added['failed'])} failed), "
              f"{sum(sum(c.values()) for c in built.groups.values())} shares, in {time.perf_counter() - started:.0f}s")
        relevant = relevant_authors(built.groups)
        scored = [c for c in cases if relevant.get(c["group"])]
        ranking_started = time.perf_counter()
        rankings = []
        for n, case in enumerate(scored):
            name = f"goal-{n:02d}"
            pln(db_path, "learner", "add", name, "--email", f"{name}@example.org", "--goal", case["goal"])
            items = json.loads(pln(db_path, "org", "colleagues", name, "--top", str(TOP), "--format", "json"))
            rankings.append([item["name"] for item in items])
        seconds = time.perf_counter() - ranking_started
        documents = member_documents(db_path)
        leaked = marker_rows(db_path)
    members = list(documents)
    bm25 = ranked_by(bm25_scores([documents[m] for m in members], [c["goal"] for c in scored]), members, TOP)
    judgements = [dict.fromkeys(relevant[case["group"]], 1) for case in scored]
    print(f"{len(scored)} goals over {len({c['group'] for c in scored})} groups, {len(members)} members "
          f"(>= 3 posts), {sum(len(r) for r in relevant.values())} relevant to one group; colleagues for all goals in "
          f"{seconds:.0f}s; measured {time.strftime('%Y-%m-%d %H:%M')}")
    print_table({"pln": metrics(rankings, judgements, TOP), "BM25": metrics(bm25, judgements, TOP)})
    if a.per_goal:
        for case, ours, theirs, judged in zip(scored, rankings, bm25, judgements):
            print(f"  {ndcg_at(ours, judged, TOP):.3f} vs BM25 {ndcg_at(theirs, judged, TOP):.3f} "
                  f"{case['group']:24} {case['goal'][:50]!r}")
    print(f"rows holding the private marker planted in every messages.csv and Connections.csv: {leaked}")
    print(f"whole run {time.perf_counter() - started:.0f}s")
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main())
