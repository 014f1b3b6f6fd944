"""A throwaway PostgreSQL server on loopback for the benchmark, started and stopped by us.

Like bin/test: Debian's newest server binaries, `initdb` as the postgres user when we run as
root, trust authentication for the `careloop` role, TCP on 127.0.0.1 at a random free port.
Unlike bin/test the data directory may persist (`data_dir`), so that the chain dataset, which
takes minutes to generate, is loaded once and reused by later runs; and durability settings
stay at PostgreSQL's defaults, because the write targets are about a real server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.client import BenchError

ROLE = "careloop"
# Generous for a 2-core, 24 GiB machine; the OS page cache holds the rest of the dataset.
SERVER_SETTINGS = ("shared_buffers=1GB", "max_connections=60", "listen_addresses=127.0.0.1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not candidates:
        raise BenchError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return candidates[-1]


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


@dataclass(frozen=True)
class PgServer:
    port: int
    data_dir: Path
    version: str

    def url(self, database: str) -> str:
        return f"postgres://{ROLE}@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        """Run statements that cannot run in a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def database_exists(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        return row is not None


@contextmanager
def pg_server(*, data_dir: Path | None) -> Iterator[PgServer]:
    """Start a server (initdb first if `data_dir` holds none); stop it on the way out, also on
    Ctrl-C or an exception. Without `data_dir` the cluster is temporary and removed."""
    pg_bin = _pg_bin()
    temporary = data_dir is None
    if data_dir is None:
        holder = Path(tempfile.mkdtemp(prefix="careloop-bench-pg."))
        holder.chmod(0o755)
        data_dir = holder / "data"
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data_dir, "postgres", "postgres")
        data_dir.chmod(0o700)
        init = _run(
            _as_postgres(
                [
                    str(pg_bin / "initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    ROLE,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            timeout=300,
        )
        if init.returncode != 0:
            raise BenchError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    status = _run(_as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data_dir), "status"]), timeout=30)
    if status.returncode == 0:
        # A server left over from an interrupted run: we do not stop what we did not start.
        raise BenchError(
            f"a PostgreSQL server is already running on {data_dir}; stop it with\n"
            f"  runuser -u postgres -- {pg_bin / 'pg_ctl'} -D {data_dir} -m fast stop"
        )
    port = free_port()
    options = " ".join(
        [f"-p {port}", f"-k {data_dir}", *(f"-c {setting}" for setting in SERVER_SETTINGS)]
    )
    log = data_dir / "bench-server.log"
    pg_ctl = [str(pg_bin / "pg_ctl"), "-D", str(data_dir)]
    try:
        # Stopped in `finally` even if pg_ctl gives up waiting: whatever runs there now is ours.
        start = _run(
            _as_postgres([*pg_ctl, "-l", str(log), "-w", "-t", "120", "-o", options, "start"]),
            timeout=180,
        )
        if start.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise BenchError(f"PostgreSQL did not start:\n{start.stderr}\n{tail}")
        version = (data_dir / "PG_VERSION").read_text().strip()
        yield PgServer(port=port, data_dir=data_dir, version=version)
    finally:
        # fast: roll back open sessions and shut down cleanly, so a kept cluster stays sound.
        _run(_as_postgres([*pg_ctl, "-m", "fast", "-w", "-t", "60", "stop"]), timeout=90)
        if temporary:
            shutil.rmtree(data_dir.parent, ignore_errors=True)
