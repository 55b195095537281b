"""The embedder's runtimes on real Reddit posts: int8 ONNX against stock fp32, its cache, its names.

The ONNX model is built once per test session into a throwaway cache (~10-20 s on 2 cores, most of it
importing torch and exporting); every test after that reuses it.
"""
from __future__ import annotations

import csv
import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models import onnx_export
from models.embedding import DEFAULT_RUNTIME, PACKAGED_MODEL, Embedder, ModelError, post_text, readable
from tests.conftest import ROOT, shared_path

SUBREDDITS = ("programming", "AskHistorians", "Cooking", "personalfinance", "Fitness", "science")


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory):
    """A fresh PLN_CACHE_DIR for the session, with the default model built in it once."""
    root = tmp_path_factory.mktemp("pln-cache")
    before = os.environ.get("PLN_CACHE_DIR")
    os.environ["PLN_CACHE_DIR"] = str(root)
    builds = onnx_export.builds
    embedder = Embedder(runtime="onnx-int8")
    embedder.model  # noqa: B018 - builds
    assert onnx_export.builds == builds + 1
    yield root
    if before is None:
        os.environ.pop("PLN_CACHE_DIR", None)
    else:
        os.environ["PLN_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def posts() -> list[str]:
    """About 200 real Reddit posts (text posts first, as the evaluation's feeds pick them), as the pipeline embeds them."""
    folder = shared_path("reddit-top-posts-by-subreddit", "data")
    texts = []
    csv.field_size_limit(sys.maxsize)
    for name in SUBREDDITS:
        with gzip.open(folder / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("title")]
        rows = [r for r in rows if r.get("selftext")][:30] + [r for r in rows if not r.get("selftext")][:10]
        texts += [post_text(r["title"], r.get("selftext") or "") for r in rows]
    return texts


@pytest.fixture(scope="session")
def default(cache: Path) -> Embedder:
    return Embedder(runtime="onnx-int8")


def test_the_default_is_int8_onnx_on_64_readable_tokens_filed_under_its_own_name(monkeypatch) -> None:
    for variable in ("PLN_EMBED_RUNTIME", "PLN_EMBED_MAX_TOKENS", "PLN_EMBED_TEXT"):
        monkeypatch.delenv(variable, raising=False)
    embedder = Embedder()
    assert (embedder.runtime, embedder.max_tokens, embedder.text) == ("onnx-int8", 64, "readable") == \
        (DEFAULT_RUNTIME, 64, "readable")
    assert embedder.name == "all-MiniLM-L6-v2/onnx-int8/t64/readable"
    monkeypatch.setenv("PLN_EMBED_MAX_TOKENS", "128")
    monkeypatch.setenv("PLN_EMBED_TEXT", "raw")
    assert Embedder().name == "all-MiniLM-L6-v2/onnx-int8/t128"
    monkeypatch.setenv("PLN_EMBED_TEXT", "html")
    with pytest.raises(ModelError, match="html"):
        Embedder()
    monkeypatch.setenv("PLN_EMBED_TEXT", "raw")
    monkeypatch.setenv("PLN_EMBED_MAX_TOKENS", "lots")
    with pytest.raises(ModelError, match="PLN_EMBED_MAX_TOKENS='lots'"):
        Embedder()


def test_readable_text_keeps_the_words_and_the_sites_and_drops_link_and_markup_noise() -> None:
    post = ("The [NYT article](http://www.nytimes.com/2012/09/09/technology/valve.html?_r=1) was **great**\n"
            "> quoted line\n---\nsee https://github.com/foo/bar?tab=readme   and  more\u200b\n\n")
    assert readable(post) == "The NYT article (nytimes.com) was great\nquoted line\nsee github.com and more"
    assert readable("plain words stay as they are") == "plain words stay as they are"
    assert readable("") == ""


def test_int8_onnx_stays_close_to_stock_fp32_on_the_same_input(default: Embedder, posts: list[str]) -> None:
    vectors = default.encode(posts)
    # Same input text: stock sentence-transformers fp32 on the default's text, truncated at its token limit.
    reference = Embedder(runtime="torch", max_tokens=default.max_tokens, text=default.text).encode(posts)
    cosines = (vectors * reference).sum(1)
    print(f"\n{len(posts)} real posts, {default.name} vs fp32 torch: cosine mean {cosines.mean():.4f}, "
          f"min {cosines.min():.4f}")
    assert cosines.mean() >= 0.98
    assert cosines.min() >= 0.9


def test_vectors_are_unit_384_float32_rows_in_input_order(default: Embedder, posts: list[str]) -> None:
    reported = []
    vectors = default.encode(posts[:50], on_progress=reported.append)
    assert vectors.shape == (50, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert sum(reported) == 50
    assert default.dimension == 384
    # Order is the input's, not the length-sorted batches': each row matches the post encoded alone.
    alone = np.vstack([default.encode([p]) for p in posts[:5]])
    assert ((vectors[:5] * alone).sum(1) > 0.95).all()


def test_empty_input_gives_no_rows(default: Embedder) -> None:
    for embedder in (default, Embedder(runtime="torch")):
        vectors = embedder.encode([])
        assert vectors.shape == (0, 384) and vectors.dtype == np.float32
    assert default.encode([""]).shape == (1, 384)


def test_a_second_embedder_reuses_the_cached_model(cache: Path, default: Embedder) -> None:
    default.model  # noqa: B018
    built = sorted(cache.glob("onnx/*/model.onnx"))
    assert len(built) == 1
    stamp, builds = built[0].stat().st_mtime_ns, onnx_export.builds
    again = Embedder(runtime="onnx-int8")
    again.encode(["reused, not rebuilt"])
    assert onnx_export.builds == builds
    assert built[0].stat().st_mtime_ns == stamp
    assert sorted(cache.glob("onnx/*/model.onnx")) == built
    assert not [p for p in built[0].parent.iterdir() if p.name not in ("model.onnx", "build.json")]


def test_a_cache_built_with_other_settings_or_another_model_is_not_reused(cache: Path, default: Embedder,
                                                                          tmp_path: Path) -> None:
    int8 = onnx_export.cached_path(default.model_name, default.path, onnx_export.ExportSettings("int8"))
    assert int8.exists()
    for other in (onnx_export.ExportSettings("fp32"), onnx_export.ExportSettings("int8", fuse=False),
                  onnx_export.ExportSettings("int8", opset=18)):
        assert onnx_export.cached_path(default.model_name, default.path, other) != int8
    # The same model with a changed file is another source: another key.
    copy = tmp_path / "model"
    copy.mkdir()
    for path in Path(default.path).iterdir():
        if path.is_file():
            (copy / path.name).symlink_to(path)
    (copy / "config.json").unlink()
    (copy / "config.json").write_text(Path(default.path, "config.json").read_text().replace('"gelu"', '"gelu_new"'))
    assert onnx_export.cached_path(default.model_name, copy, onnx_export.ExportSettings("int8")) != int8


def test_torch_keeps_the_stock_name_and_still_works(posts: list[str]) -> None:
    embedder = Embedder(runtime="torch")
    assert embedder.name == PACKAGED_MODEL
    assert Embedder(runtime="torch", max_tokens=256).name == PACKAGED_MODEL
    assert Embedder(runtime="torch", max_tokens=128).name == "all-MiniLM-L6-v2/torch/t128"
    vectors = embedder.encode(posts[:8])
    assert vectors.shape == (8, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_the_runtime_comes_from_the_environment_and_unknown_ones_are_refused(monkeypatch) -> None:
    monkeypatch.setenv("PLN_EMBED_RUNTIME", "torch")
    assert Embedder().name == PACKAGED_MODEL
    assert Embedder(runtime="onnx").name == "all-MiniLM-L6-v2/onnx/t64/readable"
    monkeypatch.setenv("PLN_EMBED_RUNTIME", "tensorflow")
    with pytest.raises(ModelError, match="tensorflow"):
        Embedder()


def test_the_onnx_path_imports_neither_torch_nor_sentence_transformers(cache: Path) -> None:
    code = ("import sys; from models.embedding import Embedder; v = Embedder(runtime='onnx-int8').encode(['a post']); "
            "print(v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    env = {**os.environ, "PLN_CACHE_DIR": str(cache)}
    env.pop("PLN_EMBED_RUNTIME", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["False", "False"], out.stdout + out.stderr
