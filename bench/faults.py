"""Load and fault runs: gunicorn on a private PostgreSQL and Redis, under wrk.

    .venv/bin/python -m bench.faults [--duration 60] [--connections 64]
                                     [--outage 5] [--articles N]

One gunicorn serves three scenarios in turn and is never restarted:

- load: wrk on article pages (bench/wrk_paths.lua walks the list of every
  imported article) for `duration` seconds;
- postgres: the same load, with PostgreSQL stopped a third of the way in for
  `outage` seconds, then started again;
- redis: likewise with Redis.

Each scenario starts with an empty page cache. Alongside wrk a thread asks
for article pages one at a time, each with a query string of its own so that
it misses the page cache and needs the database, and records each status and
whether the body looks like a traceback; the server's own log gives the count
of 500s and tracebacks over every request. "Recovery" is the
time from the service being back (accepting connections again) to the last
failed page the thread saw; "first 200" is the time to its first good page.

The data: the sample corpus (or its first `articles` files), imported with
import_seeds into a fresh database on the private cluster. Prints a table and
writes bench/RESULTS-faults.md.
"""

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report, wrk  # noqa: E402 (needs the path above)
from bench.servers import AppServer, PostgresCluster, RedisServer  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "corpus" / "hkcnews-sample"
TRACEBACK_MARKS = ("Traceback (most recent call last)", "Exception Value")
SETTLE_SECONDS = 2  # 200s in a row that count as "the site is back"
GIVE_UP_SECONDS = 30  # after the service is back, or after the load ends


def say(text):
    print(f"[faults] {text}", file=sys.stderr, flush=True)


def manage(env, *args, timeout=1800):
    """Run manage.py with `env`; return its stdout. Exit status 1 ("some files
    failed to import") is accepted; anything else raises RuntimeError."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stderr[-3000:]}"
        )
    return result.stdout


def article_paths(env) -> list[str]:
    """The URL path of every published article, percent-encoded for wrk."""
    out = manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from articles.models import Article\n"
        "for a in Article.objects.published().only('pk', 'slug'):\n"
        "    print(a.get_absolute_url())",
    )
    return [
        urllib.parse.quote(line.strip(), safe="/%")
        for line in out.splitlines()
        if line.startswith("/")
    ]


def import_sample(env, workdir: Path, articles=None, sample=SAMPLE) -> str:
    """Migrate, then import the sample (its first `articles` files when given).
    Returns import_seeds' summary line."""
    source = sample
    if articles is not None:
        source = workdir / "articles"
        source.mkdir()
        for path in sorted(sample.glob("*.md"))[:articles]:
            shutil.copy(path, source / path.name)
    manage(env, "migrate", "--noinput", "-v0")
    out = manage(env, "import_seeds", str(source), "--no-progress")
    return (out.strip().splitlines() or [""])[-1]


class Poller(threading.Thread):
    """Asks for one uncached page after another, recording (start, end,
    status, is a traceback) for each; status None is a failed connection."""

    def __init__(self, base, paths):
        super().__init__(daemon=True)
        self.base = base
        self.paths = paths
        self.samples = []
        self._done = threading.Event()

    def run(self):
        n = 0
        while not self._done.is_set():
            # A parameter the page cache keys on but article pages do not
            # read: never stored, so every poll needs the database.
            url = f"{self.base}{self.paths[n % len(self.paths)]}?q=poll-{n}"
            n += 1
            start = time.monotonic()
            status, body = None, ""
            try:
                with urllib.request.urlopen(url, timeout=15) as response:
                    status, body = (
                        response.status,
                        response.read().decode(errors="replace"),
                    )
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode(errors="replace")
            except OSError:
                pass
            traceback = any(mark in body for mark in TRACEBACK_MARKS)
            self.samples.append((start, time.monotonic(), status, traceback))
            self._done.wait(0.05)

    def settled_since(self, moment) -> bool:
        """Pages asked for after `moment` have all been 200 for SETTLE_SECONDS."""
        after = [s for s in self.samples if s[0] >= moment]
        if not after or any(s[2] != 200 for s in after[-20:]):
            return False
        failures = [s for s in after if s[2] != 200]
        since = failures[-1][1] if failures else moment
        return after[-1][1] - since >= SETTLE_SECONDS

    def stop(self):
        self._done.set()
        self.join(timeout=30)


def _server_errors(text) -> dict:
    return {
        "503s": text.count("Service Unavailable: "),
        "500s": text.count("Internal Server Error: "),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker timeouts": text.count("WORKER TIMEOUT"),
    }


