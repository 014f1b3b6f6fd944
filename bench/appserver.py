"""Our app under its production web server for the benchmark: gunicorn, 2 sync workers.

Served the way bin/run serves it (careloop.wsgi, DEBUG off, whitenoise for static files), on
127.0.0.1 at a free port, with the workers' resident memory sampled all the while.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from bench.client import BenchError, require_loopback, run_checked
from bench.pgserver import free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
# Fixed, so that every process of the run (gunicorn, the capture, the import) signs alike.
BENCH_SECRET_KEY = "careloop-bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def app_env(*, var_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment of every app process: the settings read only these variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "careloop.settings",
            "CARELOOP_VAR_DIR": str(var_dir),
            "CARELOOP_DEBUG": "false",
            "CARELOOP_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CARELOOP_SECRET_KEY": BENCH_SECRET_KEY,
            "CARELOOP_HUEY_IMMEDIATE": "false",
            # A run signs its users in once and may come back to a session after a long
            # operation (the import): the idle sign-out is not what the benchmark times.
            "CARELOOP_IDLE_MINUTES": str(24 * 60),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(args: list[str], *, env: Mapping[str, str], timeout: float) -> str:
    argv = [PYTHON, "manage.py", *args]
    what = f"manage.py {' '.join(args)}"
    return run_checked(argv, what=what, env=env, timeout=timeout, cwd=ROOT).stdout


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class MemorySampler(threading.Thread):
    """Samples every worker's VmRSS twice a second; keeps the largest seen per worker pid
    (a worker restarted by gunicorn shows up as a new pid)."""

    def __init__(self, master_pid: int, interval_s: float = 0.5):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.interval_s = interval_s
        self.max_kib: dict[int, int] = {}
        # The runner names the phase it is in, so a peak can be traced to what caused it.
        self.phase = "startup"
        self.max_by_phase: dict[str, int] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in _children(self.master_pid):
                rss = _rss_kib(pid)
                if rss is not None:
                    self.max_kib[pid] = max(rss, self.max_kib.get(pid, 0))
                    self.max_by_phase[self.phase] = max(rss, self.max_by_phase.get(self.phase, 0))
            self.samples += 1
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)

    def summary(self) -> dict[str, Any]:
        peak = max(self.max_kib.values(), default=0)
        return {
            "samples": self.samples,
            "workers_seen": len(self.max_kib),
            "max_rss_mb": round(peak / 1024, 1),
            "per_worker_max_mb": {str(p): round(k / 1024, 1) for p, k in self.max_kib.items()},
            "max_mb_by_phase": {p: round(k / 1024, 1) for p, k in self.max_by_phase.items()},
        }


class AppServer:
    """gunicorn careloop.wsgi on 127.0.0.1:<free port>; a context manager that stops it."""

    def __init__(self, *, env: Mapping[str, str], log_dir: Path, workers: int = 2):
        self.env = dict(env)
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        require_loopback(self.base)
        self.error_log = log_dir / "gunicorn-error.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.memory: MemorySampler | None = None

    def __enter__(self) -> AppServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.error_log.parent.mkdir(parents=True, exist_ok=True)
        self.error_log.write_text("")
        command = [
            str(VENV_BIN / "gunicorn"),
            "careloop.wsgi:application",
            # bin/run's settings module (garbage collection tuned per worker).
            "--config",
            "python:careloop.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            # bin/run's own flags; no access log, like the peer (it costs every request).
            "--graceful-timeout",
            "5",
            # gunicorn 27 otherwise opens ~/.gunicorn/gunicorn.ctl, which the peer's gunicorn
            # would fight over (peer README, quirk 8).
            "--no-control-socket",
            "--error-logfile",
            str(self.error_log),
            # Django logs request errors ("database is locked" among them) to stderr; keep them
            # in the error log, where the writers' test counts them.
            "--capture-output",
        ]
        # A session of its own: Ctrl-C reaches only us, and we stop gunicorn in order.
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited; see {self.error_log}")
            try:
                if requests.get(self.base + "/accounts/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise BenchError(f"gunicorn did not answer within 60 s; see {self.error_log}")
        self.memory = MemorySampler(self.process.pid)
        self.memory.start()

    def stop(self) -> None:
        if self.memory is not None:
            self.memory.stop()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def phase(self, name: str) -> None:
        if self.memory is not None:
            self.memory.phase = name

    def log_count(self, needle: str) -> int:
        try:
            return self.error_log.read_text(errors="replace").count(needle)
        except OSError:
            return 0
