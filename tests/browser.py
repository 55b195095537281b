"""Opens a page in headless Chromium (Debian's `chromium`) and returns the DOM it built and what it logged."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

# Chromium logs every console message and uncaught error of the page as INFO:CONSOLE lines on stderr.
_CONSOLE = re.compile(r":CONSOLE[^\]]*\]\s*(.*)")


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]


def chromium() -> str:
    """The Chromium binary; skips the test where none is installed, except in CI where it must be."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "headless Chromium not found (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must have it")
    pytest.skip(reason)


def render(page: Path, *, screenshot: Path | None = None, size: tuple[int, int] = (1200, 1600)) -> Rendered:
    """Load `page` with the network cut off, as a reader would open the file, and wait for it to settle."""
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
               # A self-contained page needs no network: any request it makes fails and shows in the console.
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=3000", f"--user-data-dir={page.parent / '.chromium'}"]
    command += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    done = subprocess.run([*command, page.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed on {page} ({done.returncode}): {done.stderr[-2000:]}")
    console = [m.group(1) for line in done.stderr.splitlines() if (m := _CONSOLE.search(line))]
    return Rendered(done.stdout, console)
