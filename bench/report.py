"""What the benchmark reports: scale.md's targets, each operation's figures, the printed table
and the machine they were measured on."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.client import median
from bench.operations import Operation

RATIO_TARGET = 3.0
THROUGHPUT_TARGET_RPS = 150.0
MEMORY_TARGET_MB = 200.0
PEER_SPEEDUP_TARGET = 2.0
IMPORT_TARGET_S = 60.0


@dataclass
class OpResult:
    """One operation's runs (each with its p50/p95, and for a page its raw floor) and the SQL
    the page was seen to run."""

    op: Operation
    runs: list[dict[str, Any]] = field(default_factory=list)
    capture: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def med(self, key: str) -> float:
        """The median over the runs: one run's figure on a shared machine is noise."""
        return median([r[key] for r in self.runs if r.get(key) is not None])

    def passed(self) -> bool | None:
        if not self.runs:
            return None
        errors = sum(r.get("errors", 0) for r in self.runs)
        return errors == 0 and self.med("p95_ms") <= self.op.target_ms

    def ratio_passed(self) -> bool | None:
        ratio = self.med("ratio") if self.op.kind == "read" else math.nan
        return None if math.isnan(ratio) else ratio <= RATIO_TARGET

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.op.name,
            "label": self.op.label,
            "kind": self.op.kind,
            "user": self.op.user,
            "path": self.op.path,
            "target_p95_ms": self.op.target_ms,
            "note": self.op.note,
            "runs": self.runs,
            **self.extra,
        }
        if self.runs:
            for key in ("p50_ms", "p95_ms", "raw_p50_ms", "raw_p95_ms", "ratio"):
                value = self.med(key)
                out[f"median_{key}"] = None if math.isnan(value) else round(value, 2)
            out["pass"] = self.passed()
            out["ratio_pass"] = self.ratio_passed()
        if self.capture:
            out["sql"] = {k: v for k, v in self.capture.items() if k != "statements"}
            out["sql"]["statements"] = [s["sql"] for s in self.capture["statements"]]
        return out


def _ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def _flag(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "FAIL")


def _operation_line(result: OpResult, report: dict[str, Any]) -> str:
    o = result.op
    head = f"{o.label:<33}"
    if o.kind == "missing":
        return f"{head}{'missing':>9}{'':>9}{_ms(o.target_ms):>9}  {'—':<5} {o.note}"
    if o.kind == "erase":
        erase = report.get("erase") or {}
        total = erase.get("total_s")
        value = f"{total:.1f} s" if total is not None else "—"
        return f"{head}{value:>9}{'':>9}{_ms(o.target_ms):>9}  {_flag(erase.get('pass')):<5}"
    if o.kind == "import":
        imp = report.get("import") or {}
        total = imp.get("total_s")
        value = f"{total:.1f} s" if total is not None else "—"
        return f"{head}{value:>9}{'':>9}{_ms(o.target_ms):>9}  {_flag(imp.get('pass')):<5}"
    read = o.kind == "read"
    ratio = result.med("ratio") if read else math.nan
    queries = result.capture["queries"] if result.capture else ""
    return (
        f"{head}{_ms(result.med('p50_ms')):>9}{_ms(result.med('p95_ms')):>9}"
        f"{_ms(o.target_ms):>9}  {_flag(result.passed()):<5}"
        f"{_ms(result.med('raw_p50_ms') if read else None):>9}"
        f"{('—' if math.isnan(ratio) else f'{ratio:.1f}×'):>7}  {_flag(result.ratio_passed()):<5}"
        f"{queries!s:>5}"
    )


