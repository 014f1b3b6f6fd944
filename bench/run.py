"""The CareLoop benchmark: shared/spec/scale.md's operations on the chain dataset, through the
real web server, beside their raw-SQL floors and (with --peer) beside django-helpdesk.

    .venv/bin/python -m bench.run --db sqlite --runs 3 --peer --json /tmp/bench.json
    .venv/bin/python -m bench.run --db postgres --generate      # first time: load the dataset

The dataset (bench.generate) is never changed: every run works on a copy of it (a file copy on
SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), because the write operations, the writers'
test and the 100,000-customer import all add rows, and the next run must see the same dataset
(and the board the same 30,000 complaints the peer has tickets).

Order: read pages (each run: page, then its raw floor), API writes, throughput, SQLite
writers, then our server stops; the peer runs alone; the bulk-read sweep and the one erasure
(each in a Django process of its own); the import runs last.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench import operations as ops
from bench.appserver import PYTHON, ROOT, AppServer, app_env, manage
from bench.client import (
    Action,
    BenchError,
    Samples,
    concurrent_load,
    get_action,
    login,
    median,
    post_json_action,
    run_checked,
    session_clone,
    timed_loop,
)
from bench.peer import PEER_DIR
from bench.pgserver import PgServer, pg_server
from bench.report import (
    IMPORT_TARGET_S,
    MEMORY_TARGET_MB,
    PEER_SPEEDUP_TARGET,
    THROUGHPUT_TARGET_RPS,
    OpResult,
    machine_info,
    print_table,
)

BENCH_ROOT = Path("/tmp/careloop-bench")
DATASET_DB = "careloop"
WORK_DB = "careloop_bench_work"
# What the runner reads from bench.generate's manifest.json.
MANIFEST_KEYS = (
    "vendor",
    "password",
    "users",
    "phone",
    "name_fragment",
    "customer_50",
    "worklist_user",
    "complaint_open",
)
MANIFEST_USERS = ("desk", "cs", "ceo", "head")
LOAD_TESTS = {"throughput", "writers"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--scale", type=float, default=1.0, help="dataset scale (1.0 = chain-5y)")
    parser.add_argument("--seed", type=int, default=None, help="passed to bench.generate")
    parser.add_argument("--var", type=Path, help="dataset dir (default /tmp/careloop-bench/<db>)")
    parser.add_argument(
        "--work", type=Path, help="working copy dir (default /tmp/careloop-bench/work-<db>)"
    )
    parser.add_argument(
        "--pgdata",
        type=Path,
        default=BENCH_ROOT / "pgdata",
        help="PostgreSQL data directory, kept between runs (default %(default)s)",
    )
    parser.add_argument("--generate", action="store_true", help="(re)generate the dataset first")
    parser.add_argument("--runs", type=int, default=3, help="repetitions; medians are reported")
    parser.add_argument("-n", type=int, default=200, help="timed requests per operation per run")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests before each")
    parser.add_argument("--max-seconds", type=float, default=120, help="time cap per op per run")
    parser.add_argument("--clients", type=int, default=8, help="throughput: concurrent clients")
    parser.add_argument("--duration", type=float, default=20, help="throughput: seconds")
    parser.add_argument("--writers", type=int, default=4, help="SQLite writers' test: clients")
    parser.add_argument("--writers-duration", type=float, default=60, help="writers: seconds")
    parser.add_argument("--cap", type=int, default=20000, help="max requests per load client")
    parser.add_argument("--import-rows", type=int, default=ops.IMPORT_ROWS)
    parser.add_argument("--import-timeout", type=float, default=1800)
    parser.add_argument(
        "--skip", default="", help="comma list of op names, or throughput / writers, to leave out"
    )
    parser.add_argument("--only", default="", help="comma list: measure only these (as --skip)")
    parser.add_argument("--peer", action="store_true", help="also run django-helpdesk's board")
    parser.add_argument("--peer-dir", type=Path, default=None, help="shared/bench/peer_helpdesk")
    parser.add_argument("--keep-work", action="store_true", help="keep the working copy after")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.n < 1:
        parser.error("--runs and -n must be at least 1")
    return args


# --- dataset and its working copy ---------------------------------------------------------------


def generate(*, var: Path, scale: float, seed: int | None, database_url: str | None) -> None:
    var.mkdir(parents=True, exist_ok=True)
    # No stale manifest may outlive a failed generation.
    (var / "manifest.json").unlink(missing_ok=True)
    command = [
        *(PYTHON, "-m", "bench.generate", "--var", str(var), "--scale", str(scale)),
        "--force-empty",
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    env = app_env(var_dir=var, database_url=database_url)
    print(f"generating the dataset into {var} (scale {scale}) …", flush=True)
    t0 = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, timeout=3600, check=False)
    if done.returncode != 0:
        raise BenchError(f"bench.generate failed (exit {done.returncode})")
    print(f"generated in {time.monotonic() - t0:.0f} s", flush=True)


def load_manifest(var: Path, *, db: str, scale: float) -> dict[str, Any]:
    path = var / "manifest.json"
    if not path.exists():
        raise BenchError(
            f"no dataset at {var} (no manifest.json); run with --generate to create it"
        )
    manifest = manifest_normalise(json.loads(path.read_text(encoding="utf-8")))
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    missing += [f"users.{role}" for role in MANIFEST_USERS if role not in manifest.get("users", {})]
    if missing:
        raise BenchError(f"{path} lacks {', '.join(missing)}; regenerate with --generate")
    vendor = "postgres" if str(manifest.get("vendor", "")).startswith("postg") else "sqlite"
    if vendor != db:
        raise BenchError(f"{path} describes a {manifest.get('vendor')} dataset, not {db}")
    if manifest.get("scale") is not None and float(manifest["scale"]) != scale:
        print(
            f"note: the dataset at {var} has scale {manifest['scale']}, not {scale} "
            "(use --generate to rebuild it at the asked scale)",
            flush=True,
        )
    return manifest


def manifest_normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """The agreed flat shape, from either it or bench.generate's (fixtures nested under
    "fixtures", the vendor under "database", counts by table name)."""
    manifest = {**raw, **raw.get("fixtures", {})}
    manifest.setdefault("vendor", raw.get("database", ""))
    counts = dict(manifest.get("counts") or {})
    counts.setdefault("complaints", counts.get("complaints_complaint"))
    counts.setdefault("customers", counts.get("customers_customer"))
    manifest["counts"] = counts
    return manifest


@contextmanager
def sqlite_work_copy(var: Path, work: Path, *, keep: bool) -> Iterator[Path]:
    source = var / "careloop.sqlite3"
    if not source.exists():
        raise BenchError(f"{source} is missing; run with --generate")
    # Fold the WAL into the main file first, so the one-file copy is the whole database.
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    work.mkdir(parents=True, exist_ok=True)
    target = work / "careloop.sqlite3"
    for leftover in work.glob("careloop.sqlite3*"):
        leftover.unlink()
    t0 = time.monotonic()
    shutil.copyfile(source, target)
    size_gb = target.stat().st_size / 1e9
    print(f"working copy {target} ({size_gb:.2f} GB) in {time.monotonic() - t0:.0f} s", flush=True)
    try:
        yield target
    finally:
        if not keep:
            for leftover in work.glob("careloop.sqlite3*"):
                leftover.unlink()


@contextmanager
def pg_work_copy(server: PgServer, *, keep: bool) -> Iterator[str]:
    if not server.database_exists(DATASET_DB):
        raise BenchError(f"no database {DATASET_DB!r} in {server.data_dir}; run with --generate")
    t0 = time.monotonic()
    server.admin(
        f'DROP DATABASE IF EXISTS "{WORK_DB}" WITH (FORCE)',
        f'CREATE DATABASE "{WORK_DB}" TEMPLATE "{DATASET_DB}"',
    )
    print(f"working copy database {WORK_DB} in {time.monotonic() - t0:.0f} s", flush=True)
    try:
        yield server.url(WORK_DB)
    finally:
        if not keep:
            server.admin(f'DROP DATABASE IF EXISTS "{WORK_DB}" WITH (FORCE)')


def django_call(command: str, spec: dict[str, Any], *, env: dict[str, str], timeout: float) -> Any:
    """Run `python -m bench.operations <command>` (a Django process) and return its JSON."""
    with tempfile.TemporaryDirectory(prefix="careloop-bench-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        done = run_checked(
            [PYTHON, "-m", "bench.operations", command, str(spec_path), str(out_path)],
            what=f"bench.operations {command}",
            env=env,
            timeout=timeout,
            cwd=ROOT,
        )
        result = json.loads(out_path.read_text(encoding="utf-8"))
        if isinstance(result, dict) and done.stderr.strip():
            # Logged errors (an import that failed, say) are part of the result.
            result["stderr_tail"] = done.stderr[-4000:]
        return result


def existing_phones(*, sqlite_path: Path | None, database_url: str | None) -> set[str]:
    sql = "SELECT phone FROM customers_customer WHERE phone <> ''"
    if sqlite_path is not None:
        with sqlite3.connect(sqlite_path) as conn:
            return {row[0] for row in conn.execute(sql)}
    import psycopg

    with psycopg.connect(database_url or "") as conn:
        return {row[0] for row in conn.execute(sql)}


# --- the measurements ---------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, manifest: dict[str, Any]):
        self.args = args
        self.manifest = manifest
        self.skip = {s for s in args.skip.split(",") if s}
        if args.only:
            everything = {o.name for o in ops.operations_for(manifest)} | LOAD_TESTS
            self.skip |= everything - {s for s in args.only.split(",") if s}
        self.operations = [o for o in ops.operations_for(manifest) if o.name not in self.skip]
        self.results = {o.name: OpResult(o) for o in self.operations}
        self.sessions: dict[str, requests.Session] = {}
        self.api: dict[str, requests.Session] = {}
        self.write_customer = ""
        self.report: dict[str, Any] = {}

    @property
    def reads(self) -> list[ops.Operation]:
        return [o for o in self.operations if o.kind == "read"]

    def prepare(self, env: dict[str, str]) -> None:
        """Capture each page's SQL (a Django process), make the API tokens."""
        users = self.manifest["users"]
        spec = {
            "reads": [{"name": o.name, "user": o.user, "path": o.path} for o in self.reads],
            "tokens": {"desk": users["desk"], "cs": users["cs"]},
            "phone": self.manifest["phone"],
        }
        # The test client answers as host "testserver".
        capture_env = {**env, "CARELOOP_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"}
        t0 = time.monotonic()
        prepared = django_call("prepare", spec, env=capture_env, timeout=900)
        print(f"captured the pages' SQL in {time.monotonic() - t0:.0f} s", flush=True)
        bad = []
        for o in self.reads:
            capture = prepared["captures"][o.name]
            self.results[o.name].capture = capture
            if capture["status"] != 200:
                bad.append(f"{o.name}: GET {o.path} as {o.user} answered {capture['status']}")
        if bad:
            raise BenchError("pages that do not answer 200:\n  " + "\n  ".join(bad))
        if not prepared["write_customer"]:
            raise BenchError(f"no customer with the manifest's phone {self.manifest['phone']}")
        self.write_customer = prepared["write_customer"]
        for role, key in prepared["tokens"].items():
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {key}"
            self.api[role] = session

    def log_in(self, base: str) -> None:
        password = self.manifest["password"]
        totp_keys = self.manifest.get("totp_keys") or {}
        for o in self.reads:
            if o.user not in self.sessions:
                self.sessions[o.user] = login(
                    base, o.user, password, path=ops.LOGIN_PATH, totp_key=totp_keys.get(o.user)
                )

    def read_actions(self, base: str, *, clone: bool = False) -> list[Action]:
        actions = []
        for o in self.reads:
            session = self.sessions[o.user]
            actions.append(get_action(session_clone(session) if clone else session, base + o.path))
        return actions

    def write_action(
        self, base: str, name: str, *, counter: ops.PayloadCounter, clone: bool = False
    ) -> Action:
        customer = self.write_customer
        if name == "create_interaction":
            session, url = self.api["desk"], f"{base}/api/v1/customers/{customer}/interactions"
            return post_json_action(
                session_clone(session) if clone else session,
                url,
                lambda: counter.interaction(customer),
                expect=201,
            )
        session, url = self.api["cs"], f"{base}/api/v1/complaints"
        return post_json_action(
            session_clone(session) if clone else session,
            url,
            lambda: counter.complaint(customer),
            expect=201,
        )

    def measure_reads(self, base: str, floor: ops.RawFloor) -> None:
        a = self.args
        prepared: dict[str, list[ops.Statement] | None] = {}
        for o in self.reads:
            statements, skipped = floor.prepare(self.results[o.name].capture["statements"])
            self.results[o.name].extra["floor_statements_skipped"] = skipped
            try:
                floor.run(statements)
            except Exception as exc:  # a floor that cannot run is reported, not fatal
                print(f"  note: raw floor of {o.name} does not replay: {exc}", flush=True)
                self.results[o.name].extra["floor_error"] = str(exc)
                prepared[o.name] = None
            else:
                prepared[o.name] = statements
        actions = dict(zip([o.name for o in self.reads], self.read_actions(base), strict=True))
        for run in range(1, a.runs + 1):
            for o in self.reads:
                page = timed_loop(
                    actions[o.name], n=a.n, warmup=a.warmup, max_seconds=a.max_seconds
                )
                row = {"run": run, **page.summary()}
                statements = prepared[o.name]
                raw = Samples()
                if statements is not None:

                    def replay(statements: list[ops.Statement] = statements) -> tuple[str, bool]:
                        floor.run(statements)
                        return "ok", True

                    raw = timed_loop(replay, n=a.n, warmup=a.warmup, max_seconds=a.max_seconds)
                    row.update(
                        raw_p50_ms=round(raw.p50, 3),
                        raw_p95_ms=round(raw.p95, 3),
                        raw_n=len(raw.latencies_ms),
                        ratio=round(page.p50 / raw.p50, 2) if raw.p50 > 0 else None,
                    )
                self.results[o.name].runs.append(row)
                print(
                    f"  run {run} {o.name:<14} p50 {page.p50:7.1f} ms  p95 {page.p95:7.1f} ms  "
                    f"raw p50 {raw.p50:7.2f} ms  errors {page.errors}",
                    flush=True,
                )

    def measure_writes(self, base: str) -> None:
        a = self.args
        for run in range(1, a.runs + 1):
            for name in ("create_interaction", "create_complaint"):
                if name not in self.results:
                    continue
                counter = ops.PayloadCounter(f"r{run}")
                action = self.write_action(base, name, counter=counter)
                samples = timed_loop(action, n=a.n, warmup=a.warmup, max_seconds=a.max_seconds)
                self.results[name].runs.append({"run": run, **samples.summary()})
                print(
                    f"  run {run} {name:<18} p50 {samples.p50:7.1f} ms  p95 {samples.p95:7.1f} ms"
                    f"  errors {samples.errors} {dict(samples.statuses)}",
                    flush=True,
                )

    def measure_throughput(self, base: str) -> dict[str, Any]:
        a = self.args
        clients = []
        for i in range(a.clients):
            actions = self.read_actions(base, clone=True)
            # Each client starts the mix at a different page, so all pages run at once.
            clients.append(actions[i % len(actions) :] + actions[: i % len(actions)])
        result = concurrent_load(clients, duration_s=a.duration, cap_per_client=a.cap).summary()
        result["pass"] = result["errors"] == 0 and result["rps"] >= THROUGHPUT_TARGET_RPS
        print(f"  throughput: {result}", flush=True)
        return result

    def measure_writers(self, base: str, server: AppServer) -> dict[str, Any]:
        a = self.args
        locked_before = server.log_count("database is locked")
        clients = []
        for i in range(a.writers):
            counter = ops.PayloadCounter(f"w{i}")
            clients.append(
                [
                    self.write_action(base, "create_interaction", counter=counter, clone=True),
                    self.write_action(base, "create_complaint", counter=counter, clone=True),
                ]
            )
        result = concurrent_load(
            clients, duration_s=a.writers_duration, cap_per_client=a.cap
        ).summary()
        result["database_is_locked"] = server.log_count("database is locked") - locked_before
        result["server_errors_5xx"] = sum(
            count for status, count in result["statuses"].items() if status.startswith("5")
        )
        result["pass"] = result["database_is_locked"] == 0 and result["errors"] == 0
        print(f"  writers: {result}", flush=True)
        return result


