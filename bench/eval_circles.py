"""Learning circles on 70 learners whose goals were written from 10 themes: how many circles are pure, who is left out.

Each line of bench/goals_circles.jsonl is one learner (a theme and a goal in their own words). They are added
with `pln learner add`, then grouped with `pln org circles --format json` (default sizes 3 to 8). A circle is pure
when all its members' goals come from one theme. Prints the circles, the count of pure ones, the learners in no
circle, and the themes split over several circles.

    python bench/eval_circles.py [--min-size 3] [--max-size 8] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from evaluation import pln

GOALS = Path(__file__).resolve().parent / "goals_circles.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-size", type=int, default=3)
    ap.add_argument("--max-size", type=int, default=8)
    ap.add_argument("--keep", type=Path, help="keep the warehouse in this folder")
    a = ap.parse_args()
    cases = [json.loads(line) for line in GOALS.read_text().splitlines() if line.strip()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pln-circles-") as scratch:
        work = a.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        db_path = work / "circles.duckdb"
        db_path.unlink(missing_ok=True)
        theme_of = {}
        for n, case in enumerate(cases):
            name = f"learner-{n:02d}"
            theme_of[name] = case["theme"]
            pln(db_path, "learner", "add", name, "--email", f"{name}@example.org", "--goal", case["goal"])
        circles = json.loads(pln(db_path, "org", "circles", "--min-size", str(a.min_size), "--max-size",
                                 str(a.max_size), "--format", "json"))
    themes = Counter(theme_of.values())
    pure = 0
    placed: set[str] = set()
    split: Counter[str] = Counter()
    for circle in circles:
        mix = Counter(theme_of[m["learner"]] for m in circle["members"])
        pure += len(mix) == 1
        placed |= {m["learner"] for m in circle["members"]}
        split[mix.most_common(1)[0][0]] += 1
        print(f"{circle['size']:>2} {'pure ' if len(mix) == 1 else 'mixed'} {dict(mix)}  “{circle['name']}”")
    left_out = sorted(set(theme_of) - placed)
    print(f"\n{len(theme_of)} learners from {len(themes)} themes, sizes {a.min_size}-{a.max_size}: {len(circles)} "
          f"circles, {pure} pure ({pure / max(len(circles), 1):.0%}), {len(left_out)} learners left out "
          f"({', '.join(f'{n} [{theme_of[n]}]' for n in left_out) or 'none'})")
    print(f"themes in more than one circle: {', '.join(f'{t} ({n})' for t, n in split.items() if n > 1) or 'none'}; "
          f"themes with no circle: {', '.join(sorted(set(themes) - set(split))) or 'none'}")
    print(f"measured {time.strftime('%Y-%m-%d %H:%M')}, whole run {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