def _load_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    if t := report.get("throughput"):
        lines.append(
            f"throughput: {t['clients']} clients × {t['seconds']:.0f} s on the read pages: "
            f"{t['rps']} req/s (target ≥ {THROUGHPUT_TARGET_RPS:.0f}), {t['errors']} errors, "
            f"p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms  [{_flag(t['pass'])}]"
        )
    if w := report.get("writers"):
        lines.append(
            f"writers: {w['clients']} × {w['seconds']:.0f} s API creates: {w['ok']} ok, "
            f"{w['rps']} req/s, {w['errors']} errors, {w['server_errors_5xx']} 5xx, "
            f"{w['database_is_locked']} 'database is locked'  [{_flag(w['pass'])}]"
        )
    if m := report.get("memory"):
        lines.append(
            f"memory: max worker RSS {m['max_rss_mb']} MB over {m['samples']} samples "
            f"(target < {MEMORY_TARGET_MB:.0f} MB)  [{_flag(m['pass'])}]; "
            f"max by phase {m.get('max_mb_by_phase')}"
        )
    if sweep := report.get("sweep"):
        lines.append(
            f"bulk-read sweep at {sweep['at']}: {sweep['reads_in_hour']} reads by "
            f"{sweep['readers_in_hour']} readers in the hour, over the limit "
            f"{sweep['readers_over_limit']}, of {sweep['reads_total']} reads in the log"
        )
    if erase := report.get("erase"):
        lines.append(
            f"erasure of {erase['customer']}: {erase['total_s']} s, {erase['statements']} "
            f"statements ({erase['sql_s']} s of SQL); slowest tables "
            + ", ".join(f"{t} {e['seconds']} s" for t, e in list(erase["by_table"].items())[:5])
        )
    if imp := report.get("import"):
        lines.append(
            f"import: {imp.get('rows')} rows, dry run {imp.get('check_s')} s + import "
            f"{imp.get('import_s')} s = {imp.get('total_s')} s, status {imp.get('status')}, "
            f"result {imp.get('result')}, errors {imp.get('error_count')}"
        )
    return lines


def _peer_lines(peer: dict[str, Any] | None) -> list[str]:
    if not peer or "ours" not in peer:
        return []
    lines = [
        f"peer (django-helpdesk, SQLite, {peer['peer_tickets']} tickets) board = shell + rows: "
        f"p50 {peer['peer_p50_ms']} ms, p95 {peer['peer_p95_ms']} ms "
        f"(shell p50 {peer['peer_shell_p50_ms']}, rows p50 {peer['peer_rows_p50_ms']})",
        f"ours ({peer['ours']}, {peer['our_complaints']} complaints): p50 {peer['our_p50_ms']} "
        f"ms, p95 {peer['our_p95_ms']} ms → ours is {peer['speedup_p50']}× faster at p50, "
        f"{peer['speedup_p95']}× at p95 (target ≥ {PEER_SPEEDUP_TARGET:.0f}×)  "
        f"[{_flag(peer['pass'])}]",
    ]
    lines += [f"  note: {warning}" for warning in peer.get("warnings", [])]
    return lines


def print_table(results: list[OpResult], report: dict[str, Any]) -> None:
    counts = report.get("dataset", {}).get("counts") or {}
    args = report.get("args", {})
    print(
        f"\n{report['db']}: {counts.get('customers')} customers, {counts.get('complaints')} "
        f"complaints; medians of {args.get('runs')} runs × ({args.get('warmup')} warm-up + "
        f"{args.get('n')}) sequential requests; commit {report['machine'].get('git_commit')}"
    )
    print(
        f"\n{'operation':<33}{'p50 ms':>9}{'p95 ms':>9}{'target':>9}  {'p95':<5}"
        f"{'raw p50':>9}{'ratio':>7}  {'≤3×':<5}{'SQL':>5}"
    )
    for result in results:
        print(_operation_line(result, report))
    print()
    for line in _load_lines(report):
        print(line)
    peer = _peer_lines(report.get("peer"))
    if peer:
        print()
        for line in peer:
            print(line)


def machine_info(root: Path) -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        # Uncommitted changes make the commit an approximation of what was measured.
        "git_dirty": bool(git("status", "--porcelain")),
    }
