"""Services started for benchmarks and service tests: gunicorn, and private
PostgreSQL and Redis servers that can be stopped and started at will.

Every class is a context manager that starts its service on a free local port
and cleans up on exit (stops it, deletes its files). The PostgreSQL and Redis
servers are private throw-away instances, so a fault run may stop them without
touching the machine's own servers.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen | None, grace: float) -> None:
    """Terminate a server, and kill it if it is still there after `grace` s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class AppServer:
    """gunicorn with gunicorn.conf.py, on a free port, access log off.

    `env` is the whole environment of the server (DATABASE_URL, REDIS_URL...);
    `workers` overrides GUNICORN_WORKERS. Inside the `with` block `.base` is
    the server's URL and `.log_path` its stderr (error log and app logs).
    Raises RuntimeError, with the end of that log, when /healthz does not
    answer 200 within `startup_seconds`.
    """

    def __init__(self, env, *, workers=None, startup_seconds=20):
        self.env = dict(env)
        if workers is not None:
            self.env["GUNICORN_WORKERS"] = str(workers)
        self.startup_seconds = startup_seconds
        self.process = None
        self.base = None
        self.log_path = None

    def __enter__(self):
        port = free_port()
        handle, name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
        self.log_path = Path(name)
        with os.fdopen(handle, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "gunicorn.conf.py",
                    "newsroom.wsgi",
                ],
                cwd=ROOT,
                env=dict(
                    self.env,
                    GUNICORN_BIND=f"127.0.0.1:{port}",
                    GUNICORN_ACCESS_LOG="/dev/null",
                ),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.base = f"http://127.0.0.1:{port}"
        try:
            self._wait_healthy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_healthy(self):
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with status {self.process.returncode}; "
                    f"its log ends:\n{_tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(
            f"gunicorn did not answer /healthz within {self.startup_seconds} s; "
            f"its log ends:\n{_tail(self.log_path)}"
        )

    def log_size(self) -> int:
        """Bytes in the log so far: a mark for `log_text(since=...)`."""
        return self.log_path.stat().st_size

    def log_text(self, since: int = 0) -> str:
        with self.log_path.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def __exit__(self, *exc):
        _stop(self.process, grace=25)
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) of gunicorn's master and its workers,
    from /proc: the live workers' own, and the master's count of the workers
    it has reaped (gunicorn replaces workers after max_requests)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def fields(each):
        return Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()

    master = fields(pid)
    total = sum(int(value) for value in master[11:15])  # utime stime cutime cstime
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        try:
            total += sum(int(value) for value in fields(child)[11:13])
        except OSError:  # exited meanwhile: counted in the master's cutime
            pass
    return total / ticks


def postgres_cpu() -> float:
    """CPU seconds of every process named postgres on this machine, and of
    those that ended (the postmaster counts its reaped backends)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name.startswith("postgres"):
            fields = stat.rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


def postgres_bindir() -> Path:
    """The newest /usr/lib/postgresql/N/bin; FileNotFoundError if none."""
    found = [
        Path(p)
        for p in glob.glob("/usr/lib/postgresql/*/bin")
        if (Path(p) / "initdb").exists()
    ]
    if not found:
        raise FileNotFoundError(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql)"
        )
    return max(found, key=lambda p: int(p.parent.name.split(".")[0]))


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary directory.

    initdb (superuser `postgres`, trust authentication), listening on
    127.0.0.1 on a free port with its socket in the same directory. PostgreSQL
    refuses to run as root, so when root runs this the server runs as the
    `postgres` OS user (runuser). `directory` is where the temporary directory
    goes (default: the system's temp dir). stop()/start()/restart() act on
    this cluster only; leaving the `with` block deletes it.
    """

    def __init__(self, directory=None):
        self.bindir = postgres_bindir()
        self.parent = directory
        self.root = None
        self.port = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, *map(str, args)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{Path(str(args[0])).name} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n"
                f"server log ends:\n{_tail(self.root / 'postgres.log')}"
            )
        return result.stdout

    def __enter__(self):
        self.root = Path(tempfile.mkdtemp(prefix="newsroom-pg-", dir=self.parent))
        try:
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
            self.port = free_port()
            self._run(
                self.bindir / "initdb",
                "-D",
                self.data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(
                    f"\nport = {self.port}\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.root}'\n"
                )
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create database `name`; return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def version(self) -> str:
        return subprocess.run(
            [self.bindir / "postgres", "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def start(self):
        """Start the server; return once it accepts connections."""
        self._run(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.root / "postgres.log",
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast"):
        """Stop the server (`fast`: roll back open transactions, disconnect)."""
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def restart(self):
        self.stop()
        self.start()

    def __exit__(self, *exc):
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """A private redis-server on a free port, persisting nothing.

    `.url` is its URL (database 0); stop() and start() keep the same port.
    """

    def __init__(self):
        self.root = None
        self.port = None
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self):
        if not shutil.which("redis-server"):
            raise FileNotFoundError("redis-server is not installed")
        self.root = Path(tempfile.mkdtemp(prefix="newsroom-redis-"))
        self.port = free_port()
        try:
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def version(self) -> str:
        return subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()

    def start(self):
        """Start the server; return once it answers PING."""
        with (self.root / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.root),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self._answers_ping():
                return
            time.sleep(0.05)
        raise RuntimeError(
            f"redis-server did not start; its log ends:\n{_tail(self.root / 'redis.log')}"
        )

    def _command(self, command: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(command + b"\r\n")
            return s.recv(64)

    def _answers_ping(self) -> bool:
        try:
            return self._command(b"PING").startswith(b"+PONG")
        except OSError:
            return False

    def flush(self):
        """Delete every key (FLUSHALL)."""
        if not self._command(b"FLUSHALL").startswith(b"+OK"):
            raise RuntimeError("redis-server refused FLUSHALL")

    def stop(self):
        _stop(self.process, grace=10)

    def __exit__(self, *exc):
        self.stop()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
