"""The weekly digest for 1,000 learners over a warehouse of 100,000 embedded posts, rendering and SMTP included.

    .venv/bin/python bench/digest_scale.py [--posts 100000] [--learners 1000]

The warehouse is recommend_scale's synthetic one (its builders, imported): posts over the 30 days before the
build, communities and authors drawn Zipf-like, three goals per learner near some community's posts. The digest of
the week the build falls in (covering the 7 days before its Monday) is sent by `run_week`, as `pln digest send`
and the weekly flow send it, to an aiosmtpd server on 127.0.0.1 in its own process that accepts and drops every
message. The run is timed in a fresh process, so nothing of the build counts. Prints the total, the time per
learner and where the time went, the chart's drawing and figures included.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.recommend_scale import Shape, Stopwatch, add_crowd, build, load, peak_rss_mib  # noqa: E402
from tests.smtp_inbox import free_port  # noqa: E402

DB_NAME = "digest_scale.duckdb"


def measure(path: Path, built: datetime, port: int) -> dict[str, object]:
    """Send the week's digests once; the breakdown times the calls run_week makes, where it looks them up."""
    began = time.perf_counter()
    import flows.digest_content as content
    import flows.digest_mail as mail
    import flows.digest_run as running
    from flows.digest_links import Links
    from flows.smtp import Mailer, SmtpSettings
    from models.digest import Week
    from models.embedding import Embedder
    from warehouse import db, digests
    imported = time.perf_counter() - began

    watch = Stopwatch()
    watch.wrap(running, "read_week", "read the week once (ranking window + trends)")
    watch.wrap(content, "window", "ranking window (DuckDB -> Arrow, numpy)")
    watch.wrap(content, "trends", "trends of the week (clustering 35 days)")
    watch.wrap(content, "compose", "compose one learner's digest")
    watch.wrap(content, "recommend_wanted", "rank communities and people (recommend_wanted)")
    watch.wrap(content, "_best", "best posts of the week per goal")
    watch.wrap(content, "_volume", "posts per goal per week (the chart's figures)")
    watch.wrap(running, "render", "render the email (Jinja2, EmailMessage)")
    watch.wrap(mail, "draw", "draw the chart (matplotlib Agg, palette PNG)")
    watch.wrap(digests, "record_intent", "record the intent (warehouse)")
    watch.wrap(Mailer, "send", "SMTP to the local server")
    watch.wrap(digests, "mark", "record the outcome (warehouse)")
    week = Week.of(built.date())
    server = SmtpSettings("127.0.0.1", port, "none", "pln digest <digest@pln.example>")
    with db.connect(path) as conn, Mailer(server) as mailer, watch.call() as spent:
        report = running.run_week(conn, week, embedder=Embedder(), links=Links(server.sender), mailer=mailer,
                                  retry=running.Retry(()))
    learners = len(report.sent) + len(report.nothing_new) + len(report.failed) + len(report.uncertain)
    return {"week": str(week), "import_s": round(imported, 2), "learners": learners, "sent": len(report.sent),
            "nothing_new": len(report.nothing_new), "failed": len(report.failed),
            "uncertain": len(report.uncertain), "spent_s": {k: round(v, 2) for k, v in spent.items()},
            "peak_rss_mib": round(peak_rss_mib())}


def smtp_sink(port: int) -> subprocess.Popen[bytes]:
    """aiosmtpd in its own process, accepting and dropping every message; returns once it listens."""
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise RuntimeError(f"aiosmtpd did not start listening on 127.0.0.1:{port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=1_000)
    parser.add_argument("--authors", type=int, default=20_000)
    parser.add_argument("--learners", type=int, default=1_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the fresh measuring process
    parser.add_argument("--built", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.measure:
        print(json.dumps(measure(a.measure, datetime.fromisoformat(a.built), a.port)))
        return 0
    from models.embedding import Embedder

    shape = Shape(a.posts, a.communities, a.authors)
    model = Embedder().name
    with tempfile.TemporaryDirectory(prefix="pln-digest-scale-") as scratch:
        path = Path(scratch) / DB_NAME
        built = build(path, shape, model)
        add_crowd(path, a.learners, model)
        port = free_port()
        sink = smtp_sink(port)
        print(f"timing the digest of {a.learners:,} learners over {a.posts:,} posts in a fresh process; {load()}",
              flush=True)
        try:
            began = time.perf_counter()
            child = subprocess.run([sys.executable, __file__, "--measure", str(path), "--built", built.isoformat(),
                                    "--port", str(port)], check=True, capture_output=True, text=True)
            wall = time.perf_counter() - began
        finally:
            sink.terminate()
            sink.wait()
    result = json.loads(child.stdout.strip().splitlines()[-1])
    spent = result.pop("spent_s")
    total = spent.pop("total")
    print(f"week {result['week']}: {result['sent']:,} sent, {result['nothing_new']} with nothing new, "
          f"{result['failed']} failed, {result['uncertain']} uncertain")
    print(f"total {total:.1f} s for {result['learners']:,} learners: {1000 * total / max(result['learners'], 1):.0f} "
          f"ms per learner (process {wall:.1f} s with start-up and imports {result['import_s']:.1f} s); "
          f"peak RSS {result['peak_rss_mib']:,} MiB; {load()}")
    for label, seconds in spent.items():
        shown = "  " * label.count(" > ") + label.split(" > ")[-1]
        print(f"  {shown:<66}{seconds:9.2f} s{100 * seconds / total:6.0f}%")
    return 0 if result["failed"] == result["uncertain"] == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    sys.exit(main())