# --- main ---------------------------------------------------------------------------------------


def _terminate(_signum: int, _frame: Any) -> None:
    # Unwind through every `finally`, as Ctrl-C does, so that gunicorn, the working copy and
    # PostgreSQL are stopped.
    raise KeyboardInterrupt


@dataclass
class Target:
    """The working copy the app and the raw floor run against."""

    work: Path  # the app's CARELOOP_VAR_DIR
    env: dict[str, str]
    floor: ops.RawFloor
    sqlite_path: Path | None = None
    database_url: str | None = None


def _target(args: argparse.Namespace, stack: ExitStack, report: dict[str, Any]) -> Target:
    """Start PostgreSQL if asked, generate if asked, load the manifest, make the working copy.
    Everything started here is stopped (and the copy removed) when `stack` closes."""
    var = (args.var or BENCH_ROOT / args.db).resolve()
    work = (args.work or BENCH_ROOT / f"work-{args.db}").resolve()
    server: PgServer | None = None
    dataset_url = None
    if args.db == "postgres":
        server = stack.enter_context(pg_server(data_dir=args.pgdata))
        report["machine"]["postgres"] = server.version
        dataset_url = server.url(DATASET_DB)
        if args.generate:
            server.admin(
                f'DROP DATABASE IF EXISTS "{DATASET_DB}" WITH (FORCE)',
                f'CREATE DATABASE "{DATASET_DB}"',
            )
    if args.generate:
        generate(var=var, scale=args.scale, seed=args.seed, database_url=dataset_url)
    manifest = load_manifest(var, db=args.db, scale=args.scale)
    report["manifest"] = manifest
    report["dataset"] = {
        "var": str(var),
        "scale": manifest.get("scale"),
        "counts": manifest["counts"],
    }
    if server is not None:
        url = stack.enter_context(pg_work_copy(server, keep=args.keep_work))
        target = Target(work, app_env(var_dir=work, database_url=url), ops.PostgresFloor(url))
        target.database_url = url
    else:
        path = stack.enter_context(sqlite_work_copy(var, work, keep=args.keep_work))
        target = Target(work, app_env(var_dir=work, database_url=None), ops.SqliteFloor(path))
        target.sqlite_path = path
    stack.callback(target.floor.close)
    # A dataset outlives the code it was generated with: bring the copy up to this checkout's
    # migrations (new indexes, backfilled columns), as a deployment would.
    t0 = time.monotonic()
    migrated = manage(["migrate", "--noinput"], env=target.env, timeout=3600)
    applied = [line.strip() for line in migrated.splitlines() if line.strip().startswith("Apply")]
    report["migrate"] = {"applied": applied, "seconds": round(time.monotonic() - t0, 1)}
    if applied:
        print(f"migrated the working copy ({len(applied)}) in {report['migrate']['seconds']} s")
    # DEBUG off serves static files through whitenoise's manifest, which must exist.
    manage(["collectstatic", "--noinput", "-v0"], env=target.env, timeout=600)
    return target


