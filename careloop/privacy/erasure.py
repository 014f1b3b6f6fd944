"""Erasure (個資法 §11 III 刪除) by one rule, and what finishes or repeats it later.

`customer_erase` anonymises everything about a person in one transaction: every app's
contributor (registry.py) in turn, then a sweep of every free-text column of every table and of
the media folder for the name and phone that remain. The sweep changes only rows that are the
person's or nobody's: a row tied to another customer or to a complaint that is not theirs (a
second 王小明, a mother sharing his phone, her own held complaint) is never rewritten, only
counted in the log as "not changed: belongs to another record" (`not_changed:<table>`).
Kept: complaint records still inside PT-P020 5.6.3's three years (listed in the log and the
answer with the clause, released by `holds_release`, a daily task, when the hold ends) and
purchase amounts (商業會計法 §38), which stay as figures under the anonymised record.

Files are counted inside the transaction (the counts belong in the log) but deleted only once
it commits (`transaction.on_commit`): a rolled-back erasure deletes nothing.
Every erasure is also appended to a file outside the database (`erasure_log_path`), so that
after a restore from a backup `manage.py reapply_erasures --since` erases again what the
backup brought back.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from careloop.accounts.models import User
from careloop.complaints.models import Complaint
from careloop.customers.models import Customer
from careloop.privacy.files import media_sweep
from careloop.privacy.models import DataSubjectRequest, ErasureLog
from careloop.privacy.registry import (
    ErasureContext,
    ReleaseContext,
    contributors,
    identity_terms,
    text_fields,
)
from careloop.privacy.rules import HOLD_CLAUSE, placeholder_name

# Tables the sweep leaves alone: staff accounts (a colleague may share the customer's name),
# framework bookkeeping without personal text, the erasure log (ids only) and the read log
# (ids and paths only, and two years of rows: searching it held the write lock for long).
SWEEP_SKIPPED_APPS = frozenset({"accounts", "auth", "contenttypes", "sessions", "axes", "access"})
CUSTOMER_LABELS = frozenset({"customers.Customer", "customers.HistoricalCustomer"})
COMPLAINT_LABELS = frozenset({"complaints.Complaint", "complaints.HistoricalComplaint"})
SWEEP_SKIPPED_MODELS = frozenset({"privacy.ErasureLog", "core.Sequence"})


def erasure_log_path() -> Path:
    default = Path(settings.VAR_DIR) / "privacy" / "erasures.jsonl"
    return Path(getattr(settings, "CARELOOP_ERASURE_LOG_FILE", default))


# --- the sweep ---------------------------------------------------------------------------------


def _json_scrub(value: Any, scrub: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_json_scrub(v, scrub) for v in value]
    if isinstance(value, dict):
        return {scrub(k): _json_scrub(v, scrub) for k, v in value.items()}
    return value


def _term_condition(field: models.Field, terms: list[str], alias: str) -> tuple[Q, bool]:
    """(condition, needs a text cast to `alias`): a JSON column is searched as its stored text,
    where a name may be written with \\u escapes (Django writes JSON with ensure_ascii)."""
    condition = Q()
    if isinstance(field, models.JSONField):
        for term in terms:
            escaped = json.dumps(term)[1:-1]
            condition |= Q(**{f"{alias}__contains": term}) | Q(**{f"{alias}__contains": escaped})
        return condition, True
    for term in terms:
        condition |= Q(**{f"{field.attname}__contains": term})
    return condition, False


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sweep_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in SWEEP_SKIPPED_APPS
        and model._meta.label not in SWEEP_SKIPPED_MODELS
    ]


def _owner_paths(model: type[models.Model]) -> list[tuple[str, str]]:
    """(lookup, "customer" | "complaint") of each way a row of the model points at a customer
    or a complaint: its own foreign keys, and one step further (a settlement's compensation's
    customer, a survey answer's survey's complaint)."""
    paths: list[tuple[str, str]] = []
    for fk in model._meta.concrete_fields:
        target = fk.related_model if fk.is_relation else None
        if target is None or not isinstance(target, type):
            continue
        label = target._meta.label
        if label == "customers.Customer":
            paths.append((fk.attname, "customer"))
        elif label == "complaints.Complaint":
            paths.append((fk.attname, "complaint"))
        else:
            for inner in target._meta.concrete_fields:
                inner_target = inner.related_model if inner.is_relation else None
                if not isinstance(inner_target, type):
                    continue
                if inner_target._meta.label == "customers.Customer":
                    paths.append((f"{fk.name}__{inner.attname}", "customer"))
                elif inner_target._meta.label == "complaints.Complaint":
                    paths.append((f"{fk.name}__{inner.attname}", "complaint"))
    return paths


def others_condition(
    model: type[models.Model], *, customer_id: int | None, complaint_ids: set[int]
) -> Q | None:
    """The rows of the model that belong to another record than the erased person's: another
    Customer (and its history, by id), another complaint (by id), and any row whose customer
    or complaint link points elsewhere. None when the model links to neither."""
    label = model._meta.label
    if label in CUSTOMER_LABELS:
        return ~Q(id=customer_id)
    if label in COMPLAINT_LABELS:
        return ~Q(id__in=complaint_ids)
    condition: Q | None = None
    for lookup, kind in _owner_paths(model):
        if kind == "customer":
            part = Q(**{f"{lookup}__isnull": False}) & ~Q(**{lookup: customer_id})
        else:
            part = Q(**{f"{lookup}__isnull": False}) & ~Q(**{f"{lookup}__in": complaint_ids})
        condition = part if condition is None else condition | part
    return condition


def database_sweep(
    *,
    terms: list[tuple[str, str]],
    protected: dict[str, Q],
    counts: Counter[str],
    customer_id: int | None,
    complaint_ids: set[int],
    others: dict[str, Q] | None = None,
) -> None:
    """Replace the remaining occurrences of the terms in every free-text column, in the rows
    that are the erased person's or nobody's. The protected rows (the complaint hold) are left
    as they are; the rows of another record are left too, and counted per table in
    `not_changed:<label>` for review."""
    if not terms:
        return
    needles = [term for term, _ in terms]
    others = others or {}

    def scrub(text: str) -> str:
        for term, replacement in terms:
            text = text.replace(term, replacement)
        return text

    for model in sweep_models():
        attnames = text_fields(model)
        if not attnames:
            continue
        manager = model._base_manager
        label = model._meta.label
        pk_name = model._meta.pk.attname
        theirs = others_condition(model, customer_id=customer_id, complaint_ids=complaint_ids)
        extra = others.get(label)
        if extra is not None:
            theirs = extra if theirs is None else theirs | extra
        # One scan of the table for all its text columns at once (a scan per column read a
        # chain's three million interactions six times over), with no join: the rows it finds
        # are few, and whose they are (held, another record's) is asked of those rows alone.
        rows = manager.order_by()  # no sort: the model's ordering only costs the scan time
        condition = Q()
        for attname in attnames:
            alias = f"_sweep_text_{attname}"
            column, cast = _term_condition(model._meta.get_field(attname), needles, alias)
            if cast:
                rows = rows.annotate(**{alias: Cast(attname, models.TextField())})
            condition |= column
        matches = rows.filter(condition).values_list(pk_name, *attnames)
        found = {pk: values for pk, *values in matches}
        if not found:
            continue
        kept: set[Any] = set()
        left = 0
        exclusion = protected.get(label)
        for chunk in _chunks(list(found), 500):
            candidates = manager.order_by().filter(**{f"{pk_name}__in": chunk})
            if exclusion is not None:
                kept |= set(candidates.filter(exclusion).values_list(pk_name, flat=True))
            if theirs is not None:
                theirs_pks = set(
                    candidates.filter(theirs).values_list(pk_name, flat=True).distinct()
                )
                theirs_pks -= kept
                left += len(theirs_pks)
                kept |= theirs_pks
        for pk, values in found.items():
            if pk in kept:
                continue
            changed = {}
            for attname, value in zip(attnames, values, strict=True):
                new = _json_scrub(value, scrub)
                if new != value:
                    changed[attname] = new
            if changed:
                manager.filter(**{pk_name: pk}).update(**changed)
                counts[f"sweep:{label}"] += len(changed)
        if left:
            counts[f"not_changed:{label}"] += left


def files_sweep(
    *, mentions: Any, protected: set[str], skip: set[str], counts: Counter[str]
) -> None:
    """The media folder: orphan uploads naming the person go (after commit); those a row
    refers to stay, counted for review (they may be another person's)."""
    removed, left = media_sweep(mentions=mentions, protected=protected, skip=skip)
    if removed:
        counts["files:media"] += len(removed)
    if left:
        counts["not_changed:files"] += len(left)


# --- erasure -----------------------------------------------------------------------------------


def _log_file_append(entry: dict[str, Any]) -> None:
    path = erasure_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@transaction.atomic
def customer_erase(
    *, customer: Customer, by: User | None, request: DataSubjectRequest | None = None
) -> ErasureLog:
    """Anonymise everything about the customer except what a law keeps; log it.

    Call with permission already checked (services.request_erase does, for a person; the
    restore command runs as the system). Safe to run twice: a second run finds nothing to do.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    placeholder = placeholder_name(customer.pk)
    name = "" if customer.name == placeholder else customer.name
    ctx = ErasureContext(
        customer=customer,
        by=by,
        now=timezone.now(),
        terms=identity_terms(
            name=name,
            phone=customer.phone,
            email=customer.email,
            line_id=customer.line_id,
            placeholder=placeholder,
        ),
        placeholder=placeholder,
    )
    for contributor in contributors():
        if contributor.erase is not None:
            contributor.erase(ctx)
    database_sweep(
        terms=ctx.terms,
        protected=ctx.protected,
        counts=ctx.counts,
        customer_id=customer.pk,
        complaint_ids=ctx.complaint_ids,
        others=ctx.others,
    )
    if ctx.terms:
        files_sweep(
            mentions=ctx.mentions,
            protected=ctx.protected_files,
            skip=ctx.deleted_files,
            counts=ctx.counts,
        )
    log = ErasureLog.objects.create(
        customer_id_erased=customer.pk,
        customer_number=customer.number,
        request=request,
        erased_at=ctx.now,
        erased_by=by,
        kept=ctx.kept,
        counts=dict(ctx.counts),
    )
    entry = {
        "customer_id": customer.pk,
        "customer_number": customer.number,
        "erased_at": ctx.now.isoformat(),
        "by": by.pk if by else None,
        "log_id": log.pk,
    }
    transaction.on_commit(lambda: _log_file_append(entry))
    return log


def kept_answer_lines(kept: list[dict[str, Any]]) -> list[str]:
    """The answer's list of what was kept, each with its clause and until when."""
    lines = []
    for item in kept:
        until = item.get("until")
        when = (
            timezone.localtime(dt.datetime.fromisoformat(until)).strftime("%Y-%m-%d")
            if until
            else "結案後 3 年"
        )
        lines.append(
            f"{item.get('label', item['model'])} {item.get('number', item['id'])}："
            f"依 {item.get('clause', HOLD_CLAUSE)} 保存至 {when}，期滿後自動刪除。"
        )
    return lines


# --- holds ending ------------------------------------------------------------------------------


def _hold_until(complaint_id: int) -> dt.datetime | bool | None:
    """When the complaint's hold ends; None while it is open; False when it is gone."""
    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        return False
    return complaint.retention_until


@transaction.atomic
def holds_release(*, now: dt.datetime | None = None) -> list[ErasureLog]:
    """Finish the erasures whose kept complaints have passed PT-P020 5.6.3's three years.
    Idempotent: a released complaint is marked in the log and never released twice."""
    now = now or timezone.now()
    finished = []
    logs = ErasureLog.objects.select_for_update().filter(holds_finished_at__isnull=True)
    for log in logs.exclude(kept=[]):
        due, still = set(), set()
        for item in log.kept:
            if item.get("released_at"):
                continue
            until = _hold_until(item["id"])
            if until is False or (until is not None and until <= now):
                due.add(item["id"])
            else:
                still.add(item["id"])
                if until is not None:
                    item["until"] = until.isoformat()
        if not due:
            continue
        ctx = ReleaseContext(
            complaint_ids=due,
            still_held_ids=still,
            now=now,
            placeholder=placeholder_name(log.customer_id_erased),
            customer_id=log.customer_id_erased,
        )
        for contributor in contributors():
            if contributor.release is not None:
                contributor.release(ctx)
        protected, files = _held_protection(still)
        ctx.protected_files |= files
        # The person's complaints are every one the erasure kept; other rows stay untouched.
        database_sweep(
            terms=ctx.terms,
            protected=protected,
            counts=ctx.counts,
            customer_id=log.customer_id_erased,
            complaint_ids=due | still,
        )
        if ctx.terms:
            files_sweep(
                mentions=ctx.mentions,
                protected=ctx.protected_files,
                skip=ctx.deleted_files,
                counts=ctx.counts,
            )
        for item in log.kept:
            if item["id"] in due:
                item["released_at"] = now.isoformat()
        counts = Counter(log.counts)
        counts.update({f"release:{k}": v for k, v in ctx.counts.items()})
        log.counts = dict(counts)
        if not still:
            log.holds_finished_at = now
        log.save(update_fields=["kept", "counts", "holds_finished_at"])
        finished.append(log)
    return finished


def _held_protection(complaint_ids: set[int]) -> tuple[dict[str, Q], set[str]]:
    """The protection an erasure gives held complaints, rebuilt for the ones still held."""
    ctx = ErasureContext(
        customer=None,  # type: ignore[arg-type]
        by=None,
        now=timezone.now(),
        terms=[],
        placeholder="",
        held_complaint_ids=set(complaint_ids),
    )
    protect_held_complaints(ctx)
    return ctx.protected, ctx.protected_files


def protect_held_complaints(ctx: ErasureContext) -> None:
    """Every row that belongs to a held complaint, in any app: the complaint, every row with a
    link to it (history tables included), and every row one link further (a settlement's
    compensation, a survey answer's survey)."""
    ids = ctx.held_complaint_ids
    if not ids:
        return
    for model in sweep_models():
        if model._meta.label in COMPLAINT_LABELS:
            ctx.protect(model, Q(id__in=ids))
        else:
            lookups = [lookup for lookup, kind in _owner_paths(model) if kind == "complaint"]
            if not lookups:
                continue
            condition = Q()
            for lookup in lookups:
                condition |= Q(**{f"{lookup}__in": ids})
            ctx.protect(model, condition)
        # Their uploads (evidence, a signed settlement) stay with them, out of the file sweep.
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                ctx.protected_files |= set(
                    model._base_manager.filter(ctx.protected[model._meta.label])
                    .exclude(**{model_field.attname: ""})
                    .values_list(model_field.attname, flat=True)
                )


# --- after a restore ---------------------------------------------------------------------------


def erasure_entries_since(since: dt.datetime) -> list[dict[str, Any]]:
    """The erasures made since `since`, from the file outside the database (which a restore
    does not roll back) and from the log table, one per customer."""
    entries: dict[int, dict[str, Any]] = {}
    path = erasure_log_path()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            if dt.datetime.fromisoformat(entry["erased_at"]) >= since:
                entries.setdefault(entry["customer_id"], entry)
    for log in ErasureLog.objects.filter(erased_at__gte=since):
        entries.setdefault(
            log.customer_id_erased,
            {"customer_id": log.customer_id_erased, "customer_number": log.customer_number},
        )
    return list(entries.values())


def erasures_reapply(*, since: dt.datetime) -> list[tuple[str, str]]:
    """Erase again every customer erased since `since` whose data a restore brought back.
    Answers (customer number, what happened) for each."""
    outcomes = []
    for entry in erasure_entries_since(since):
        customer = Customer.objects.filter(pk=entry["customer_id"]).first()
        number = entry.get("customer_number", str(entry["customer_id"]))
        if customer is None:
            outcomes.append((number, "missing"))
            continue
        if customer.name == placeholder_name(customer.pk) and not customer.phone:
            outcomes.append((number, "already"))
            continue
        log = customer_erase(customer=customer, by=None)
        ErasureLog.objects.filter(pk=log.pk).update(reapplied_at=timezone.now())
        outcomes.append((number, "reapplied"))
    return outcomes
