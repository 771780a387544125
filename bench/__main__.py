"""Every benchmark, in one command: `bench/run` (or `.venv/bin/python -m bench`).

    bench/run [--quick] [--sizes 50000,200000] [--workdir DIR]
              [--postgres URL] [--redis URL]

1. Starts a private PostgreSQL cluster and Redis server (bench/servers.py),
   unless --postgres/--redis name servers to use instead.
2. Generates an archive of each size from the corpus sample (make_archive.py)
   in --workdir (default: a temporary directory, deleted at the end; a given
   one keeps its archives for the next run).
3. Import benchmark: the sample and each archive, on SQLite and on
   PostgreSQL; the PostgreSQL databases are kept for the next steps.
   Then the sample's export and re-import on each (export_roundtrip.py).
4. Search benchmark on the largest PostgreSQL database.
5. HTTP benchmark (wrk, gunicorn, Redis) on the 50,000-article database (or
   the smallest archive when there is none of that size).
6. Load and fault runs (faults.py), on servers of their own: 60 s of wrk at
   64 connections, and PostgreSQL and Redis each stopped for 5 s under load.

Writes bench/RESULTS.md and bench/RESULTS.json after every step: the
machine, the command, the issue's targets (met or missed, with the measured
value), then every table. --quick (a 5,000-article archive, short runs)
writes bench/RESULTS-quick.md and .json instead: a smoke test of the
harness, not a measurement of the targets. A step that fails is reported and
the others still run; the exit status is then 1.
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

from bench import faults, http_bench, import_bench, make_archive, report
from bench.servers import PostgresCluster, RedisServer

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TARGET_SIZE = 50_000
SEARCH_TARGET_SIZE = 200_000


def say(text):
    print(f"\n=== {text}", flush=True)


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def _postgres_version(url) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def _redis_version(url) -> str:
    import redis

    return redis.Redis.from_url(url).info("server")["redis_version"]


def _bench_json(module, database_url, redis_url, *args) -> dict:
    """Run `python -m bench.<module> --json` on a database; return its JSON."""
    env = dict(os.environ, DATABASE_URL=database_url, LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", "--json", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.{module} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def archive(workdir: Path, size: int) -> Path:
    """The archive of `size` articles in `workdir`, made unless already there."""
    out = workdir / f"archive-{size}"
    if out.is_dir() and sum(1 for _ in out.rglob("*.md")) == size:
        print(f"reusing {out}")
        return out
    shutil.rmtree(out, ignore_errors=True)
    print(f"making {out}")
    make_archive.make(out, size)
    return out


class Report:
    """The results so far, written out after every step."""

    def __init__(self, quick, command):
        self.quick = quick
        suffix = "-quick" if quick else ""
        self.markdown_path = BENCH / f"RESULTS{suffix}.md"
        self.json_path = BENCH / f"RESULTS{suffix}.json"
        self.data = {
            "command": command,
            "quick": quick,
            "complete": False,
            "machine": report.machine(),
            "targets": [],
            "import": [],
            "search": None,
            "http": None,
            "cold": None,
            "newsroom": None,
            "admin": None,
            "faults": None,
            "errors": {},
            "databases": {},
        }

    def save(self):
        self.data["targets"] = targets(self.data)
        self.json_path.write_text(
            json.dumps(self.data, ensure_ascii=False, indent=2) + "\n"
        )
        self.markdown_path.write_text(markdown(self.data))


def _import_row(data, size, database="PostgreSQL"):
    return next(
        (
            row
            for row in data["import"]
            if row["label"] == f"{size:,}" and row["database"] == database
        ),
        None,
    )


def targets(data) -> list[dict]:
    """The issue's targets, each met or missed (None: not measured)."""
    rows = []

    def target(text, size, met, measured):
        rows.append(
            {
                "target": text,
                "measured at": f"{size:,} articles" if size else "-",
                "met": None if met is None else bool(met),
                "measured": measured,
            }
        )

    sizes = data.get("sizes", [])
    import_size = TARGET_SIZE if TARGET_SIZE in sizes else min(sizes, default=None)
    row = _import_row(data, import_size) if import_size else None
    if row:
        # 49,000 articles in 120 s: 408 articles a second, at any size.
        target(
            "import ≥ 408 articles/s (49,000 in ≤ 120 s), peak memory ≤ 1 GiB",
            row["articles"],
            row["articles/s"] >= 49_000 / 120 and row["peak memory MiB"] <= 1024,
            f"{row['articles/s']:,.0f} articles/s "
            f"({49_000 / row['articles/s']:,.0f} s for 49,000), "
            f"{row['peak memory MiB']:,.0f} MiB",
        )
        target(
            "unchanged re-import ≤ 5 s",
            row["articles"],
            row["unchanged re-import s"] <= 5 and row["re-import changed"] == 0,
            f"{row['unchanged re-import s']:.1f} s, "
            f"{row['re-import changed']} articles changed",
        )
    http = data.get("http")
    if http:
        by_page = {(r["page"], r["cache"]): r for r in http["rows"]}
        warm = [by_page[(page, "warm")] for page in ("article", "home")]
        target(
            "warm article and home pages ≥ 70% of the bare-view ceiling",
            http["published articles"],
            all(r["ratio"] >= 0.7 for r in warm),
            ", ".join(f"{r['page']} {r['ratio']:.0%}" for r in warm),
        )
        queries = by_page[("article", "cold")]["queries (cold)"]
        target(
            "cold article page ≤ 8 queries",
            http["published articles"],
            queries <= 8,
            f"{queries} queries",
        )
    search = data.get("search")
    if search:
        worst = max(search["rows"], key=lambda r: r["p95 ms"])
        target(
            "search p95 ≤ 100 ms at 200,000 articles, every query",
            search["published articles"],
            worst["p95 ms"] <= 100,
            f"worst p95 {worst['p95 ms']:.0f} ms ({worst['query']})",
        )
    cold = data.get("cold")
    if cold:
        floor = next(
            (r for r in cold["rows"] if r["page"] == "one row by primary key"), None
        )
        for row in cold["rows"]:
            if row.get("target ms") is None:
                continue  # a reference, not a page
            times_floor = (
                f"; {row['server CPU ms/request'] / floor['server CPU ms/request']:.1f}"
                " × one row by primary key"
                if floor
                else ""
            )
            target(
                f"cold {row['page']} ≤ {row['target ms']:g} ms of server CPU a request",
                cold.get("published articles"),
                row["server CPU ms/request"] <= row["target ms"],
                f"{row['server CPU ms/request']:.2f} ms (app "
                f"{row['app CPU ms/request']:.2f}, PostgreSQL "
                f"{row['PostgreSQL CPU ms/request']:.2f}{times_floor})",
            )
    newsroom = data.get("newsroom")
    if newsroom:
        row = next(r for r in newsroom["rows"] if r["cache"] == "dependencies")
        target(
            "working newsroom: hit ratio ≥ 95 %, p99 < 50 ms",
            newsroom.get("published articles"),
            row["hit_ratio"] >= 0.95 and row["p99"] < 50,
            f"hit ratio {row['hit ratio']}, p99 {row['p99 ms']} ms "
            f"(one generation: {newsroom['rows'][-1]['hit ratio']})",
        )
    admin = data.get("admin")
    if admin:
        slow = [r for r in admin["rows"] if r["median ms"] > 300]
        target(
            "editors' lists ≤ 300 ms each",
            admin["articles"],
            not slow,
            "slowest: "
            + ", ".join(
                f"{r['page']} {r['median ms']:.0f} ms"
                for r in sorted(admin["rows"], key=lambda r: -r["median ms"])[:2]
            ),
        )
    for row in data.get("export") or []:
        target(
            f"export and re-import lose nothing ({row['database']})",
            row["articles"],
            row["differences"] == 0 and row["changed when exported again"] == 0,
            f"{row['differences']} differences, {row['changed when exported again']} "
            f"files changed; export {row['export s']} s, {row['MB written']} MB",
        )
    fault_rows = {r["scenario"]: r for r in data.get("faults") or []}
    if fault_rows:
        load = fault_rows["load"]
        errors = load["non-2xx"] + load["socket errors"] + load["500s"]
        target(
            f"{data['faults_settings']} on article pages with no error",
            data.get("faults_articles"),
            errors == 0,
            f"{load['requests']:,} requests, {errors} errors",
        )
        restarts = [fault_rows["postgres restart"], fault_rows["redis restart"]]
        target(
            "PostgreSQL/Redis restart: only 503s, back within seconds (≤ 10 s)",
            data.get("faults_articles"),
            all(
                r["recovered"]
                and r["first 200 s"] is not None
                and r["first 200 s"] <= 10
                and r["recovery s"] <= 10
                and r["500s"] == 0
                and r["tracebacks"] == 0
                and r["socket errors"] == 0
                and set(r["statuses"]) <= {"200", "503"}
                for r in restarts
            ),
            "; ".join(
                f"{r['scenario']}: first 200 after "
                + ("never" if r["first 200 s"] is None else f"{r['first 200 s']:.1f} s")
                + f", 503s {r['503s']:,}, 500s {r['500s']}"
                for r in restarts
            ),
        )
    return rows