def _measure_ours(args: argparse.Namespace, bench: Bench, target: Target) -> dict[str, Any]:
    """Everything measured through our gunicorn, which is stopped on the way out."""
    out: dict[str, Any] = {}
    app = AppServer(env=target.env, log_dir=target.work)
    with app:
        base = app.base
        # Logging in hashes passwords (Argon2), which takes memory of its own: its own phase.
        app.phase("login")
        bench.log_in(base)
        app.phase("reads")
        print(f"\nreads: {args.runs} run(s) × {args.warmup}+{args.n} requests", flush=True)
        bench.measure_reads(base, target.floor)
        print("writes (API)", flush=True)
        app.phase("writes")
        bench.measure_writes(base)
        if "throughput" not in bench.skip and bench.reads:
            print(f"throughput: {args.clients} clients, {args.duration:.0f} s", flush=True)
            app.phase("throughput")
            out["throughput"] = bench.measure_throughput(base)
        if args.db == "sqlite" and "writers" not in bench.skip:
            print(f"writers: {args.writers} clients, {args.writers_duration:.0f} s", flush=True)
            app.phase("writers")
            out["writers"] = bench.measure_writers(base, app)
        out["server_log"] = {
            "database_is_locked": app.log_count("database is locked"),
            "tracebacks": app.log_count("Traceback"),
            "path": str(app.error_log),
        }
    memory = app.memory.summary() if app.memory else {}
    memory["pass"] = bool(memory) and memory["max_rss_mb"] < MEMORY_TARGET_MB
    out["memory"] = memory
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"machine": machine_info(ROOT), "db": args.db, "args": vars(args)}
    peer_dir = args.peer_dir or PEER_DIR
    if args.peer and not (peer_dir / "measure.py").is_file():
        # Found now rather than after half an hour of measuring ours.
        raise BenchError(f"no peer in {peer_dir}: pass --peer-dir shared/bench/peer_helpdesk")
    with ExitStack() as stack:
        target = _target(args, stack, report)
        bench = Bench(args, report["manifest"])
        bench.prepare(target.env)
        report.update(_measure_ours(args, bench, target))
        if args.peer:
            report["peer"] = run_peer(args, bench, peer_dir)
        if _measured(bench, "bulk_read_sweep", "task"):
            report["sweep"] = run_sweep(args, bench, target)
        if _measured(bench, "customer_erase", "erase"):
            report["erase"] = run_erase(bench, target)
        if "import_100k" in bench.results:
            report["import"] = run_import(args, bench, target)
        report["operations"] = [r.as_dict() for r in bench.results.values()]
        report["machine"]["loadavg_at_end"] = os.getloadavg()
        print_table(list(bench.results.values()), report)
    return report


