"""The bulk writer: rows go into tables by raw SQL in large batches, one class per vendor.

SQLite gets `executemany` inside the one transaction of the load; PostgreSQL gets
`COPY … FROM STDIN`. Table and column names come from the models' `_meta`, so the SQL follows
the models; a column the generator does not fill gets the field's default, and a column with
neither a value nor a default stops the load with the field's name.

In fast mode (the command line, an empty database of its own) the writer also drops the
secondary indexes of the tables it fills and builds them again afterwards — one sorted build is
several times quicker than keeping six indexes up to date row by row — switches off foreign
key enforcement (the generator makes every reference point at a row it wrote; the smoke test
checks that), relaxes durability for the load, and restores all of it at the end. Outside fast
mode (inside a test's transaction) it only inserts.
"""

from __future__ import annotations

import itertools
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

Row = Sequence[Any]
_first = operator.itemgetter(0)


class BulkWriter:
    vendor: str = ""
    suffix: str = ""  # what follows a UTC timestamp's text

    def __init__(self, *, fast: bool, log: Callable[[str], None]):
        self.fast = fast
        self.log = log
        self.written: dict[str, int] = {}
        self.models: list[type[models.Model]] = []
        self._dropped: list[str] = []

    # --- inserting -------------------------------------------------------------------------

    def insert(self, model: type[models.Model], names: Sequence[str], rows: Iterable[Row]) -> int:
        """Insert `rows` (tuples in the order of `names`, field names) into the model's table."""
        columns, constants = self._columns(model, names)
        if constants:
            extra = tuple(constants)
            rows = (tuple(row) + extra for row in rows)
        # Counted on the way through in C: zip stops at the rows' end without advancing the
        # counter, so the counter's next value is how many rows went by.
        counter = itertools.count()
        self._insert(model._meta.db_table, columns, map(_first, zip(rows, counter, strict=False)))
        count = next(counter)
        if model not in self.models:
            self.models.append(model)
        table = model._meta.db_table
        self.written[table] = self.written.get(table, 0) + count
        return count

    def _columns(self, model: type[models.Model], names: Sequence[str]) -> tuple[list[str], list]:
        given = [model._meta.get_field(name) for name in names]
        columns = [f.column for f in given]
        constants = []
        for f in model._meta.concrete_fields:
            if f in given:
                continue
            if f.primary_key:
                continue  # the database numbers it
            value = f.get_default()  # the default, or "" / None as the ORM would save
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} needs a value: no default")
            columns.append(f.column)
            constants.append(f.get_db_prep_save(value, connection))
        return columns, constants

    def _insert(self, table: str, columns: list[str], rows: Iterable[Row]) -> None:
        raise NotImplementedError

    # --- the load around the inserts -------------------------------------------------------

    def prepare(self) -> None:
        """Before the load's transaction: settings that cannot change inside one."""

    def drop_indexes(self, model_list: Sequence[type[models.Model]]) -> None:
        """Fast mode: remember and drop the secondary indexes of the tables to fill."""
        if not self.fast:
            return
        with connection.cursor() as cursor:
            for model in model_list:
                for name, sql in self._secondary_indexes(cursor, model._meta.db_table):
                    cursor.execute(f'DROP INDEX "{name}"')
                    self._dropped.append(sql)

    def create_indexes(self) -> None:
        with connection.cursor() as cursor:
            for sql in self._dropped:
                cursor.execute(sql)
        self._dropped = []

    def _secondary_indexes(self, cursor: Any, table: str) -> list[tuple[str, str]]:
        raise NotImplementedError

    def reset_sequences(self) -> None:
        """Make the next id the database hands out follow the ids the load gave."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def restore(self) -> None:
        """After the load's transaction, whatever happened: the database's usual settings."""

    def analyze(self) -> None:
        """Refresh the planner's statistics."""


class SqliteWriter(BulkWriter):
    vendor = "sqlite"
    suffix = ""

    def _insert(self, table: str, columns: list[str], rows: Iterable[Row]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        # The driver's own connection: executemany binds straight from the iterator in C.
        raw = connection.connection
        raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    def prepare(self) -> None:
        if not self.fast:
            return
        connection.ensure_connection()
        raw = connection.connection
        # journal_mode and foreign_keys cannot change inside a transaction. A rollback journal
        # in memory is enough for a load that only appends; WAL would write everything twice.
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("PRAGMA journal_mode = MEMORY")
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -524288")  # 512 MiB for the index builds
        raw.execute("PRAGMA temp_store = MEMORY")

    def _secondary_indexes(self, cursor: Any, table: str) -> list[tuple[str, str]]:
        # Indexes with SQL are those Django created (db_index, Meta.indexes, conditional
        # unique constraints); the automatic ones backing UNIQUE columns and the primary key
        # have none and stay.
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL",
            [table],
        )
        return list(cursor.fetchall())

    def restore(self) -> None:
        if self.fast and connection.connection is not None:
            raw = connection.connection
            # The settings' own mode for the app: WAL with synchronous=NORMAL.
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA synchronous = NORMAL")
            raw.execute("PRAGMA foreign_keys = ON")

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class PostgresWriter(BulkWriter):
    vendor = "postgresql"
    suffix = "+00"

    def _insert(self, table: str, columns: list[str], rows: Iterable[Row]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)

    def drop_indexes(self, model_list: Sequence[type[models.Model]]) -> None:
        if not self.fast:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Foreign keys are triggers; a superuser (the throwaway benchmark server's owner)
            # may skip them for the load. Anyone else keeps them, checked at commit.
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            else:
                self.log("PostgreSQL: not a superuser; foreign keys are checked at commit")
        super().drop_indexes(model_list)

    def _secondary_indexes(self, cursor: Any, table: str) -> list[tuple[str, str]]:
        # Indexes that back no constraint (primary key, UNIQUE) can go and come back.
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """,
            [f'"{table}"'],
        )
        return list(cursor.fetchall())

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            if self.fast and not connection.in_atomic_block:
                # VACUUM sets the visibility map too, as autovacuum would have by now in a
                # database that grew over five years: index-only scans become possible.
                cursor.execute("VACUUM ANALYZE")
            else:
                cursor.execute("ANALYZE")


def writer_for_connection(*, fast: bool, log: Callable[[str], None]) -> BulkWriter:
    if connection.vendor == "sqlite":
        return SqliteWriter(fast=fast, log=log)
    if connection.vendor == "postgresql":
        return PostgresWriter(fast=fast, log=log)
    raise SystemExit(f"bench.generate supports SQLite and PostgreSQL, not {connection.vendor}")


class Stopwatch:
    """Elapsed seconds per step of the load, printed as each step ends."""

    def __init__(self, log: Callable[[str], None]):
        self.log = log
        self.started = time.perf_counter()
        self.steps: dict[str, float] = {}

    def step(self, name: str) -> _Step:
        return _Step(self, name)

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started


class _Step:
    def __init__(self, watch: Stopwatch, name: str):
        self.watch, self.name = watch, name

    def __enter__(self) -> _Step:
        self.began = time.perf_counter()
        self.watch.log(f"  {self.name} …")
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.began
        self.watch.steps[self.name] = round(self.watch.steps.get(self.name, 0) + elapsed, 2)
        if exc[0] is None:
            self.watch.log(f"  {self.name}: {elapsed:.1f} s (total {self.watch.total:.1f} s)")