def markdown(data) -> str:
    lines = ["# Benchmarks", ""]
    if data["quick"]:
        lines += [
            "**Quick run**: a smoke test of the harness with small sizes and short "
            "runs, not the conditions the targets name.",
            "",
        ]
    if not data["complete"]:
        lines += ["**Incomplete**: the run had not finished when this was written.", ""]
    lines += [f"Command: `{data['command']}`", "", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in data["machine"].items()]
    lines += ["", "## Targets", ""]
    lines += [
        "The issue's targets, on PostgreSQL; each names the size it was measured at.",
        "",
        report.markdown_table(
            [
                dict(row, met={True: "met", False: "MISSED"}.get(row["met"], "-"))
                for row in data["targets"]
            ]
        )
        if data["targets"]
        else "(none measured yet)",
        "",
    ]
    if data["import"]:
        lines += [
            "## Import",
            "",
            "`import_seeds` into a fresh database, then again unchanged; peak memory "
            "of the whole process tree.",
            "",
            import_bench.table(data["import"]),
            "",
        ]
    if data["search"]:
        s = data["search"]
        lines += [
            "## Search",
            "",
            f"{s['published articles']:,} published articles on PostgreSQL, the whole "
            f"/search/ page, page cache off, {s['runs']} runs a query.",
            "",
            report.markdown_table(s["rows"]),
            "",
        ]
    if data["http"]:
        h = data["http"]
        lines += [
            "## HTTP",
            "",
            f"{h['published articles']:,} published articles on PostgreSQL, Redis "
            f"cache; wrk -t2 -c{h['connections']} -d{h['duration']}s on one URL a "
            "page; gunicorn.conf.py defaults.",
            "",
            http_bench.table(h["rows"]),
            "",
        ]
    if data.get("cold"):
        c = data["cold"]
        lines += [
            "## Cold pages",
            "",
            f"{c.get('published articles', 0):,} published articles on PostgreSQL; "
            "gunicorn with 2 sync workers, every page rendered (a parameter no "
            "view reads: the page cache renders it and never stores it); wrk "
            f"-t2 -c{c['connections']} -d{c['duration']}s over each kind's pages, "
            "after a first pass made their stored parts and cards "
            "(`bench/cold_bench.py`). Server CPU: gunicorn's processes and every "
            "PostgreSQL process, from /proc.",
            "",
            report.markdown_table(c["rows"]),
            "",
        ]
    if data.get("newsroom"):
        n = data["newsroom"]
        lines += [
            "## A working newsroom",
            "",
            f"{n['distinct paths']:,} different pages ({n['paths']:,} in the mix), "
            f"wrk -t2 -c{n['connections']}, {n['warm']} s warm-up then "
            f"{n['duration']} s measured while an editor publishes an edit and "
            "saves a draft every second (`bench/newsroom_bench.py`); "
            '"one generation" makes every page stale on each save, as the '
            "previous cache did.",
            "",
            report.markdown_table(
                [
                    {k: v for k, v in row.items() if k not in ("hit_ratio", "p99")}
                    for row in n["rows"]
                ]
            ),
            "",
        ]
    if data.get("admin"):
        a = data["admin"]
        lines += [
            "## The editors' lists",
            "",
            f"{a['articles']:,} articles on PostgreSQL; median of {a['runs']} fetches "
            "as an editor, in process (`bench/admin_bench.py`).",
            "",
            report.markdown_table(a["rows"]),
            "",
        ]
    if data.get("export"):
        lines += [
            "## Export and re-import",
            "",
            "The sample imported, exported (`manage.py export_archive`), imported "
            "into the emptied database and compared field by field, then exported "
            "again and compared byte by byte (`bench/export_roundtrip.py`).",
            "",
            report.markdown_table(
                [
                    {k: v for k, v in row.items() if k != "first differences"}
                    for row in data["export"]
                ]
            ),
            "",
        ]
    if data["faults"]:
        lines += [
            "## Load and faults",
            "",
            f"{data['faults_settings']} over the article pages of "
            f"{data['faults_articles']:,} sample files, outages of "
            f"{data['faults_outage']} s; a private PostgreSQL and "
            "Redis, one gunicorn for all three runs. `polled`: the statuses of "
            "uncached pages asked for one at a time alongside; 503s/500s/tracebacks "
            "from the server's log.",
            "",
            faults.to_markdown(data["faults"]),
            "",
        ]
    for step, error in data["errors"].items():
        lines += [f"## {step}: failed", "", "```", error.strip(), "```", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="A short smoke run.")
    parser.add_argument(
        "--sizes",
        help="Archive sizes, comma-separated (default 50000,200000; quick: 5000).",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="Where archives and the private PostgreSQL cluster go (when run as "
        "root, the postgres user must be able to reach it).",
    )
    parser.add_argument("--postgres", help="postgres://... server to use.")
    parser.add_argument("--redis", help="redis://... server to use.")
    options = parser.parse_args(argv)
    # Stopped with SIGTERM (kill, a CI timeout): unwind, so the private
    # servers are stopped and temporary files removed.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    quick = options.quick
    default_sizes = "5000" if quick else f"{TARGET_SIZE},{SEARCH_TARGET_SIZE}"
    sizes = sorted(int(s) for s in (options.sizes or default_sizes).split(","))
    command = shlex.join(["bench/run", *(sys.argv[1:] if argv is None else argv)])
    results = Report(quick, command)
    results.data["sizes"] = sizes

    with ExitStack() as stack:
        if options.workdir:
            options.workdir.mkdir(parents=True, exist_ok=True)
            workdir = options.workdir
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            # The private cluster lives in here and may run as the postgres
            # user (when root runs this), who must be able to reach it.
            workdir.chmod(0o755)
        say("services")
        if options.postgres:
            server = options.postgres
            results.data["machine"]["PostgreSQL"] = (
                f"{_postgres_version(import_bench.database_url(server, 'postgres'))}"
                f" at {_redact(server)}"
            )
        else:
            cluster = stack.enter_context(PostgresCluster(directory=workdir))
            server = cluster.url()
            results.data["machine"]["PostgreSQL"] = (
                f"{_postgres_version(server)}, a private cluster (initdb defaults)"
            )
        if options.redis:
            redis_url = options.redis
            where = f"at {_redact(redis_url)}"
        else:
            redis_url = stack.enter_context(RedisServer()).url
            where = "a private server"
        results.data["machine"]["Redis"] = f"{_redis_version(redis_url)}, {where}"
        for key, value in results.data["machine"].items():
            print(f"{key}: {value}")
        results.save()

        databases = {}

        def step(name, function):
            say(name)
            try:
                function()
            except Exception:  # noqa: BLE001 (report it; the other steps still run)
                results.data["errors"][name] = traceback.format_exc()
                print(traceback.format_exc(), file=sys.stderr)
            results.save()

        def imports():
            archives = [("sample", faults.SAMPLE)]
            archives += [(f"{size:,}", archive(workdir, size)) for size in sizes]
            for label, path in archives:
                with tempfile.TemporaryDirectory(dir=workdir) as tmp:
                    rows = import_bench.run(
                        label, import_bench.sqlite_database(tmp), path
                    )
                url = import_bench.postgres_database(server)
                rows += import_bench.run(label, url, path)
                databases[label] = url
                results.data["databases"][label] = _redact(url)
                results.data["import"] += rows
                print(import_bench.table(rows))
                results.save()

        def search():
            label = f"{sizes[-1]:,}"
            results.data["search"] = _bench_json(
                "search_bench", databases[label], None, "--runs", "5" if quick else "20"
            )
            print(report.markdown_table(results.data["search"]["rows"]))

        def http():
            size = TARGET_SIZE if TARGET_SIZE in sizes else sizes[0]
            duration, connections = ("3", "16") if quick else ("10", "32")
            results.data["http"] = _bench_json(
                "http_bench",
                databases[f"{size:,}"],
                redis_url,
                "--duration",
                duration,
                "--connections",
                connections,
            )
            print(http_bench.table(results.data["http"]["rows"]))

        def cold_pages():
            size = TARGET_SIZE if TARGET_SIZE in sizes else sizes[0]
            results.data["cold"] = _bench_json(
                "cold_bench",
                databases[f"{size:,}"],
                None,
                "--duration",
                "5" if quick else "15",
            )
            print(report.markdown_table(results.data["cold"]["rows"]))

        def newsroom():
            size = TARGET_SIZE if TARGET_SIZE in sizes else sizes[0]
            warm, duration = ("10", "10") if quick else ("90", "60")
            results.data["newsroom"] = _bench_json(
                "newsroom_bench",
                databases[f"{size:,}"],
                redis_url,
                "--warm",
                warm,
                "--duration",
                duration,
            )
            print(report.markdown_table(results.data["newsroom"]["rows"]))

        def admin_lists():
            size = TARGET_SIZE if TARGET_SIZE in sizes else sizes[0]
            results.data["admin"] = _bench_json(
                "admin_bench", databases[f"{size:,}"], None, "--runs", "5"
            )
            print(report.markdown_table(results.data["admin"]["rows"]))

        def load_and_faults():
            duration, connections, outage, articles = (
                (10, 32, 3, 1000) if quick else (60, 64, 5, None)
            )
            rows = faults.run(duration, connections, outage, articles)
            results.data["faults"] = rows
            results.data["faults_settings"] = (
                f"{duration}-s wrk at {connections} connections"
            )
            results.data["faults_outage"] = outage
            results.data["faults_articles"] = articles or sum(
                1 for _ in faults.SAMPLE.glob("*.md")
            )
            print(faults.to_markdown(rows))

        def export_round_trip():
            rows = []
            with tempfile.TemporaryDirectory(dir=workdir) as tmp:
                for url in (
                    import_bench.sqlite_database(tmp),
                    import_bench.postgres_database(server),
                ):
                    rows.append(
                        _bench_json("export_roundtrip", url, None, str(faults.SAMPLE))
                    )
            results.data["export"] = rows
            print(report.markdown_table(rows))

        step("import", imports)
        step("export round trip", export_round_trip)
        if databases:
            step("search", search)
            step("http", http)
            step("cold pages", cold_pages)
            step("newsroom", newsroom)
            step("admin lists", admin_lists)
        step("load and faults", load_and_faults)

    results.data["complete"] = True
    results.save()
    say(f"written: {results.markdown_path.relative_to(ROOT)}")
    print(results.markdown_path.read_text())
    return 1 if results.data["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
