"""pln's topic finding beside BERTopic's defaults, same real posts and embeddings: time, NPMI, diversity, AMI.

    .venv/bin/python bench/trends_vs_bertopic.py [--per-group 300] [--repeats 3]

Posts: `--per-group` posts of each of 10 newsgroups (headers, quotes and signatures stripped as tests/trend_corpus.py
does), embedded once with pln's default Embedder; both sides get those vectors and the same texts (title and the
first 1,000 characters of the body, links removed: what find_trends labels from).

Timed, per side (median of `--repeats`):
- pln: `cluster` + `label_topics` of models/trends.py, under the one-thread limit find_trends sets: what BERTopic's
  fit does (clustering, then terms per topic). find_trends itself also runs on the posts, all dated in one baseline
  with an empty window, as a reference row: it adds the trend-only work (trying to split off new parts, growth,
  examples), which BERTopic does not do.
- BERTopic: `BERTopic().fit_transform(docs, embeddings)`; UMAP (numba) runs on every core it finds. A warm-up fit on
  a small sample runs first, outside the timing, so numba's one-off compilation is not counted; pln gets the same.

Quality, over the same posts: NPMI of each topic's top 10 terms by document co-occurrence (mean over pairs, then
topics; BERTopic's outlier topic -1 left out), topic diversity (distinct terms / all terms listed), and adjusted mutual
information of the topics with the true newsgroups (BERTopic's outliers count as one more cluster, as they are what
it assigns them).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_mutual_info_score
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.embedding import Embedder, post_text  # noqa: E402
from models.trends import (LABEL_TOKEN, Period, TrendPosts, TrendSettings, label_text, cluster,  # noqa: E402
                           find_trends, label_topics)
from tests.trend_corpus import END, Doc, surge_docs  # noqa: E402

GROUPS = ("sci.space", "rec.autos", "comp.graphics", "sci.med", "rec.sport.hockey", "sci.crypt",
          "talk.politics.mideast", "soc.religion.christian", "misc.forsale", "comp.windows.x")
TOP = 10
WARM_UP_POSTS = 500
# BERTopic's default CountVectorizer token pattern: its terms must be found in the reference the same way.
_BERTOPIC_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_PLN_TOKEN = re.compile(LABEL_TOKEN)


@dataclass(frozen=True)
class Run:
    """One side's result: topic of each post (-1: outlier), each topic's top terms, and the seconds it took."""

    labels: np.ndarray
    terms: list[tuple[str, ...]]
    seconds: float


@dataclass(frozen=True)
class Quality:
    topics: float  # averaged over runs in the summary
    npmi: float
    diversity: float
    ami: float
    outliers: float


def load_posts(per_group: int) -> list[Doc]:
    """Real posts, all dated in a 28-day baseline before `END` (no window share), so find_trends sees one period."""
    return surge_docs(per_group=per_group, window_share={g: 0 for g in GROUPS})


def run_pln(vectors: np.ndarray, texts: Sequence[str], settings: TrendSettings) -> Run:
    """Clustering and labelling as find_trends calls them, timed together."""
    began = time.perf_counter()
    with threadpool_limits(limits=1):
        labels, centroids = cluster(vectors, settings)
    terms = label_topics(texts, labels, len(centroids), settings)
    return Run(labels, terms, time.perf_counter() - began)


def run_find_trends(docs: Sequence[Doc], vectors: np.ndarray, settings: TrendSettings) -> Run:
    """find_trends end to end over one baseline holding every post and an empty window after it."""
    posts = TrendPosts(community=[d.group for d in docs], author=[d.author for d in docs],
                       title=[d.subject for d in docs], text=[d.body for d in docs],
                       url=[f"news:{d.doc_id}" for d in docs], published_at=[d.published_at for d in docs],
                       vectors=vectors)
    period = Period(END - timedelta(days=35), END - timedelta(days=7), END)
    began = time.perf_counter()
    found = find_trends(posts, period, settings=settings)
    seconds = time.perf_counter() - began
    # find_trends does not return each post's topic: its nearest centroid is k-means' own assignment at the end.
    centroids = np.vstack([t.centroid for t in found.topics])
    labels = np.argmax(vectors @ centroids.T, axis=1)
    return Run(labels, [t.terms for t in found.topics], seconds)


def run_bertopic(docs: Sequence[str], vectors: np.ndarray) -> Run:
    from bertopic import BERTopic  # imported here so its import time stays out of the timing

    began = time.perf_counter()
    model = BERTopic()
    labels, _ = model.fit_transform(list(docs), vectors)
    seconds = time.perf_counter() - began
    info = model.get_topics()
    terms = [tuple(word for word, _ in info[t] if word)[:TOP] for t in sorted(info) if t != -1]
    return Run(np.asarray(labels), terms, seconds)


def reference(texts: Sequence[str]) -> tuple[sparse.csc_matrix, dict[str, int]]:
    """Which posts use which words: each post's words as either side tokenises them, so every term either side
    produces can be found (pln keeps hyphenated words, BERTopic splits them)."""
    def words(text: str) -> list[str]:
        lowered = text.lower()
        return list(set(_BERTOPIC_TOKEN.findall(lowered)) | set(_PLN_TOKEN.findall(lowered)))

    vectorizer = CountVectorizer(analyzer=words, binary=True, dtype=np.float32)
    matrix = vectorizer.fit_transform(texts).tocsc()
    return matrix, {w: i for i, w in enumerate(vectorizer.get_feature_names_out())}


def npmi(topics: Sequence[tuple[str, ...]], matrix: sparse.csc_matrix, vocabulary: dict[str, int]) -> float:
    """Mean over topics of the mean NPMI over pairs of their top terms; a pair never seen together scores -1."""
    n = matrix.shape[0]
    scores = []
    for terms in topics:
        found = [vocabulary[t] for t in terms[:TOP] if t in vocabulary]
        if len(found) < 2:
            continue
        columns = matrix[:, found]
        together = (columns.T @ columns).toarray() / n
        alone = np.diag(together)
        pairs = []
        for i, j in combinations(range(len(found)), 2):
            joint = together[i, j]
            if joint == 0:
                pairs.append(-1.0)
            elif joint == 1:  # both in every post: no information, perfectly associated
                pairs.append(1.0)
            else:
                pairs.append(float(np.log(joint / (alone[i] * alone[j])) / -np.log(joint)))
        scores.append(float(np.mean(pairs)))
    return float(np.mean(scores)) if scores else float("nan")


def quality(run: Run, truth: Sequence[str], matrix: sparse.csc_matrix, vocabulary: dict[str, int]) -> Quality:
    listed = [t for terms in run.terms for t in terms[:TOP]]
    return Quality(topics=len(run.terms), npmi=npmi(run.terms, matrix, vocabulary),
                   diversity=len(set(listed)) / len(listed) if listed else float("nan"),
                   ami=float(adjusted_mutual_info_score(truth, run.labels)),
                   outliers=float(np.mean(run.labels == -1)))


def repeat(label: str, times: int, work: Callable[[], Run]) -> list[Run]:
    runs = []
    for n in range(times):
        runs.append(work())
        print(f"  {label} run {n + 1}: {runs[-1].seconds:.2f} s, {len(runs[-1].terms)} topics", flush=True)
    return runs


def summary(runs: Sequence[Run], truth: Sequence[str], matrix: sparse.csc_matrix,
            vocabulary: dict[str, int]) -> tuple[float, Quality]:
    """(median seconds, quality averaged over the runs): BERTopic's UMAP is unseeded, so its topics vary by run."""
    scored = [quality(r, truth, matrix, vocabulary) for r in runs]
    mean = Quality(*(float(np.mean([getattr(q, f) for q in scored])) for f in Quality.__dataclass_fields__))
    return statistics.median(r.seconds for r in runs), mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-group", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # UMAP's and numba's notices would bury the table

    docs = load_posts(args.per_group)
    truth = [d.group for d in docs]
    settings = TrendSettings()
    label_texts = [label_text(d.subject, d.body, settings.label_chars) for d in docs]
    embedder = Embedder()
    began = time.perf_counter()
    vectors = np.asarray(embedder.encode([post_text(d.subject, d.body) for d in docs]), dtype=np.float32)
    print(f"{len(docs)} posts of {len(GROUPS)} newsgroups embedded with {embedder.name} in "
          f"{time.perf_counter() - began:.1f} s (not timed below)", flush=True)
    matrix, vocabulary = reference([f"{d.subject}\n{d.body}" for d in docs])

    # Warm-ups outside the timing: numba compiles UMAP's and pynndescent's code on BERTopic's first fit.
    sample = np.random.default_rng(0).choice(len(docs), WARM_UP_POSTS, replace=False)
    began = time.perf_counter()
    run_bertopic([label_texts[i] for i in sample], vectors[sample])
    print(f"BERTopic warm-up fit on {WARM_UP_POSTS} posts (numba compilation): {time.perf_counter() - began:.1f} s",
          flush=True)
    run_pln(vectors[sample], [label_texts[i] for i in sample], settings)

    one, five, fifteen = os.getloadavg()
    print(f"load average before timing {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores", flush=True)
    rows = {
        "pln": repeat("pln cluster+label", args.repeats, lambda: run_pln(vectors, label_texts, settings)),
        "BERTopic": repeat("BERTopic", args.repeats, lambda: run_bertopic(label_texts, vectors)),
        "pln find_trends": repeat("pln find_trends", args.repeats, lambda: run_find_trends(docs, vectors, settings)),
    }
    one, five, fifteen = os.getloadavg()
    print(f"load average after timing {one:.2f} / {five:.2f} / {fifteen:.2f}", flush=True)

    results = {name: summary(runs, truth, matrix, vocabulary) for name, runs in rows.items()}
    print()
    print(f"{'':<16} {'topics':>7} {'seconds':>8} {'NPMI':>7} {'diversity':>9} {'AMI':>6} {'outliers':>8}")
    for name, (seconds, q) in results.items():
        print(f"{name:<16} {q.topics:>7.1f} {seconds:>8.2f} {q.npmi:>7.3f} {q.diversity:>9.3f} {q.ami:>6.3f} "
              f"{q.outliers:>8.1%}")
    (pln_s, pln_q), (bt_s, bt_q) = results["pln"], results["BERTopic"]
    print(f"\nspeed: pln {bt_s / pln_s:.1f}x faster than BERTopic (target >= 3x)")
    print(f"coherence: NPMI pln - BERTopic = {pln_q.npmi - bt_q.npmi:+.3f} (target >= 0)")
    print(f"diversity: {pln_q.diversity - bt_q.diversity:+.3f}; AMI: {pln_q.ami - bt_q.ami:+.3f}")

    print("\npln topics (top 5 terms):")
    for terms in rows["pln"][0].terms:
        print(f"  {', '.join(terms[:5])}")
    largest = rows["BERTopic"][0]
    sizes = np.bincount(largest.labels[largest.labels >= 0], minlength=len(largest.terms))
    print(f"BERTopic topics of its first run, largest 15 of {len(largest.terms)} (top 5 terms):")
    for t in np.argsort(-sizes, kind="stable")[:15]:
        print(f"  {sizes[t]:>4}  {', '.join(largest.terms[t][:5])}")


if __name__ == "__main__":
    main()
