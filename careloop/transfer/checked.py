"""The dry run's verdict, kept so that the import does not check every row a second time.

Checking is most of an import's time (each row goes through the page's forms: ~45 s for
100,000 rows), and confirming used to repeat it. A clean dry run now writes its row plans next
to the upload; the import reads them back when nothing they depend on has changed since:

- the same job settings (mapping, update-existing) and the same format of this file;
- the same *lookups*: branches, the user's branches, the staff the user may pick, the catalogue
  (a fingerprint of what `Lookups` read, so a therapist who left or a renamed package sends the
  import back to a full check);
- every record the plans refer to still there.

Otherwise (or if the file is missing or unreadable) the import checks the rows again, as it
always did. Customers on file are matched again in the write phase either way, so a customer
created or deleted after the dry run is still found or reported.

The file holds the same personal data as the upload beside it; it is removed once the import
has run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models

from careloop.accounts.permissions import user_branch_ids
from careloop.customers.models import Interaction

if TYPE_CHECKING:
    from careloop.transfer.importing import Lookups, RowPlan
    from careloop.transfer.models import ImportJob

logger = logging.getLogger(__name__)

FORMAT = 1


def lookups_fingerprint(lookups: Lookups) -> str:
    """A digest of every choice a row's check was judged against."""
    people = {
        name: sorted(
            (u.pk, u.full_name, u.username) for users in group.by_text.values() for u in users
        )
        for name, group in (
            ("staff", lookups.staff),
            ("therapists", lookups.therapists),
            ("consultants", lookups.consultants),
        )
    }
    pickers = {
        f"{form.__class__.__name__}.{name}": sorted(getattr(field, "known", {}))
        for form in (lookups.customer_form, lookups.interaction_form)
        for name, field in form.fields.items()
    }
    branch_ids = user_branch_ids(lookups.user)  # None: every branch
    state = {
        "user": lookups.user.pk,
        "user_branches": None if branch_ids is None else sorted(branch_ids),
        "branches": sorted((key, b.pk) for key, b in lookups.branches.items()),
        "people": people,
        "pickers": pickers,
        "packages": sorted((name, p.pk) for name, p in lookups.packages.items()),
        "products": sorted((name, p.pk) for name, p in lookups.products.items()),
    }
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()


def checked_path(job: ImportJob) -> Path:
    upload = Path(job.file.path)
    return upload.with_name(f"{upload.stem}.checked.json")


def _settings(job: ImportJob) -> dict[str, Any]:
    return {"mapping": job.mapping, "update_existing": job.update_existing, "format": FORMAT}


# --- values in and out of JSON ------------------------------------------------------------------


_AS_IS = frozenset({str, int, bool, type(None)})


def _encode(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__}")


class _Decoder:
    """Turns encoded values back, reading each referred model's rows in one query."""

    def __init__(self, plans: list[list[Any]]):
        wanted: dict[str, set[Any]] = defaultdict(set)
        for plan in plans:
            for values in plan[4], plan[7]:  # the customer's and the purchase's values
                for value in (values or {}).values():
                    if type(value) is dict and "model" in value:
                        wanted[value["model"]].add(value["pk"])
        self.found: dict[str, dict[Any, models.Model]] = {}
        for label, pks in wanted.items():
            found = apps.get_model(label)._base_manager.in_bulk(pks)
            if len(found) != len(pks):
                raise LookupError(f"{label}: a record the check relied on is gone")
            self.found[label] = found

    def value(self, value: Any) -> Any:
        if type(value) is dict:
            if "model" in value:
                return self.found[value["model"]][value["pk"]]
            if "datetime" in value:
                return datetime.fromisoformat(value["datetime"])
            if "date" in value:
                return date.fromisoformat(value["date"])
        return value

    def values(self, encoded: dict[str, Any] | None) -> dict[str, Any] | None:
        if encoded is None:
            return None
        return {key: self.value(value) for key, value in encoded.items()}


def _interaction_encode(interaction: Interaction | None) -> dict[str, Any] | None:
    if interaction is None:
        return None
    return {
        f.attname: _encode(getattr(interaction, f.attname))
        for f in Interaction._meta.concrete_fields
        if not f.primary_key
    }


def _plan_encode(plan: RowPlan) -> list[Any]:
    return [
        plan.row,
        plan.name,
        plan.phone,
        _encode(plan.birthday),
        None
        if plan.customer_values is None
        else {k: _encode(v) for k, v in plan.customer_values.items()},
        sorted(plan.provided),
        _interaction_encode(plan.interaction),
        None if plan.purchase is None else {k: _encode(v) for k, v in plan.purchase.items()},
    ]


# --- keeping and reading back --------------------------------------------------------------------


def checked_save(job: ImportJob, lookups: Lookups, plans: list[RowPlan], total: int) -> None:
    """Keep a clean dry run's plans for the import. Failing to keep them fails nothing: the
    import then checks the rows again."""
    path = checked_path(job)
    partial = path.with_suffix(".partial")
    try:
        content = {
            "settings": _settings(job),
            "lookups": lookups_fingerprint(lookups),
            "total": total,
            "plans": [_plan_encode(plan) for plan in plans],
        }
        # dumps, not dump: dump writes through the pure-Python encoder, several times slower.
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except (OSError, TypeError, ValueError):
        logger.warning("import job %s: the dry run's plans were not kept", job.pk, exc_info=True)
        partial.unlink(missing_ok=True)
        path.unlink(missing_ok=True)


def checked_load(job: ImportJob, lookups: Lookups) -> tuple[list[RowPlan], int] | None:
    """The dry run's plans and row count, or None when they cannot be trusted any more."""
    from careloop.transfer.importing import RowPlan

    path = checked_path(job)
    try:
        with path.open(encoding="utf-8") as handle:
            content = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("settings") != _settings(job):
        return None
    if content.get("lookups") != lookups_fingerprint(lookups):
        logger.info("import job %s: staff or catalogue changed since the dry run", job.pk)
        return None
    try:
        decoder = _Decoder(content["plans"])
        plans = []
        for row, name, phone, birthday, values, provided, interaction, purchase in content["plans"]:
            plan = RowPlan(
                row=row,
                name=name,
                phone=phone,
                birthday=decoder.value(birthday),
                customer_values=decoder.values(values),
                provided=set(provided),
                interaction=None
                if interaction is None
                else Interaction(**decoder.values(interaction)),
                purchase=decoder.values(purchase),
            )
            plans.append(plan)
    except (LookupError, KeyError, TypeError, ValueError):
        logger.info("import job %s: the dry run's plans no longer apply", job.pk, exc_info=True)
        return None
    return plans, content["total"]


def checked_discard(job: ImportJob) -> None:
    checked_path(job).unlink(missing_ok=True)
