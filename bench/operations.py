"""The measured operations (shared/spec/scale.md's table), their raw-SQL floors, and the parts
that must run inside Django.

The floor of a page is the SQL that page really runs: `prepare` (a Django process under the
same settings as gunicorn) requests each page once with the test client, records every
statement through `connection.execute_wrapper`, and hands them over; the runner replays the
SELECTs with the bare driver (sqlite3 / psycopg, no Django) as often as it requested the page.
Page time ÷ floor time is then what Django, the templates and HTTP add on top of the data.

Run inside Django by the runner:
`python -m bench.operations prepare|import|sweep|erase SPEC.json OUT.json`.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import json
import random
import re
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

Kind = Literal["read", "write", "missing", "import", "task", "erase"]


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    target_ms: float  # p95 target from scale.md
    kind: Kind
    user: str = ""  # username the request is made as
    path: str = ""
    note: str = ""


LOGIN_PATH = "/accounts/login/"
IMPORT_ROWS = 100_000


def operations_for(manifest: dict[str, Any]) -> list[Operation]:
    """scale.md's table, filled in from the dataset's manifest.

    Customer pages are read as the front desk and complaint pages as customer service: the
    people who use them all day, scoped to their branch as the app scopes them. The board is
    read a second time as senior management, who see all 30 branches: that is the board at
    the peer's ticket count (30,000 cases), the one compared with django-helpdesk."""
    users = manifest["users"]
    return [
        Operation(
            "search_phone",
            "customer search, full phone",
            30,
            "read",
            users["desk"],
            "/customers/?" + urlencode({"q": manifest["phone"]}),
        ),
        Operation(
            "search_name",
            "customer search, 2-char name",
            100,
            "read",
            users["desk"],
            "/customers/?" + urlencode({"q": manifest["name_fragment"]}),
        ),
        Operation(
            "customer_page",
            "customer page, 50 interactions",
            80,
            "read",
            users["desk"],
            f"/customers/{manifest['customer_50']}/",
        ),
        Operation(
            "worklist", "daily worklist", 100, "read", manifest["worklist_user"], "/worklist/"
        ),
        Operation("board", "complaint board (branch)", 80, "read", users["cs"], "/complaints/"),
        Operation(
            "board_chain",
            "complaint board (all branches)",
            80,
            "read",
            users["ceo"],
            "/complaints/",
            note="the board compared with the peer",
        ),
        Operation(
            "case_page",
            "complaint case page",
            80,
            "read",
            users["cs"],
            f"/complaints/{manifest['complaint_open']}/",
        ),
        Operation("create_interaction", "API: create interaction", 30, "write", users["desk"]),
        Operation("create_complaint", "API: create complaint", 50, "write", users["cs"]),
        Operation(
            "monthly_analysis",
            "monthly complaint analysis",
            1000,
            "missing",
            note="no monthly analysis page or endpoint exists in careloop/complaints yet",
        ),
        *_privacy_operations(manifest),
        Operation(
            "import_100k",
            "import 100,000 customers (CSV)",
            60_000,
            "import",
            users["desk"],
            note="dry run + import, through the transfer services, on the work copy",
        ),
    ]


