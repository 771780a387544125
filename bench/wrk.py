"""Run wrk and read its results (through bench/wrk_paths.lua)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk_paths.lua"


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url,
    duration,
    connections,
    *,
    paths_file=None,
    threads=2,
    timeout=10,
    cache_stats=False,
):
    """wrk for `duration` seconds with `connections` open connections.

    `url` is the page, or with `paths_file` (a file of URL paths, one a line)
    the server's base URL: requests then go through those paths in turn.
    A request taking longer than `timeout` seconds counts as a socket error.

    Returns a dict: requests, rps, p50/p90/p99/max (ms), non_2xx (responses
    with status 400 or above, as wrk counts them) and socket_errors (connect,
    read, write and timeout errors added up). Raises RuntimeError when wrk
    fails. With `cache_stats`, also hits and misses (the X-Cache header).
    """
    env = dict(
        os.environ,
        WRK_PATHS=str(paths_file or ""),
        WRK_CACHE_STATS="1" if cache_stats else "0",
    )
    result = subprocess.run(
        [
            "wrk",
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{duration}s",
            f"--timeout={timeout}s",
            "-s",
            str(SCRIPT),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=duration + timeout + 60,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stderr}")
    raw = json.loads(lines[-1])
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50": raw["p50_us"] / 1000,
        "p90": raw["p90_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "max": raw["max_us"] / 1000,
        "non_2xx": raw["status_errors"],
        "socket_errors": sum(
            raw[kind] for kind in ("connect", "read", "write", "timeout")
        ),
        "hits": raw["hits"],
        "misses": raw["misses"],
    }
