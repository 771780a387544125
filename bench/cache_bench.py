"""What the shared page cache costs, and how fast an unpublish reaches readers.

    .venv/bin/python bench/cache_bench.py [--redis redis://127.0.0.1:6379/9]
        [--duration 10] [--trials 5] [--json]

One SQLite database with the seed articles; gunicorn with gunicorn.conf.py's
defaults (several workers), once per cache backend: each process's memory
(the old default, shown for comparison only: it cannot invalidate across
workers), the file-based cache (the default without REDIS_URL) and Redis.

1. Warm pages: wrk on an article and the home page; requests per second and
   server CPU per request (gunicorn's master and workers, from /proc), so the
   backends compare in one run on a shared machine.
2. Reach: the article is warm in every worker, then unpublished by another
   process (`manage.py shell`, as an editor's save on another worker or an
   import would be). Readers poll it on fresh connections; the reach is the
   time from the commit to the last 200 any of them got. Each trial publishes
   again and re-warms.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report, wrk  # noqa: E402 (needs the path above)
from bench.servers import AppServer, tree_cpu  # noqa: E402

BACKENDS = {
    "local memory (old default)": {"DJANGO_SETTINGS_MODULE": "bench.settings_locmem"},
    "file-based (default)": {},
    "Redis": None,  # filled in from --redis
}


def _manage(env, *args, input_text=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=input_text,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout


def _get(url) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


SET_STATUS = """
import time
from articles.models import Article
from django.db import transaction
with transaction.atomic():
    article = Article.objects.get(pk={pk})
    article.status = "{status}"
    article.save()
print(time.time())
"""


WINDOW = 10  # seconds readers poll after the commit


def _set_status(env, pk, status) -> float:
    """Set the article's status from another process; the commit's time."""
    code = SET_STATUS.format(pk=pk, status=status)
    return float(_manage(env, "shell", "-v", "0", "-c", code))


def _reach(server, env, pk, url, trials):
    """Seconds from an unpublish's commit to the last 200 a reader got, per
    trial; None when readers still got it at the end of the window."""
    times = []
    for _ in range(trials):
        _set_status(env, pk, "published")
        deadline = time.monotonic() + 10
        while _get(server.base + url) != 200:  # published again everywhere
            if time.monotonic() > deadline:
                raise RuntimeError("the article did not come back")
            time.sleep(0.05)
        for _ in range(200):  # warm in every worker
            _get(server.base + url)
        last_200 = [0.0]
        stop = threading.Event()

        def poll(last_200=last_200, stop=stop):
            while not stop.is_set():
                if _get(server.base + url) == 200:
                    last_200[0] = max(last_200[0], time.time())

        pollers = [threading.Thread(target=poll) for _ in range(4)]
        for thread in pollers:
            thread.start()
        time.sleep(0.5)
        committed = _set_status(env, pk, "draft")
        time.sleep(WINDOW)
        stop.set()
        for thread in pollers:
            thread.join()
        reach = max(0.0, last_200[0] - committed)
        times.append(None if reach > WINDOW - 1 else reach)
    _set_status(env, pk, "published")
    return times


def run(redis_url=None, duration=10, trials=5) -> dict:
    if not wrk.available():
        raise FileNotFoundError("wrk is not installed (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="cache-bench-"))
    base_env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        DEBUG="0",
        SECRET_KEY=os.environ.get(
            "SECRET_KEY", "cache-bench-only-secret-key-0123456789"
        ),
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    base_env.pop("REDIS_URL", None)
    _manage(base_env, "migrate", "--noinput", "-v0")
    _manage(base_env, "import_seeds", "--no-progress")
    pk = int(
        _manage(
            base_env,
            "shell",
            "-v",
            "0",
            "-c",
            "from articles.models import Article; "
            "print(Article.objects.published().order_by('pk').first().pk)",
        )
    )
    backends = dict(BACKENDS)
    if redis_url:
        backends["Redis"] = {"REDIS_URL": redis_url}
    else:
        del backends["Redis"]
    rows, reach_rows = [], []
    for name, extra in backends.items():
        env = dict(base_env, CACHE_DIR=str(work / "cache"), **extra)
        with AppServer(env) as server:
            url = _manage(
                env,
                "shell",
                "-v",
                "0",
                "-c",
                f"from articles.models import Article; "
                f"print(Article.objects.get(pk={pk}).get_absolute_url())",
            ).strip()
            wrk.run(server.base + "/", 2, 16)  # warm every worker
            for page, path in (("article", url), ("home", "/")):
                _get(server.base + path)
                before = tree_cpu(server.process.pid)
                result = wrk.run(server.base + path, duration, 16)
                cpu = tree_cpu(server.process.pid) - before
                rows.append(
                    {
                        "cache": name,
                        "page": page,
                        "req/s": round(result["rps"]),
                        "server CPU ms/request": round(
                            1000 * cpu / max(result["requests"], 1), 3
                        ),
                        "errors": result["non_2xx"] + result["socket_errors"],
                    }
                )
            times = _reach(server, env, pk, url, trials)
            reached = [t for t in times if t is not None]
            reach_rows.append(
                {
                    "cache": name,
                    "trials": trials,
                    f"reached within {WINDOW} s": len(reached),
                    "median s": round(statistics.median(reached), 2)
                    if reached
                    else "—",
                    "max s": round(max(reached), 2) if reached else "—",
                }
            )
    base_rate = {
        row["page"]: row["req/s"]
        for row in rows
        if row["cache"] == "local memory (old default)"
    }
    for row in rows:
        if row["page"] in base_rate:
            row["vs. old default"] = f"{row['req/s'] / base_rate[row['page']]:.0%}"
    return {"duration": duration, "warm": rows, "reach": reach_rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", help="a Redis URL (a database of its own)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    result = run(options.redis, options.duration, options.trials)
    if options.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Machine: {report.machine_line()}\n")
    print(f"Warm pages (wrk -t2 -c16 -d{options.duration}s, gunicorn.conf.py defaults)")
    print(report.markdown_table(result["warm"]))
    print("\nUnpublish made by another process: time until no worker serves it")
    print(report.markdown_table(result["reach"]))


if __name__ == "__main__":
    main()