def _privacy_operations(manifest: dict[str, Any]) -> list[Operation]:
    """The read log and the erasure (careloop/access, careloop/privacy), as a supervisor: the
    customer page of a department head (who also gets the read-log placeholder), the panel it
    loads when scrolled to, the five-minute bulk-read sweep and one erasure. scale.md names
    none of them: the pages are held to the customer page's target, the sweep to 1 s (a job
    that runs every five minutes on the web's database), the erasure to 60 s (the lead's bar
    for one request; it is run once, not repeated)."""
    head, customer = manifest["users"]["head"], manifest["customer_50"]
    page = Operation(
        "customer_page_supervisor",
        "customer page, as a supervisor",
        80,
        "read",
        head,
        f"/customers/{customer}/",
        note="a department head; the read-log panel is a placeholder loaded when scrolled to",
    )
    panel = Operation(
        "read_log_panel",
        "read-log panel (customer page)",
        80,
        "read",
        head,
        f"/access/customers/{customer}/panel/",
        note="the fragment the placeholder loads: the customer's 10 newest reads",
    )
    if "bulk_read_at" not in manifest:
        old = "the dataset predates the read log and data-subject requests: regenerate it"
        return [
            page,
            panel,
            Operation("bulk_read_sweep", "bulk-read sweep (every 5 min)", 1000, "missing",
                      note=old),
            Operation("customer_erase", "erase one customer (one-off)", 60_000,
                      "missing", note=old),
        ]  # fmt: skip
    return [
        page,
        panel,
        Operation(
            "bulk_read_sweep",
            "bulk-read sweep (every 5 min)",
            1000,
            "task",
            note="access.services.bulk_read_alerts_send(now=bulk_read_at) in a Django process;"
            " each call rolled back, so every one does the whole work",
        ),
        Operation(
            "customer_erase",
            "erase one customer (one-off)",
            60_000,
            "erase",
            head,
            note="privacy.services.request_erase of the manifest's open erasure request, once,"
            " on the work copy",
        ),
    ]


# --- payloads of the write operations ----------------------------------------------------------


class PayloadCounter:
    """Unique, deterministic bodies: the n-th call of a run writes the same text every time."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.n = 0

    def interaction(self, _customer: str) -> dict[str, Any]:
        self.n += 1
        return {
            "channel": "phone",
            "summary": f"效能測試電話關懷 {self.prefix}-{self.n}",
            "reaction": "neutral",
            "follow_up_action": "一週後回訪",
        }

    def complaint(self, customer: str) -> dict[str, Any]:
        self.n += 1
        return {
            "customer": customer,
            "channel": "phone",
            "description": (
                f"效能測試：治療師遲到十五分鐘，候診區沒有人說明原因。({self.prefix}-{self.n})"
            ),
            "expected_resolution": "希望院所改善預約時間的安排",
        }


# --- parameters across the process boundary ----------------------------------------------------


class Unreplayable(Exception):
    """A parameter type the raw replay does not know; the statement is left out of the floor."""


def encode_param(value: Any) -> Any:
    """JSON-safe form of a driver parameter, typed so the replay passes the same Python type."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return {"$t": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$t": "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$t": "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$t": "timedelta", "v": value.total_seconds()}
    if isinstance(value, decimal.Decimal):
        return {"$t": "decimal", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$t": "uuid", "v": str(value)}
    if isinstance(value, bytes | memoryview):
        return {"$t": "bytes", "v": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, list | tuple):
        return {"$t": "list", "v": [encode_param(v) for v in value]}
    if type(value).__name__ in {"Jsonb", "Json"} and hasattr(value, "obj"):
        return {"$t": "json", "v": value.obj}
    raise Unreplayable(type(value).__name__)


def decode_param(value: Any, *, vendor: str) -> Any:
    if not isinstance(value, dict):
        return value
    kind, raw = value["$t"], value["v"]
    if kind == "datetime":
        parsed = dt.datetime.fromisoformat(raw)
        # sqlite3's own datetime adapter, which Django's SQL relies on there.
        return parsed.isoformat(" ") if vendor == "sqlite" else parsed
    if kind == "date":
        return raw if vendor == "sqlite" else dt.date.fromisoformat(raw)
    if kind == "time":
        return raw if vendor == "sqlite" else dt.time.fromisoformat(raw)
    if kind == "timedelta":
        return dt.timedelta(seconds=raw)
    if kind == "decimal":
        return raw if vendor == "sqlite" else decimal.Decimal(raw)
    if kind == "uuid":
        return raw if vendor == "sqlite" else uuid.UUID(raw)
    if kind == "bytes":
        return base64.b64decode(raw)
    if kind == "list":
        return [decode_param(v, vendor=vendor) for v in raw]
    if kind == "json":
        if vendor == "sqlite":
            return json.dumps(raw)
        from psycopg.types.json import Jsonb

        return Jsonb(raw)
    raise Unreplayable(kind)


# --- the raw floor ------------------------------------------------------------------------------

# Django's SQLite backend turns its %s placeholders into qmarks and %% into % (convert_query).
_FORMAT_QMARK = re.compile(r"(?<!%)%s")


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...] | None


