"""Recording a read of personal data: the one call any page, API handler or print makes.

    from careloop.access.models import ReadKind
    from careloop.access.recorder import reads_record

    reads_record(request, [customer], kind=ReadKind.VIEW)           # a record opened
    "items": reads_record(request, list(page), kind=ReadKind.LIST)  # answers its argument

A call only appends the customers' ids to the request's buffer; `ReadLogMiddleware` writes the
whole buffer with one INSERT as the response leaves, so a list of 100 customers costs the
request one statement, not a hundred. Who read (the user, and the API token when the request
came with one) and through what (the URL's name and path) are taken from the request then.
An export of thousands goes through `reads_record_all`, which writes at once, in batches.

Outside a request that went through the middleware (a test's RequestFactory, ninja's test
client, a management command given a request) the reads are written at once: a read is never
dropped for want of a buffer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from careloop.access.models import PersonalDataRead, ReadChannel, ReadKind
from careloop.access.rules import EXPORT_BATCH
from careloop.accounts.models import ApiToken

# Set on the request by the middleware: {(customer_id, kind): None}, in the order read.
BUFFER_ATTR = "_careloop_reads"
# Set by core/api_auth.TokenAuth on a request it authenticated: the token's SHA-256.
TOKEN_ATTR = "careloop_api_token_hash"

Reads = TypeVar("Reads", bound=Iterable[Any])

_KIND_CHANNEL = {ReadKind.PRINT: ReadChannel.PDF, ReadKind.EXPORT: ReadChannel.EXPORT}
_ROUTE_MAX = PersonalDataRead._meta.get_field("route").max_length
_PATH_MAX = PersonalDataRead._meta.get_field("path").max_length
_LABEL_MAX = PersonalDataRead._meta.get_field("api_token_label").max_length


def _customer_id(ref: Any) -> int | None:
    """A Customer, its id, or None (a complaint without a customer names nobody)."""
    if ref is None or isinstance(ref, int):
        return ref
    return ref.pk


def reads_record(request: HttpRequest, customers: Reads, *, kind: ReadKind) -> Reads:
    """Record that the request's user read these customers' records; answer `customers`.

    `customers` holds Customer objects, ids or None (skipped); iterating it must not use it
    up (pass a list or a page, not a generator). The same customer and kind twice in one
    request is one read.
    """
    ids = [cid for cid in map(_customer_id, customers) if cid is not None]
    if not ids:
        return customers
    buffer: dict[tuple[int, str], None] | None = getattr(request, BUFFER_ATTR, None)
    if buffer is None:
        _write(request, [(cid, str(kind)) for cid in dict.fromkeys(ids)])
    else:
        for cid in ids:
            buffer[(cid, str(kind))] = None
    return customers


def reads_record_all(
    request: HttpRequest, customers: QuerySet[Any], *, kind: ReadKind = ReadKind.EXPORT
) -> int:
    """Record a read of every customer in `customers` now, `EXPORT_BATCH` rows at a time in
    one transaction; answer how many. For exports, which can hold a chain's whole list: the
    rows are written before the file's first byte leaves, and no model object is built for a
    customer, only for its read."""
    ids = list(customers.order_by().values_list("pk", flat=True).distinct())
    origin = _origin(request)
    at = timezone.now()
    with transaction.atomic():
        for start in range(0, len(ids), EXPORT_BATCH):
            PersonalDataRead.objects.bulk_create(
                [_row(origin, at, cid, str(kind)) for cid in ids[start : start + EXPORT_BATCH]]
            )
    return len(ids)


def reads_buffer_open(request: HttpRequest) -> None:
    setattr(request, BUFFER_ATTR, {})


def reads_flush(request: HttpRequest, *, status: int) -> int:
    """Write the request's buffered reads with one INSERT; answer how many were written.

    A 5xx answer writes none: Django's error page carries no part of the record, and the
    buffer then names customers that did not leave the server (a streamed file that fails
    half-way has already answered 200, so its reads are written). Any other answer, a 4xx
    included, writes them: a view re-rendering a page with a form's errors shows the record.
    After the flush the request has no buffer, so a read recorded later (while a streamed
    answer is produced) is written at once rather than lost.
    """
    buffer: dict[tuple[int, str], None] | None = getattr(request, BUFFER_ATTR, None)
    setattr(request, BUFFER_ATTR, None)
    if not buffer or status >= 500:
        return 0
    return _write(request, list(buffer))


def _write(request: HttpRequest, reads: list[tuple[int, str]]) -> int:
    """One INSERT for the request's reads, however many: a list page holds 25 customers, the
    worklist every line of a branch (hundreds), and a page's query count must not grow with
    them. Django splits a `bulk_create` on SQLite at 999 parameters (111 rows of these nine
    columns); there the rows go in as one JSON array instead, the columns every read of the
    request shares bound once."""
    origin = _origin(request)
    at = timezone.now()
    rows = [_row(origin, at, cid, kind) for cid, kind in reads]
    connection = connections[router.db_for_write(PersonalDataRead)]
    if connection.vendor == "sqlite" and len(rows) > 1:
        _sqlite_insert(connection, rows)
    else:
        # PostgreSQL names no parameter limit: Django sends any number of rows at once.
        PersonalDataRead.objects.bulk_create(rows)
    return len(rows)


# Columns that differ between the reads of one request; the rest are the request's own.
_PER_READ = ("customer_id", "kind", "channel")


def _sqlite_insert(connection: BaseDatabaseWrapper, rows: list[PersonalDataRead]) -> None:
    opts = PersonalDataRead._meta
    shared = [f for f in opts.concrete_fields if not f.primary_key and f.attname not in _PER_READ]
    per_read = [opts.get_field(name.removesuffix("_id")) for name in _PER_READ]
    first = rows[0]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in (*shared, *per_read))
    picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(per_read)))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(opts.db_table)} ({columns}) "
        f"SELECT {', '.join(['%s'] * len(shared))}, {picks} FROM json_each(%s) ORDER BY key"
    )
    params = [f.get_db_prep_save(f.pre_save(first, add=True), connection) for f in shared]
    values = [[getattr(row, name) for name in _PER_READ] for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, json.dumps(values)])


def _row(origin: dict[str, Any], at: Any, customer_id: int, kind: str) -> PersonalDataRead:
    channel = _KIND_CHANNEL.get(ReadKind(kind)) or origin["channel"]
    fields = {k: v for k, v in origin.items() if k != "channel"}
    return PersonalDataRead(at=at, customer_id=customer_id, kind=kind, channel=channel, **fields)


def _origin(request: HttpRequest) -> dict[str, Any]:
    """Who read and through what, from the request as it is answered."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    is_api = match is not None and "api" in match.namespaces
    token_id, token_label = _token(request)
    return {
        "user_id": user.pk if user is not None and user.is_authenticated else None,
        "api_token_id": token_id,
        "api_token_label": token_label,
        "channel": ReadChannel.API if is_api else ReadChannel.PAGE,
        "route": (match.view_name if match is not None else "")[:_ROUTE_MAX],
        "path": request.path[:_PATH_MAX],
    }


def _token(request: HttpRequest) -> tuple[int | None, str]:
    key_hash = getattr(request, TOKEN_ATTR, None)
    if not key_hash:
        return None, ""
    token = ApiToken.objects.filter(key_hash=key_hash).values_list("pk", "name", "prefix").first()
    if token is None:
        return None, ""
    pk, name, prefix = token
    return pk, f"{name} ({prefix}…)"[:_LABEL_MAX]
