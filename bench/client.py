"""The HTTP side of the benchmark: loopback-only sessions, the real login form, timed loops.

Shared by our app and the django-helpdesk peer so that both are timed the same way: at the
client, one request after another, warm-up first, every loop bounded by a count and a time.
"""

from __future__ import annotations

import ipaddress
import math
import re
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django_otp.oath import totp

REQUEST_TIMEOUT_S = 60
# Where a supervisor's session shows its second factor (careloop/accounts/urls.py).
VERIFY_PATH = "/accounts/second-factor/verify/"
TOTP_STEP_S = 30


class BenchError(Exception):
    """A set-up problem the benchmark cannot work around; the message says what to do."""


def run_checked(
    argv: list[str],
    *,
    what: str,
    env: Mapping[str, str],
    timeout: float,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a helper process to the end; a non-zero exit is a BenchError with its output."""
    done = subprocess.run(
        argv, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"{what} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


def require_loopback(url: str) -> None:
    """Refuse any target that is not this machine: the benchmark must never load a server."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise BenchError(f"refusing non-loopback target {url!r}")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, the definition the peer's measure.py uses."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100.0 * len(ordered)) - 1))
    return ordered[k]


def median(values: Sequence[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else math.nan


@dataclass
class Samples:
    """Latencies of the timed requests (ms) and what went wrong on the others."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    def summary(self) -> dict[str, Any]:
        return {
            "n": len(self.latencies_ms),
            "errors": self.errors,
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else None,
            "statuses": dict(self.statuses),
            "elapsed_s": round(self.elapsed_s, 2),
        }


# A timed action: returns a status label ("200", "201", "ConnectionError", …) and whether it
# counts as a success.
Action = Callable[[], tuple[str, bool]]


def timed_loop(action: Action, *, n: int, warmup: int, max_seconds: float) -> Samples:
    """`warmup` untimed calls, then up to `n` timed ones, stopping early after `max_seconds`."""
    samples = Samples()
    deadline = time.monotonic() + max_seconds
    for _ in range(warmup):
        if time.monotonic() > deadline:
            break
        _status, ok = action()
        if not ok:
            samples.errors += 1
    started = time.monotonic()
    for _ in range(n):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        status, ok = action()
        elapsed_ms = (time.perf_counter() - t0) * 1000
        samples.statuses[status] += 1
        if ok:
            samples.latencies_ms.append(elapsed_ms)
        else:
            samples.errors += 1
    samples.elapsed_s = time.monotonic() - started
    return samples


def get_action(session: requests.Session, url: str, *, expect: int = 200) -> Action:
    def action() -> tuple[str, bool]:
        try:
            response = session.get(url, timeout=REQUEST_TIMEOUT_S, allow_redirects=False)
        except requests.RequestException as exc:
            return type(exc).__name__, False
        return str(response.status_code), response.status_code == expect

    return action


def post_json_action(
    session: requests.Session, url: str, payload: Callable[[], dict[str, Any]], *, expect: int
) -> Action:
    """POST a fresh JSON body each call (the payload factory makes each one unique)."""

    def action() -> tuple[str, bool]:
        try:
            response = session.post(url, json=payload(), timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as exc:
            return type(exc).__name__, False
        return str(response.status_code), response.status_code == expect

    return action


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(
    base: str, username: str, password: str, *, path: str, totp_key: str | None = None
) -> requests.Session:
    """Log in through the real login form: CSRF token from the page, session cookie kept.
    With `totp_key` (the hex secret of a supervisor's authenticator, from the manifest) the
    session then shows its second factor on the verify page, as the person would."""
    require_loopback(base)
    session = requests.Session()
    page = session.get(base + path, timeout=REQUEST_TIMEOUT_S)
    page.raise_for_status()
    match = _CSRF.search(page.text)
    if not match:
        raise BenchError(f"no CSRF token on the login page {base + path}")
    response = session.post(
        base + path,
        data={"csrfmiddlewaretoken": match.group(1), "username": username, "password": password},
        headers={"Referer": base + path},
        allow_redirects=False,
        timeout=REQUEST_TIMEOUT_S,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise BenchError(
            f"login as {username!r} failed (HTTP {response.status_code}); "
            "is the manifest's password right, or is the account locked out (django-axes)?"
        )
    if totp_key:
        second_factor_verify(session, base, username, totp_key)
    return session


def second_factor_verify(session: requests.Session, base: str, username: str, key: str) -> None:
    """Type the code the authenticator shows now. A code is taken once: if this step's was
    used already (a second sign-in within 30 s), wait for the next one and try again."""
    for attempt in range(2):
        page = session.get(base + VERIFY_PATH, timeout=REQUEST_TIMEOUT_S, allow_redirects=False)
        match = _CSRF.search(page.text)
        if page.status_code != 200 or not match:
            raise BenchError(f"no verify page for {username!r} (HTTP {page.status_code})")
        response = session.post(
            base + VERIFY_PATH,
            data={
                "csrfmiddlewaretoken": match.group(1),
                "code": f"{totp(bytes.fromhex(key), step=TOTP_STEP_S):06d}",
            },
            headers={"Referer": base + VERIFY_PATH},
            allow_redirects=False,
            timeout=REQUEST_TIMEOUT_S,
        )
        if response.status_code == 302:
            return
        if attempt == 0:
            time.sleep(TOTP_STEP_S - time.time() % TOTP_STEP_S + 1)
    raise BenchError(
        f"the second factor of {username!r} was refused; is the manifest's totp_keys right?"
    )


def session_clone(session: requests.Session) -> requests.Session:
    """A new connection pool with the same cookies and headers, one per client thread."""
    clone = requests.Session()
    clone.cookies.update(session.cookies)
    clone.headers.update(session.headers)
    return clone


@dataclass
class LoadResult:
    clients: int
    seconds: float
    ok: int
    errors: int
    statuses: Counter[str]
    latencies_ms: list[float]

    def summary(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "ok": self.ok,
            "errors": self.errors,
            "rps": round(self.ok / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p95_ms": round(percentile(self.latencies_ms, 95), 2),
            "statuses": dict(self.statuses),
        }


def concurrent_load(
    actions_per_client: list[list[Action]], *, duration_s: float, cap_per_client: int
) -> LoadResult:
    """One thread per client, each cycling through its own actions until the time is up.

    Each client gets its own actions (and so its own session): requests' sessions are not
    meant to be shared between threads."""
    lock = threading.Lock()
    totals = LoadResult(len(actions_per_client), 0.0, 0, 0, Counter(), [])
    stop_at = time.monotonic() + duration_s

    def client(actions: list[Action]) -> None:
        ok = errors = 0
        statuses: Counter[str] = Counter()
        latencies: list[float] = []
        i = 0
        while time.monotonic() < stop_at and ok + errors < cap_per_client:
            action = actions[i % len(actions)]
            i += 1
            t0 = time.perf_counter()
            status, good = action()
            statuses[status] += 1
            if good:
                ok += 1
                latencies.append((time.perf_counter() - t0) * 1000)
            else:
                errors += 1
        with lock:
            totals.ok += ok
            totals.errors += errors
            totals.statuses.update(statuses)
            totals.latencies_ms.extend(latencies)

    threads = [
        threading.Thread(target=client, args=(actions,), daemon=True)
        for actions in actions_per_client
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        # A request can take at most REQUEST_TIMEOUT_S past the end of the window.
        thread.join(duration_s + REQUEST_TIMEOUT_S + 5)
    totals.seconds = time.monotonic() - started
    return totals