class RawFloor:
    """Replays a page's SELECTs with the bare driver, fetching every row, as Django would."""

    vendor = ""

    def prepare(self, captured: Iterable[dict[str, Any]]) -> tuple[list[Statement], int]:
        """The replayable statements, and how many were left out."""
        statements, skipped = [], 0
        for item in captured:
            try:
                params = (
                    None
                    if item["params"] is None
                    else tuple(decode_param(p, vendor=self.vendor) for p in item["params"])
                )
            except Unreplayable:
                skipped += 1
                continue
            statements.append(Statement(self._sql(item["sql"], params), params))
        return statements, skipped

    def _sql(self, sql: str, params: tuple[Any, ...] | None) -> str:
        return sql

    def run(self, statements: list[Statement]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteFloor(RawFloor):
    vendor = "sqlite"

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self._functions = False

    def _sql(self, sql: str, params: tuple[Any, ...] | None) -> str:
        if "django_" in sql and not self._functions:
            # Date lookups call functions Django registers on its connections; without them
            # the statement would not run at all. They are plain Python, no ORM.
            from django.db.backends.sqlite3._functions import register

            register(self.conn)
            self._functions = True
        return sql if params is None else _FORMAT_QMARK.sub("?", sql).replace("%%", "%")

    def run(self, statements: list[Statement]) -> None:
        for statement in statements:
            if statement.params is None:
                cursor = self.conn.execute(statement.sql)
            else:
                cursor = self.conn.execute(statement.sql, statement.params)
            cursor.fetchall()

    def close(self) -> None:
        self.conn.close()


class PostgresFloor(RawFloor):
    vendor = "postgres"

    def __init__(self, url: str):
        import psycopg

        # Django's psycopg 3 backend binds parameters on the client (ClientCursor) unless told
        # otherwise; the replay does the same, so both send the server the same text.
        self.conn = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)

    def run(self, statements: list[Statement]) -> None:
        with self.conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.sql, statement.params)
                if cursor.description is not None:
                    cursor.fetchall()

    def close(self) -> None:
        self.conn.close()


# --- the import file ----------------------------------------------------------------------------

_SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施"
_GIVEN = "志明俊傑淑芬雅婷家豪怡君冠宇詩涵宗翰欣怡佳蓉承翰郁婷建宏美玲文雄秀英美惠麗華"


def import_csv_write(path: Path, *, rows: int, seed: int, taken_phones: set[str]) -> int:
    """A deterministic customer file in the transfer app's headers (UTF-8 with BOM, as Excel
    saves it). Phones avoid every number already on file, so each row creates a customer; no
    birthday, because name + birthday would match (or, in another branch, refuse) existing
    customers of a random dataset and turn the timing into a different operation."""
    rng = random.Random(seed)
    used = set(taken_phones)
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客戶姓名", "聯絡電話", "電子郵件", "客戶來源", "備註"])
        while written < rows:
            digits = f"09{rng.randrange(10**8):08d}"
            e164 = "+886" + digits[1:]
            if e164 in used:
                continue
            used.add(e164)
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
            phone = f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
            writer.writerow(
                [name, phone, f"c{written + 1:06d}@example.com", "網路搜尋", "批次匯入"]
            )
            written += 1
    return written


IMPORT_MAPPING = {"name": 0, "phone": 1, "email": 2, "source": 3, "notes": 4}


# --- inside Django ------------------------------------------------------------------------------


def _django_setup() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    django.setup()


