"""The django-helpdesk side-by-side (shared/bench/peer_helpdesk).

Its scripts build and serve the peer; its measure.py defines how its board is read. We import
measure.py's own functions (login, the DataTables URL read out of the shell, the first-draw
query string) rather than copying them, so "the peer's board" means what its README says: the
page shell, then the JSON rows it loads, one after the other.

The peer's settings hard-wire SQLite (PEER_DB only moves the file), so the side-by-side is a
same-database comparison only when our app runs on SQLite too.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.client import BenchError, Samples, require_loopback, run_checked
from bench.pgserver import free_port

PEER_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "peer_helpdesk"
PEER_SITE = Path(os.environ.get("PEER_SITE", "/tmp/peer_helpdesk_site"))
PEER_VENV = Path(os.environ.get("PEER_VENV", "/tmp/peer_helpdesk_venv"))
PEER_DB = PEER_SITE / "db.sqlite3"
PEER_TICKETS = 30_000


def _measure_module(peer_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("peer_measure", peer_dir / "measure.py")
    if spec is None or spec.loader is None:
        raise BenchError(f"cannot load {peer_dir / 'measure.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script(peer_dir: Path, name: str, env: dict[str, str], timeout: float) -> str:
    return run_checked([str(peer_dir / name)], what=f"peer {name}", env=env, timeout=timeout).stdout


def peer_ticket_count() -> int | None:
    if not PEER_DB.exists():
        return None
    with sqlite3.connect(f"file:{PEER_DB}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM helpdesk_ticket").fetchone()[0])


def peer_ensure(peer_dir: Path, *, tickets: int = PEER_TICKETS) -> int:
    """Build the peer (setup.sh) unless a seeded site with `tickets` tickets is already there."""
    if (PEER_VENV / "bin" / "gunicorn").exists() and peer_ticket_count() == tickets:
        return tickets
    env = {**os.environ, "TICKETS": str(tickets)}
    print(f"peer: building django-helpdesk with {tickets} tickets (setup.sh) …", flush=True)
    _script(peer_dir, "setup.sh", env, timeout=1200)
    count = peer_ticket_count()
    if count != tickets:
        raise BenchError(f"peer setup left {count} tickets, expected {tickets}")
    return count


def peer_board(
    peer_dir: Path, *, n: int, warmup: int, max_seconds: float, runs: int
) -> dict[str, Any]:
    """Serve the peer (2 workers, like ours), time its board as shell + rows, stop it."""
    measure = _measure_module(peer_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    require_loopback(base)
    env = {**os.environ, "PORT": str(port), "WORKERS": "2"}
    _script(peer_dir, "serve.sh", env, timeout=60)
    try:
        import requests

        session = requests.Session()
        try:
            measure.login(session, base, "agent1", "peerbench")
            list_json = measure.datatables_url(session, base, "/helpdesk/tickets/")
        except SystemExit as exc:  # measure.py exits on a failed login
            raise BenchError(f"peer: {exc}") from exc
        first = session.get(base + list_json, timeout=60).json()
        runs_out = []
        for _ in range(runs):
            runs_out.append(_board_run(session, base, list_json, n, warmup, max_seconds))
        return {
            "base": base,
            "tickets": peer_ticket_count(),
            "rows": len(first.get("data", [])),
            "matched": first.get("recordsFiltered"),
            "runs": runs_out,
        }
    finally:
        _script(peer_dir, "stop.sh", {**os.environ}, timeout=60)


def _board_run(
    session: Any, base: str, list_json: str, n: int, warmup: int, max_seconds: float
) -> dict[str, Any]:
    """One run: warm-up, then up to n timed (shell, rows) pairs; the pair is one board view."""
    shell, rows, board = Samples(), Samples(), Samples()
    deadline = time.monotonic() + max_seconds
    for _ in range(warmup):
        session.get(base + "/helpdesk/tickets/", timeout=60)
        session.get(base + list_json, timeout=60)
    started = time.monotonic()
    for _ in range(n):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        a = session.get(base + "/helpdesk/tickets/", timeout=60)
        t1 = time.perf_counter()
        b = session.get(base + list_json, timeout=60)
        t2 = time.perf_counter()
        if a.status_code != 200 or b.status_code != 200:
            board.errors += 1
            continue
        shell.latencies_ms.append((t1 - t0) * 1000)
        rows.latencies_ms.append((t2 - t1) * 1000)
        board.latencies_ms.append((t2 - t0) * 1000)
    board.elapsed_s = time.monotonic() - started
    return {"shell": shell.summary(), "rows": rows.summary(), "board": board.summary()}
