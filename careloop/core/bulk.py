"""Creating many new rows of one model at once, with their history: the importer's write.

`bulk_create_with_history` prepares every value through its field's full conversion, sends at
most 999 parameters a statement on SQLite, and then builds a model instance for each history
row and converts everything again. For a file of 100,000 customers that was ~85 s of Python
around ~15 s of SQL. Here each column's conversion is decided once: text, numbers, booleans and
foreign keys go to the driver as they are (which is what Django's conversion returns for them);
dates, times and JSON go through the field's own `get_db_prep_save`, remembered per value, since
the timestamps of one import are a single instant. History rows reuse the converted values.
SQLite gets multi-row INSERTs (keys returned) and `executemany`; PostgreSQL gets one array per
column through `unnest`, bound in binary (see `_unnest_insert`).

The result is what `bulk_create_with_history` leaves behind: the rows, each object's primary
key set, and one "+" history row per object naming the user, dated the same instant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model

M = TypeVar("M", bound=models.Model)

# Values the drivers bind exactly as Django's conversion would hand them over, in fields whose
# conversion does nothing else with such values.
_AS_IS_TYPES = frozenset({str, int, bool, type(None)})
_AS_IS_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)
_MEMO_TYPES = frozenset({date, datetime})
_EMPTY_DEFAULTS = frozenset({list, dict})
# Placeholders a statement may carry where the backend names no limit.
_MAX_PARAMS = 30_000
# Rows in one PostgreSQL statement (arrays, one per column).
_UNNEST_ROWS = 5_000


def _preparer(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    as_is = field.get_internal_type() in _AS_IS_FIELDS
    memo: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        kind = type(value)
        if as_is and kind in _AS_IS_TYPES:
            return value
        if kind in _MEMO_TYPES:
            key = value
        elif kind in _EMPTY_DEFAULTS and not value:
            key = kind  # a JSON field's default, the same for every new row
        else:
            return field.get_db_prep_save(value, connection)
        if key not in memo:
            memo[key] = field.get_db_prep_save(value, connection)
        return memo[key]

    return prepare


def _insertable(model: type[models.Model]) -> list[models.Field]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for f in fields:
        # Only fields whose pre_save does nothing on insert, or stamps the time, are handled.
        if not isinstance(f, models.DateField) and type(f).pre_save is not models.Field.pre_save:
            raise TypeError(f"{model.__name__}.{f.name}: pre_save of {type(f).__name__}")
    return fields


def _stamp(objs: Sequence[models.Model], fields: list[models.Field], now: datetime) -> None:
    """auto_now / auto_now_add fields: the one instant of this insert, as save() would set."""
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now if isinstance(f, models.DateTimeField) else timezone.localdate(now)
            for obj in objs:
                setattr(obj, f.attname, value)


def _rows(
    objs: Sequence[models.Model], fields: list[models.Field], connection: BaseDatabaseWrapper
) -> list[tuple[Any, ...]]:
    columns = [(f.attname, _preparer(f, connection)) for f in fields]
    return [tuple(prepare(getattr(obj, attname)) for attname, prepare in columns) for obj in objs]


def _insert_returning_pks(
    model: type[models.Model],
    fields: list[models.Field],
    rows: list[tuple[Any, ...]],
    connection: BaseDatabaseWrapper,
) -> list[Any]:
    """The rows inserted; their new keys in the order of the rows."""
    if connection.vendor == "postgresql":
        return _unnest_insert(model, fields, rows, connection, returning=model._meta.pk.column)
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    tail = f" RETURNING {quote(model._meta.pk.column)}"
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Multi-row INSERTs, each returning its keys in the order of its rows (as Django's own
    # bulk_create relies on for SQLite ≥ 3.35).
    per_statement = max(1, (connection.features.max_query_params or _MAX_PARAMS) // len(fields))
    pks = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


def _unnest_insert(
    model: type[models.Model],
    fields: list[models.Field],
    rows: list[tuple[Any, ...]],
    connection: BaseDatabaseWrapper,
    *,
    returning: str = "",
) -> list[Any]:
    """PostgreSQL: `INSERT … SELECT * FROM unnest(column arrays) [RETURNING key]`, as Django's
    own bulk_create does there: a statement carries one array per column, so its text stays
    short however many rows it holds, and the server plans it once. Row by row (even prepared
    and pipelined) the executor's per-statement work was ~110 µs a row; and Django's cursor
    writes every value into the statement's text on the client, where the cursor here binds
    the arrays apart from it, in binary."""
    import psycopg

    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) SELECT * FROM unnest({}){}".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields),
        f" RETURNING {quote(returning)}" if returning else "",
    )
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # Wrapped as Django wraps its own: query log, execute wrappers, Django's exceptions.
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    pks: list[Any] = []
    with cursor:
        for start in range(0, len(rows), _UNNEST_ROWS):
            chunk = rows[start : start + _UNNEST_ROWS]
            columns = [list(column) for column in zip(*chunk, strict=True)]
            cursor.execute(sql, columns)
            if returning:
                pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


def _history_insert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    fields: list[models.Field],
    rows: list[tuple[Any, ...]],
    connection: BaseDatabaseWrapper,
    *,
    user_id: Any,
    now: datetime,
) -> None:
    history = get_history_manager_for_model(model).model
    own: dict[str, Any] = {
        "history_date": history._meta.get_field("history_date").get_db_prep_save(now, connection),
        # As bulk_create_with_history records created rows: "+", no reason.
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": user_id,
    }
    index = {f.attname: i for i, f in enumerate(fields)}
    pk_attname = model._meta.pk.attname
    columns: list[models.Field] = []
    picks: list[Callable[[int, tuple[Any, ...]], Any]] = []
    for f in history._meta.concrete_fields:
        if f.name == "history_id":
            continue
        columns.append(f)
        if f.attname in own:
            constant = own[f.attname]
            picks.append(lambda _n, _row, constant=constant: constant)
        elif f.attname == pk_attname:
            picks.append(lambda n, _row: objs[n].pk)
        elif f.attname in index:
            i = index[f.attname]
            picks.append(lambda _n, row, i=i: row[i])
        else:
            raise TypeError(f"{history.__name__}.{f.name}: not written by the bulk insert")
    history_rows = [tuple(pick(n, row) for pick in picks) for n, row in enumerate(rows)]
    if connection.vendor == "postgresql":
        _unnest_insert(history, columns, history_rows, connection)
        return
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(history._meta.db_table),
        ", ".join(quote(f.column) for f in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, history_rows)


def objects_insert(objs: Sequence[M], *, history_user: Any = None) -> list[M]:
    """Insert new objects of one model; set their primary keys; add their "+" history rows
    (when the model keeps history) naming `history_user`. Call inside a transaction."""
    if not objs:
        return list(objs)
    model = type(objs[0])
    # The connection itself, not django.db.connection: that proxy looks it up on every use.
    connection = connections[DEFAULT_DB_ALIAS]
    fields = _insertable(model)
    now = timezone.now()
    _stamp(objs, fields, now)
    rows = _rows(objs, fields, connection)
    for obj, pk in zip(objs, _insert_returning_pks(model, fields, rows, connection), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        try:
            get_history_manager_for_model(model)
        except NotHistoricalModelError:
            return list(objs)
        user_id = getattr(history_user, "pk", history_user)
        _history_insert(model, objs, fields, rows, connection, user_id=user_id, now=now)
    return list(objs)


@contextmanager
def write_cache(megabytes: int = 128) -> Iterator[None]:
    """On SQLite, a larger page cache for the length of a bulk write, then the usual one.

    A new customer's row goes into 17 indexes and its history row into 10 more. With SQLite's
    default 2 MB cache, inserting 100,000 customers kept re-reading index pages (34 s); with
    128 MB it took 23 s. Only while the write runs: web workers keep the small default, which
    keeps their memory low."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (usual,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-megabytes * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(usual)}")