def run_peer(args: argparse.Namespace, bench: Bench, peer_dir: Path) -> dict[str, Any]:
    from bench import peer

    print("\npeer: django-helpdesk (our server is stopped)", flush=True)
    tickets = peer.peer_ensure(peer_dir)
    measured = peer.peer_board(
        peer_dir, n=args.n, warmup=args.warmup, max_seconds=args.max_seconds, runs=args.runs
    )
    board = [r["board"] for r in measured["runs"]]
    peer_p50 = median([b["p50_ms"] for b in board])
    peer_p95 = median([b["p95_ms"] for b in board])
    ours_name = "board_chain" if "board_chain" in bench.results else "board"
    ours = bench.results.get(ours_name)
    out: dict[str, Any] = {
        "peer_tickets": tickets,
        "peer_matched": measured["matched"],
        "peer_p50_ms": round(peer_p50, 1),
        "peer_p95_ms": round(peer_p95, 1),
        "peer_shell_p50_ms": round(median([r["shell"]["p50_ms"] for r in measured["runs"]]), 1),
        "peer_rows_p50_ms": round(median([r["rows"]["p50_ms"] for r in measured["runs"]]), 1),
        "peer_runs": measured["runs"],
        "warnings": [],
    }
    if ours is None or not ours.runs:
        out["warnings"].append("our board was not measured (skipped)")
        return out
    our_complaints = (bench.manifest.get("counts") or {}).get("complaints")
    our_p50, our_p95 = ours.med("p50_ms"), ours.med("p95_ms")
    out.update(
        ours=f"{ours_name} as {ours.op.user}",
        our_complaints=our_complaints,
        our_p50_ms=round(our_p50, 1),
        our_p95_ms=round(our_p95, 1),
        speedup_p50=round(peer_p50 / our_p50, 2),
        speedup_p95=round(peer_p95 / our_p95, 2),
    )
    out["pass"] = out["speedup_p50"] >= PEER_SPEEDUP_TARGET
    if our_complaints != tickets:
        out["warnings"].append(
            f"not the same size: we have {our_complaints} complaints, the peer {tickets} tickets"
        )
    if args.db != "sqlite":
        out["warnings"].append(
            "the peer runs on SQLite only (its settings hard-wire the sqlite3 engine; PEER_DB "
            "only moves the file), so this is not a same-database comparison"
        )
    return out