def scenario(
    name, server, cache, paths_file, paths, duration, connections, fault, outage
):
    """One wrk run from an empty page cache (`cache`: the RedisServer), with
    `fault` (a server with stop() and start()) stopped for `outage` seconds a
    third of the way in. Returns a result row."""
    say(f"{name}: {duration} s at {connections} connections")
    cache.flush()  # every scenario starts with no page cached
    log_mark = server.log_size()
    poller = Poller(server.base, paths)
    poller.start()
    began = time.monotonic()
    back = None
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(
            wrk.run, server.base, duration, connections, paths_file=paths_file
        )
        if fault is not None:
            time.sleep(duration / 3)
            say(f"{name}: stopping for {outage} s")
            fault.stop()
            time.sleep(outage)
            fault.start()
            back = time.monotonic()
            say(f"{name}: back")
        result = load.result()
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while time.monotonic() < deadline and not poller.settled_since(back or began):
        time.sleep(0.2)
    poller.stop()
    if server.process.poll() is not None:
        raise RuntimeError(f"gunicorn exited during {name}:\n{server.log_text()}")

    samples = poller.samples
    statuses = collections.Counter(s[2] for s in samples)
    recovery = first_200 = None
    if back is not None:
        late_failures = [s for s in samples if s[2] != 200 and s[1] >= back]
        recovery = max((s[1] for s in late_failures), default=back) - back
        first = next((s for s in samples if s[0] >= back and s[2] == 200), None)
        first_200 = first[1] - back if first else None
    return {
        "scenario": name,
        "requests": result["requests"],
        "req/s": result["rps"],
        "p50 ms": result["p50"],
        "p99 ms": result["p99"],
        "non-2xx": result["non_2xx"],
        "socket errors": result["socket_errors"],
        "polled": ", ".join(
            f"{status or 'no answer'}: {count}"
            for status, count in sorted(statuses.items(), key=lambda i: i[0] or 0)
        ),
        "polled tracebacks": sum(1 for s in samples if s[3]),
        **_server_errors(server.log_text(since=log_mark)),
        "recovery s": recovery,
        "first 200 s": first_200,
        "recovered": poller.settled_since(back or began),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def run(duration=60, connections=64, outage=5, articles=None, *, sample=SAMPLE):
    """The three scenarios (see the module docstring); returns their rows.

    Raises FileNotFoundError when wrk, redis-server or the PostgreSQL server
    binaries are missing, RuntimeError when a service will not start.
    """
    if not wrk.available():
        raise FileNotFoundError("wrk is not installed (apt-get install wrk)")
    with (
        tempfile.TemporaryDirectory(prefix="newsroom-faults-") as tmp,
        PostgresCluster() as postgres,
        RedisServer() as redis,
    ):
        workdir = Path(tmp)
        env = dict(
            os.environ,
            DATABASE_URL=postgres.create_database("newsroom_faults"),
            REDIS_URL=redis.url,
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1",
            SECRET_KEY="fault-run-" + uuid.uuid4().hex,
            LOG_LEVEL="ERROR",
            LOG_FORMAT="text",
        )
        say(f"importing {articles or 'all'} articles of {sample}")
        say(import_sample(env, workdir, articles, sample))
        paths = article_paths(env)
        if not paths:
            raise RuntimeError("no published article to request")
        paths_file = workdir / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        with AppServer(env) as server:
            return [
                scenario(
                    name, server, redis, paths_file, paths, duration, connections, *f
                )
                for name, f in (
                    ("load", (None, 0)),
                    ("postgres restart", (postgres, outage)),
                    ("redis restart", (redis, outage)),
                )
            ]


def to_markdown(rows) -> str:
    return report.markdown_table(
        [{k: v for k, v in row.items() if k != "statuses"} for row in rows]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--outage", type=int, default=5)
    parser.add_argument(
        "--articles", type=int, help="Import only the first N sample files."
    )
    options = parser.parse_args()
    rows = run(options.duration, options.connections, options.outage, options.articles)
    text = (
        f"Machine: {report.machine_line()}\n\n"
        f"wrk -t2 -c{options.connections} -d{options.duration}s over article pages; "
        f"outages of {options.outage} s; gunicorn.conf.py defaults\n\n"
        f"{to_markdown(rows)}\n"
    )
    print(text)
    (ROOT / "bench" / "RESULTS-faults.md").write_text(
        "# Load and fault runs\n\n"
        f"Command: `.venv/bin/python -m bench.faults {' '.join(sys.argv[1:])}`\n\n"
        + text
    )


if __name__ == "__main__":
    main()
