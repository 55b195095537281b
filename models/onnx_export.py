"""Builds the ONNX form of a local sentence-transformers model once, caches it on disk, and finds it again.

The graph takes `input_ids`, `attention_mask` and `token_type_ids` (int64, batch x tokens) and returns the
sentence embedding itself: the transformer, mean pooling over the attention mask and L2 normalisation are
all inside it, so running it needs only onnxruntime and the model's own fast tokenizer.

The exported graph is then fused by onnxruntime's BERT optimizer (EmbedLayerNormalization, Attention,
BiasGelu, SkipLayerNormalization: ~15% faster on 2 cores, same output). Variants: "fp32" (the fused graph)
and "int8" (onnxruntime dynamic quantisation of the constant weights of MatMul and Attention only, per
output channel, signed 8-bit). Those int8 settings are the measured ones: onnxruntime's default dynamic
quantisation (per tensor) drops the mean cosine to fp32 to ~0.95, this keeps it at ~0.99 (see
bench/embed_speed.py).

The cache lives in `$PLN_CACHE_DIR` (default `~/.cache/pln`) under `onnx/<model>-<variant>-<key>/model.onnx`,
where `key` hashes the source model's files and the export settings, so a changed model or changed settings
get a fresh build and never reuse a stale one. A build writes to a unique temporary file in the target
folder and renames it into place, so two processes building at once both end up with a whole file.

Only `build` imports torch/transformers (a few seconds); finding a cached model imports nothing heavy.
No network is used: the model loads from its local folder with the hub switched off.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

# Bump when the export code changes in a way that changes the graph's output.
EXPORT_VERSION = 1
OPSET = 17
VARIANTS = ("fp32", "int8")
# Files of a model folder that decide the weights and the architecture; hashed by content when small,
# by size and modification time when large (hashing 90 MB of weights on every start costs ~0.2 s).
_SMALL = 1 << 20

# How many builds this process has done (tests use it to check the cache is reused).
builds = 0


@dataclass(frozen=True)
class ExportSettings:
    variant: str = "int8"
    opset: int = OPSET
    pooling: str = "mean"
    normalize: bool = True
    fuse: bool = True
    export_version: int = EXPORT_VERSION

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"{self.variant!r}: unknown ONNX variant (choose from {', '.join(VARIANTS)})")

    @property
    def quantisation(self) -> dict[str, object] | None:
        if self.variant == "fp32":
            return None
        return {"weight_type": "QInt8", "per_channel": True, "op_types": ["MatMul", "Attention"] if self.fuse else ["MatMul"],
                "MatMulConstBOnly": True}


def cache_dir() -> Path:
    """pln's cache folder: `$PLN_CACHE_DIR`, else `~/.cache/pln`."""
    return Path(os.environ.get("PLN_CACHE_DIR") or Path.home() / ".cache" / "pln").expanduser()


def model_fingerprint(model_path: str | Path) -> str:
    """A hash of the model folder: contents of its small files, size and mtime of its large ones."""
    root = Path(model_path)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = path.relative_to(root).as_posix()
        if rel.lower().endswith(".md"):
            continue
        stat = path.stat()
        digest.update(rel.encode() + b"\0")
        if stat.st_size <= _SMALL:
            digest.update(path.read_bytes())
        else:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_key(model_path: str | Path, settings: ExportSettings) -> str:
    payload = json.dumps({"model": model_fingerprint(model_path), "settings": asdict(settings),
                          "quantisation": settings.quantisation}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def cached_path(name: str, model_path: str | Path, settings: ExportSettings, root: Path | None = None) -> Path:
    """Where the built model for (model, settings) lives; it may not exist yet."""
    label = re.sub(r"[^\w.-]+", "_", Path(name).name or name).strip("_") or "model"
    return (root or cache_dir()) / "onnx" / f"{label}-{settings.variant}-{cache_key(model_path, settings)}" / "model.onnx"


def ensure_model(name: str, model_path: str | Path, settings: ExportSettings | None = None,
                 root: Path | None = None) -> Path:
    """The cached ONNX model for (model, settings), building it first when it is not there yet."""
    settings = settings or ExportSettings()
    target = cached_path(name, model_path, settings, root)
    if not target.exists():
        build(model_path, target, settings)
    return target


def build(model_path: str | Path, target: Path, settings: ExportSettings) -> Path:
    """Export (and quantise) the model into `target`, atomically; returns `target`."""
    global builds
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-", dir=target.parent) as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        _export(Path(model_path), fp32, settings)
        fused = {}
        if settings.fuse:
            fused = _fuse(Path(model_path), fp32, Path(scratch) / "fused.onnx")
            fp32 = Path(scratch) / "fused.onnx"
        if settings.variant == "int8":
            staged = Path(scratch) / "int8.onnx"
            _quantise(fp32, staged, settings)
        else:
            staged = fp32
        # Same folder, same file system: the rename is atomic, and the last of two racing builders wins
        # with a file identical to the first one's.
        os.replace(staged, target)
    info = {"source": str(model_path), "settings": asdict(settings), "quantisation": settings.quantisation,
            "fused_operators": fused, "seconds": round(time.perf_counter() - started, 1), "built_at": time.time()}
    _write_atomic(target.with_name("build.json"), json.dumps(info, indent=2) + "\n")
    builds += 1
    return target


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _export(model_path: Path, out: Path, settings: ExportSettings) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    # Eager attention traces into plain MatMul/Softmax ops that the exporter and the quantiser handle.
    bert = AutoModel.from_pretrained(str(model_path), attn_implementation="eager", local_files_only=True)
    bert.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001 - traced
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if settings.normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            return pooled

    sample = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    # The tracer warns about branches fixed at trace time (no padding beyond the mask, which holds here).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(), (sample, sample, torch.zeros_like(sample)), str(out),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["sentence_embedding"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                        "sentence_embedding": {0: "batch"}},
                          opset_version=settings.opset, do_constant_folding=True, dynamo=False)


def _fuse(model_path: Path, src: Path, out: Path) -> dict[str, int]:
    """Fuse the BERT blocks into onnxruntime's contrib ops; returns how many of each it fused."""
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_path / "config.json").read_text())
    optimized = optimize_model(str(src), model_type="bert", num_heads=int(config["num_attention_heads"]),
                               hidden_size=int(config["hidden_size"]), opt_level=1)
    optimized.save_model_to_file(str(out))
    return {op: n for op, n in optimized.get_fused_operator_statistics().items() if n}


def _quantise(fp32: Path, out: Path, settings: ExportSettings) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    options = settings.quantisation or {}
    # The fused contrib ops (com.microsoft domain) defeat ONNX shape inference: their outputs are float.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process goes to the root logger; measured without it
    try:
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=list(options["op_types"]),
                         extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