def _measured(bench: Bench, name: str, kind: str) -> bool:
    result = bench.results.get(name)
    return result is not None and result.op.kind == kind


def run_sweep(args: argparse.Namespace, bench: Bench, target: Target) -> dict[str, Any]:
    """The bulk-read sweep (a Huey task every five minutes) is not a page: it is timed in a
    Django process under the app's settings on the work copy, calling the task's body with the
    dataset's moment (`bench.operations sweep`), --runs × (--warmup + -n) calls."""
    print("\nbulk-read sweep (in a Django process)", flush=True)
    spec = {
        "at": bench.manifest["bulk_read_at"],
        "runs": args.runs,
        "n": args.n,
        "warmup": max(1, args.warmup),
    }
    result = django_call("sweep", spec, env=target.env, timeout=900)
    bench.results["bulk_read_sweep"].runs.extend(result["runs"])
    bench.results["bulk_read_sweep"].extra.update({k: v for k, v in result.items() if k != "runs"})
    for row in result["runs"]:
        print(f"  run {row['run']} sweep  p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms")
    print(
        f"  {result['reads_in_hour']} reads by {result['readers_in_hour']} readers in the hour;"
        f" over the limit: {result['readers_over_limit']}",
        flush=True,
    )
    return result


def run_erase(bench: Bench, target: Target) -> dict[str, Any]:
    """One erasure, once, on the work copy (it anonymises one customer there, which nothing
    measured after it reads): `bench.operations erase`, with where its time went."""
    print("\nerasure: one customer (in a Django process, once)", flush=True)
    spec = {
        "request": bench.manifest["erase_request"],
        "user": bench.results["customer_erase"].op.user,
    }
    result = django_call("erase", spec, env=target.env, timeout=3600)
    result["pass"] = result["status"] == "done" and result["total_s"] * 1000 <= (
        bench.results["customer_erase"].op.target_ms
    )
    total_ms = result["total_s"] * 1000
    bench.results["customer_erase"].runs.append({"run": 1, "p50_ms": total_ms, "p95_ms": total_ms})
    print(
        f"  erased {result['customer']} in {result['total_s']} s ({result['statements']} "
        f"statements, {result['sql_s']} s of SQL)",
        flush=True,
    )
    for table, entry in list(result["by_table"].items())[:8]:
        print(f"    {table:<45} {entry['seconds']:8.2f} s  {entry['statements']:>5} statements")
    return result


def run_import(args: argparse.Namespace, bench: Bench, target: Target) -> dict[str, Any]:
    print(f"\nimport: {args.import_rows} customers from CSV (last; our server is stopped)")
    csv_path = target.work / "import-customers.csv"
    taken = existing_phones(sqlite_path=target.sqlite_path, database_url=target.database_url)
    ops.import_csv_write(csv_path, rows=args.import_rows, seed=20240601, taken_phones=taken)
    spec = {"csv": str(csv_path), "user": bench.results["import_100k"].op.user}
    # The job's Huey task runs in this process, so it is timed, not queued.
    import_env = {**target.env, "CARELOOP_HUEY_IMMEDIATE": "true"}
    result = django_call("import", spec, env=import_env, timeout=args.import_timeout)
    result["csv_bytes"] = csv_path.stat().st_size
    result["pass"] = result["status"] == "done" and result["total_s"] <= IMPORT_TARGET_S
    print(f"  import: {result}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        report = run(args)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; our servers are stopped", file=sys.stderr)
        return 130
    if args.json:
        args.json.write_text(
            json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
