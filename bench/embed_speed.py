"""Embedding throughput on real posts: stock sentence-transformers beside pln's default embedder, in one run.

Posts come from the Reddit archive in ../shared/data, picked the way the evaluation's feeds pick them
(../shared/tools/corpus_to_feeds.py: text posts first, then link posts), and go in as the pipeline sends
them (`post_text(title, body)`). In order:

1. baseline: stock `SentenceTransformer.encode` (fp32, PyTorch, default 256-token limit, batch 32);
2. pln's default `Embedder()`; the ratio of the two is the headline figure;
3. stock fp32 at pln's token limit on the same texts: the reference for the cosine of the runtime change
   (same input, fp32 vs the default runtime), and its own speed;
4. with `--also`, other configurations weighed, as RUNTIME/tTOKENS (e.g. onnx/t256, onnx-int8/t256).

    python bench/embed_speed.py [--posts 5000] [--also onnx/t256,onnx-int8/t256,onnx/t128] [--repeat-baseline]
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from corpus import SHARED, embedder_env  # noqa: E402
from models.embedding import Embedder, post_text  # noqa: E402


def reddit_posts(n: int, seed: int = 7) -> list[str]:
    """`n` real Reddit posts as the pipeline embeds them, spread over every subreddit in the archive."""
    tool = SHARED / "tools" / "corpus_to_feeds.py"
    if not tool.exists():
        raise SystemExit(f"{tool}: not found (benchmarks need ../shared next to the clone)")
    spec = importlib.util.spec_from_file_location("corpus_to_feeds", tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    per = math.ceil(n / 100)
    texts = [post_text(p["title"], p["text"]) for _, _, posts in module.reddit_top(None, per) for p in posts]
    random.Random(seed).shuffle(texts)
    return texts[:n]


def timed(encode, texts: list[str]) -> tuple[np.ndarray, float]:
    encode(texts[:64])  # load and warm up outside the timing
    started = time.perf_counter()
    vectors = encode(texts)
    return np.asarray(vectors, dtype=np.float32), time.perf_counter() - started


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def configuration(spec: str) -> Embedder:
    env = embedder_env(spec)
    limit, text = env["PLN_EMBED_MAX_TOKENS"], env["PLN_EMBED_TEXT"]
    return Embedder(runtime=env["PLN_EMBED_RUNTIME"], max_tokens=int(limit) if limit else None, text=text or None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=5000, help="real posts to embed")
    ap.add_argument("--also", default="", help="other configurations, comma-separated RUNTIME/tTOKENS[/readable|raw]")
    ap.add_argument("--repeat-baseline", action="store_true",
                    help="run the baseline again at the end and use the mean of both (guards against drift)")
    a = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    texts = reddit_posts(a.posts)

    from sentence_transformers import SentenceTransformer

    pln = Embedder()
    stock = SentenceTransformer(pln.path, device="cpu")
    print(f"{len(texts)} real Reddit posts, {os.cpu_count()} cores; stock max_seq_length {stock.max_seq_length}; "
          f"pln default: {pln.name}")
    tokens = [len(ids) for ids in stock.tokenizer(texts, truncation=False)["input_ids"]]
    print(f"tokens per post: median {statistics.median(tokens):.0f}, mean {statistics.mean(tokens):.0f}, "
          f"over 128: {sum(t > 128 for t in tokens) / len(tokens):.0%}, over 256: {sum(t > 256 for t in tokens) / len(tokens):.0%}")

    def stock_encode(batch: list[str]) -> np.ndarray:
        return stock.encode(batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    base, base_s = timed(stock_encode, texts)
    started = time.perf_counter()
    pln.model  # noqa: B018 - builds the cached ONNX model on a fresh machine; reported, not timed
    print(f"pln model ready in {time.perf_counter() - started:.1f}s (a build happens once per cache)")
    mine, pln_s = timed(pln.encode, texts)
    rows = [("stock ST.encode fp32 t256 (baseline)", base_s, None), (f"pln default {pln.name}", pln_s, None)]

    reference_spec = (f"torch/t{pln.max_tokens}" if pln.max_tokens else "torch") + f"/{pln.text}"
    reference = configuration(reference_spec)
    if reference.name == pln.name:
        same_input = mine
    else:
        same_input, ref_s = timed(reference.encode, texts)
        rows.append((f"{reference.name} (fp32, pln's input)", ref_s, None))
    runtime_cos = cosines(mine, same_input)
    rows[1] = (rows[1][0], pln_s, runtime_cos)

    for spec in filter(None, (s.strip() for s in a.also.split(","))):
        other = configuration(spec)
        vectors, seconds = timed(other.encode, texts)
        limit = other.max_tokens or 256
        ref = (base if (limit, other.text) == (256, "raw") else
               same_input if (limit, other.text) == (pln.max_tokens, pln.text) else None)
        if ref is None:
            ref, _ = timed(configuration(f"torch/t{limit}/{other.text}").encode, texts)
        rows.append((other.name, seconds, cosines(vectors, ref)))

    if a.repeat_baseline:
        _, again = timed(stock_encode, texts)
        print(f"baseline runs: {base_s:.1f}s, {again:.1f}s")
        base_s = (base_s + again) / 2
        rows[0] = (rows[0][0], base_s, None)

    print(f"\n{'configuration':52}{'seconds':>9}{'posts/s':>9}{'x stock':>9}{'cos mean':>10}{'cos min':>9}")
    for label, seconds, cos in rows:
        cos_cells = f"{cos.mean():>10.4f}{cos.min():>9.4f}" if cos is not None else f"{'':>10}{'':>9}"
        print(f"{label:52}{seconds:>9.1f}{len(texts) / seconds:>9.1f}{base_s / seconds:>9.2f}{cos_cells}")
    print(f"\npln default vs stock: {len(texts) / pln_s:.1f} vs {len(texts) / base_s:.1f} posts/s = "
          f"{base_s / pln_s:.2f}x; runtime change on the same input ({reference.name} -> {pln.name}): "
          f"cosine mean {runtime_cos.mean():.4f}, min {runtime_cos.min():.4f}")
    print(f"cosine of pln default to stock full text (input and runtime changed; judged by the evaluation): "
          f"mean {cosines(mine, base).mean():.4f}, min {cosines(mine, base).min():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