def _capture(path: str, username: str) -> dict[str, Any]:
    """Request the page twice with the test client (the first warms per-process caches) and
    record every statement of the second."""
    from django.db import connection
    from django.test import Client

    from careloop.accounts.models import User

    client = Client()
    user = User.objects.get(username=username)
    client.force_login(user, backend="careloop.accounts.backends.StaffBackend")
    _second_factor_shown(client, user)
    client.get(path)
    recorded: list[tuple[str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not many:
            recorded.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = client.get(path)
    statements, writes, unreplayable = [], 0, 0
    for sql, params in recorded:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            writes += 1
            continue
        try:
            encoded = None if params is None else [encode_param(p) for p in params]
        except Unreplayable:
            unreplayable += 1
            continue
        statements.append({"sql": sql, "params": encoded})
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "queries": len(recorded),
        "writes": writes,
        "unreplayable": unreplayable,
        "statements": statements,
    }


def _second_factor_shown(client: Any, user: Any) -> None:
    """Mark the session as having shown its second factor, as the verify page does
    (django_otp.login), so a supervisor's page is captured rather than the redirect to it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def prepare(spec: dict[str, Any]) -> dict[str, Any]:
    """Capture the read pages' SQL, create the API tokens, find the customer written to."""
    from careloop.accounts.models import User
    from careloop.accounts.services import api_token_create
    from careloop.core.phones import phone_normalize
    from careloop.customers.models import Customer

    captures = {op["name"]: _capture(op["path"], op["user"]) for op in spec["reads"]}
    tokens = {}
    for role, username in spec["tokens"].items():
        _token, key = api_token_create(user=User.objects.get(username=username), name="bench")
        tokens[role] = key
    number = (
        Customer.objects.filter(phone=phone_normalize(spec["phone"]) or spec["phone"])
        .values_list("number", flat=True)
        .first()
    )
    return {"captures": captures, "tokens": tokens, "write_customer": number}


def import_run(spec: dict[str, Any]) -> dict[str, Any]:
    """The whole import a person does: upload, map, dry run, confirm and write. Needs
    CARELOOP_HUEY_IMMEDIATE=true, so that the job's Huey task runs here and is timed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from careloop.accounts.models import User
    from careloop.transfer.services import import_job_confirm, import_job_create, import_job_map

    user = User.objects.get(username=spec["user"])
    content = Path(spec["csv"]).read_bytes()
    t0 = time.perf_counter()
    job = import_job_create(
        upload=SimpleUploadedFile("customers.csv", content, content_type="text/csv"), by=user
    )
    job = import_job_map(job=job, mapping=IMPORT_MAPPING, update_existing=False, by=user)
    t1 = time.perf_counter()
    checked = {"status": job.status, "errors": len(job.errors)}
    if not job.errors:
        job = import_job_confirm(job=job, by=user)
    t2 = time.perf_counter()
    return {
        "rows": job.total_rows,
        "check_s": round(t1 - t0, 2),
        "import_s": round(t2 - t1, 2),
        "total_s": round(t2 - t0, 2),
        "checked": checked,
        "status": job.status,
        "result": job.result,
        "error_count": len(job.errors),
        "errors": job.errors[:5],
    }


def sweep_run(spec: dict[str, Any]) -> dict[str, Any]:
    """Time the bulk-read sweep, the body of `access.tasks.bulk_read_alerts_task`, at the
    dataset's moment `spec["at"]` (the hour before it holds an ordinary hour of the chain's
    reads and one reader past the limit). The Huey wrapper adds only its lock. Each call runs
    in a transaction that is rolled back, so each finds the reader unreported and writes the
    alert and its notifications, as the first sweep after a bulk read does."""
    from django.db import transaction

    from bench.client import timed_loop
    from careloop.access.models import PersonalDataRead
    from careloop.access.rules import bulk_read_limit
    from careloop.access.services import BULK_WINDOW, bulk_read_alerts_send, bulk_readers

    at = dt.datetime.fromisoformat(spec["at"])
    reported: list[int] = []

    def sweep() -> tuple[str, bool]:
        with transaction.atomic():
            reported.append(bulk_read_alerts_send(now=at))
            transaction.set_rollback(True)
        return "ok", True

    runs = []
    for run in range(1, spec["runs"] + 1):
        samples = timed_loop(sweep, n=spec["n"], warmup=spec["warmup"], max_seconds=120)
        runs.append({"run": run, **samples.summary()})
    hour = PersonalDataRead.objects.filter(at__gt=at - BULK_WINDOW, at__lte=at)
    return {
        "runs": runs,
        "at": spec["at"],
        "reads_in_hour": hour.count(),
        "readers_in_hour": hour.values("user_id").distinct().count(),
        "readers_over_limit": bulk_readers(now=at, limit=bulk_read_limit()),
        "reported_per_call": sorted(set(reported)),
        "reads_total": PersonalDataRead.objects.count(),
    }


def erase_run(spec: dict[str, Any]) -> dict[str, Any]:
    """Carry out one erasure request through its service (permission, every app's
    contributor, the sweep of every text column of every table, the log), once, and say
    where its time went: seconds by table, the slowest statements and the plan of the
    slowest SELECT."""
    from django.db import connection

    from careloop.accounts.models import User
    from careloop.privacy.models import DataSubjectRequest
    from careloop.privacy.services import request_erase

    request = DataSubjectRequest.objects.select_related("customer").get(pk=spec["request"])
    user = User.objects.get(username=spec["user"])
    number = request.customer.number
    timed: list[tuple[float, str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - t0, sql, None if many else params))

    with connection.execute_wrapper(wrapper):
        t0 = time.perf_counter()
        done = request_erase(request=request, by=user)
        total = time.perf_counter() - t0
    by_table: dict[str, list[float]] = {}
    for seconds, sql, _params in timed:
        table = _first_table(sql)
        entry = by_table.setdefault(table, [0.0, 0])
        entry[0] += seconds
        entry[1] += 1
    slowest = sorted(timed, key=lambda t: t[0], reverse=True)
    sql_s = sum(t[0] for t in timed)
    return {
        "customer": number,
        "status": done.status,
        "total_s": round(total, 2),
        "sql_s": round(sql_s, 2),
        "statements": len(timed),
        "by_table": {
            table: {"seconds": round(s, 3), "statements": n}
            for table, (s, n) in sorted(by_table.items(), key=lambda kv: -kv[1][0])[:25]
        },
        "slowest": [{"seconds": round(s, 3), "sql": sql[:600]} for s, sql, _params in slowest[:10]],
        "explain": _explain(next((t for t in slowest if _is_select(t[1])), None)),
        "erasure_counts": done.erasures.order_by("-pk").values_list("counts", flat=True).first(),
    }


_TABLE = re.compile(r'(?:FROM|UPDATE|INTO)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


def _first_table(sql: str) -> str:
    found = _TABLE.search(sql)
    return found.group(1) if found else sql.split(None, 1)[0].upper()


def _is_select(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def _explain(statement: tuple[float, str, Any] | None) -> dict[str, Any] | None:
    """The plan of one statement: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (ANALYZE,
    BUFFERS), which runs it again (a SELECT: nothing changes)."""
    if statement is None:
        return None
    from django.db import connection

    seconds, sql, params = statement
    prefix = (
        "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    return {"seconds": round(seconds, 3), "sql": sql[:1500], "plan": plan}


COMMANDS = {"prepare": prepare, "import": import_run, "sweep": sweep_run, "erase": erase_run}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in COMMANDS:
        print(
            f"usage: python -m bench.operations {'|'.join(COMMANDS)} SPEC.json OUT.json",
            file=sys.stderr,
        )
        return 2
    command, spec_path, out_path = argv
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    _django_setup()
    result = COMMANDS[command](spec)
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
