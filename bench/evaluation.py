"""Shared pieces of the quality evaluations: `pln` run in-process, ranking metrics, and the lexical baselines.

Imported by bench/eval_recommend.py and bench/eval_people.py; not run on its own.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import bm25s
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel
from typer.testing import CliRunner

from flows.cli import app

Key = TypeVar("Key", bound=Hashable)


def pln(db_path: Path, *args: str) -> str:
    """Run one `pln` command in this process (same code path as the console script) and return stdout."""
    result = CliRunner().invoke(app, ["--db", str(db_path), *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"pln {' '.join(args)} failed ({result.exit_code}): {result.output}")
    return result.stdout


def ndcg_at(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int) -> float:
    """Graded nDCG (gain 2^grade - 1); the ideal ranks every judged item, so binary grades give the usual form."""
    gains = [(2 ** grades.get(name, 0) - 1) / math.log2(i + 2) for i, name in enumerate(ranked[:k])]
    ideal = [(2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:k])]
    return sum(gains) / sum(ideal)


def reciprocal_rank(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int) -> float:
    return next((1 / (i + 1) for i, name in enumerate(ranked[:k]) if grades.get(name, 0) > 0), 0.0)


def recall_at(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int) -> float:
    relevant = {n for n, g in grades.items() if g > 0}
    return len(set(ranked[:k]) & relevant) / len(relevant)


def metrics(rankings: Sequence[Sequence[Hashable]], judgements: Sequence[Mapping[Hashable, int]],
            k: int) -> dict[str, float]:
    """Mean nDCG@k, MRR (over the whole ranking given) and recall@k over the goals."""
    pairs = list(zip(rankings, judgements))
    return {
        f"nDCG@{k}": float(np.mean([ndcg_at(r, j, k) for r, j in pairs])),
        "MRR": float(np.mean([reciprocal_rank(r, j, len(r)) for r, j in pairs])),
        f"recall@{k}": float(np.mean([recall_at(r, j, k) for r, j in pairs])),
    }


def print_table(rows: Mapping[str, Mapping[str, float]]) -> None:
    """One row per system, one column per metric, then pln's ratio to the best other system per metric.

    The first row is pln; the verdict is on the first metric (the headline nDCG).
    """
    (_, ours), *baselines = rows.items()
    columns = list(ours)
    print(f"{'':10}" + "".join(f"{m:>10}" for m in columns))
    for name, scores in rows.items():
        print(f"{name:10}" + "".join(f"{scores[m]:>10.4f}" for m in columns))
    best = {m: max(baselines, key=lambda row: row[1][m]) for m in columns}
    ratios = {m: f"{ours[m] / best[m][1][m]:.3f}" if best[m][1][m] else "-" for m in columns}
    print(f"{'pln/best':10}" + "".join(f"{ratios[m]:>10}" for m in columns))
    headline = columns[0]
    name, scores = best[headline]
    beaten = all(ours[headline] > row[headline] for _, row in baselines)
    print(f"{headline}: pln {ours[headline]:.4f}, best baseline {name} {scores[headline]:.4f}, "
          f"ratio {ratios[headline]}; pln beats "
          f"{'the baseline' if len(baselines) == 1 else f'all {len(baselines)} baselines'}: "
          f"{'yes' if beaten else 'no'}")


def ranked_by(scores: np.ndarray, keys: Sequence[Key], k: int | None = None) -> list[list[Key]]:
    """For each row of a (queries x documents) score matrix, the keys best first (ties: in `keys` order)."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[keys[i] for i in row] for row in order]


def bm25_scores(documents: Sequence[str], queries: Sequence[str]) -> np.ndarray:
    """(queries x documents) BM25 scores, English stop words removed (bm25s defaults otherwise)."""
    # Once pln's CLI has run in this process the root logger is at DEBUG, and bm25s would narrate its indexing.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(list(documents), stopwords="en", show_progress=False), show_progress=False)
    tokens = bm25s.tokenize(list(queries), stopwords="en", return_ids=False, show_progress=False)
    # A query with no word in the index scores nothing (get_scores cannot take an empty query).
    return np.vstack([retriever.get_scores(query) if query else np.zeros(len(documents)) for query in tokens])


def tfidf_scores(documents: Sequence[str], queries: Sequence[str]) -> np.ndarray:
    """(queries x documents) TF-IDF cosine: sublinear tf, English stop words, fitted on the documents only."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    matrix = vectorizer.fit_transform(documents)
    # Rows are L2-normalised by the vectorizer, so the dot product is the cosine.
    return linear_kernel(vectorizer.transform(queries), matrix)
