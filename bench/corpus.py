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
