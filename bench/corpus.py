"""Builds benchmark feeds from a corpus in ../shared with its corpus_to_feeds.py, in a scratch folder unless kept."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@contextmanager
def corpus_feeds(corpus: str, *, as_of: str, max_per: int, only: Sequence[str] = (),
                 keep: Path | None = None) -> Iterator[Path]:
    """A folder holding `feeds/*.xml` and `subscriptions.opml`; removed afterwards unless it is `keep`."""
    tool = SHARED / "tools" / "corpus_to_feeds.py"
    if not tool.exists():
        raise SystemExit(f"{tool}: not found (benchmarks need ../shared next to the clone)")
    with tempfile.TemporaryDirectory(prefix="pln-bench-") as scratch:
        work = keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(tool), corpus, str(work), "--as-of", as_of, "--max-per", str(max_per)]
        if only:
            command += ["--only", ",".join(only)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        yield work


def embedder_env(spec: str) -> dict[str, str]:
    """The environment that makes `Embedder()` use configuration `spec`: RUNTIME[/tTOKENS][/readable|raw].

    Unset parts stay at the runtime's defaults (their variables are set empty, which Embedder ignores).
    """
    runtime, *rest = spec.strip().split("/")
    env = {"PLN_EMBED_RUNTIME": runtime, "PLN_EMBED_MAX_TOKENS": "", "PLN_EMBED_TEXT": ""}
    for part in rest:
        if part[:1] == "t" and part[1:].isdigit():
            env["PLN_EMBED_MAX_TOKENS"] = part[1:]
        else:
            env["PLN_EMBED_TEXT"] = part
    return env
