"""What each app holds about a person, and how it erases it.

Every app with personal data has a `privacy.py` that calls `register(Contributor(...))`;
`PrivacyConfig.ready` imports them all (`autodiscover_modules("privacy")`), so an app built
later (loyalty, campaigns) joins the copy and the erasure by adding that one file:

    register(Contributor(key="loyalty", label="忠誠度方案", order=35,
                         copy=loyalty_copy, erase=loyalty_erase))

- `copy(customer)` answers the app's section of the person's copy: JSON-able lists and dicts.
- `erase(ctx)` anonymises or deletes the app's rows and files about `ctx.customer` inside the
  erasure's transaction, leaving what `ctx.protect` keeps (the complaint hold) untouched.
  Files go through `ctx.files_delete`, which deletes them only once the erasure has committed
  (a rolled-back erasure must leave every file where it was). Rows that name the person but
  belong to another record (a staff notice about another customer) are named with
  `ctx.not_theirs`, so the sweep lists them instead of rewriting them.
- `release(ctx)` (optional) finishes the erasure of rows kept under a hold once it has ended.

Contributors run by `order`; the customer record itself (customers, order 90) goes last, so
every other app still sees the person's name while it works. Afterwards `erasure.py` sweeps
every free-text column of every table for the person's name and phone as a safety net, in the
rows that are theirs or nobody's only: a row tied to another customer or another complaint is
never rewritten (erasure.others_condition).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from careloop.core.phones import phone_display
from careloop.privacy.files import after_commit_delete
from careloop.privacy.rules import ERASED_TEXT

if TYPE_CHECKING:
    from careloop.accounts.models import User
    from careloop.customers.models import Customer

# A name or a LINE ID shorter than this is too likely to occur inside other words.
_MIN_TERM = 2
_MIN_LINE_ID = 4


def phone_variants(phone: str) -> list[str]:
    """The ways a stored E.164 number is written: +886912345678, 0912345678, 0912-345-678."""
    if not phone:
        return []
    variants = {phone}
    if phone.startswith("+886"):
        variants.add("0" + phone[4:])
    display = phone_display(phone)
    if display:
        variants.add(display)
    return sorted(variants, key=len, reverse=True)


def identity_terms(
    *, name: str, phone: str = "", email: str = "", line_id: str = "", placeholder: str
) -> list[tuple[str, str]]:
    """(text to find, what replaces it), longest first so that a phone's variants replace whole."""
    terms: list[tuple[str, str]] = []
    if name and len(name) >= _MIN_TERM:
        terms.append((name, placeholder))
    terms += [(variant, ERASED_TEXT) for variant in phone_variants(phone)]
    if email:
        terms.append((email, ERASED_TEXT))
    if line_id and len(line_id) >= _MIN_LINE_ID:
        terms.append((line_id, ERASED_TEXT))
    return sorted(terms, key=lambda t: len(t[0]), reverse=True)


@dataclass
class ErasureContext:
    """What an erasure knows while the contributors work; built before anything changes."""

    customer: Customer
    by: User | None
    now: dt.datetime
    terms: list[tuple[str, str]]
    placeholder: str
    held_complaint_ids: set[int] = field(default_factory=set)
    # Every complaint of the person (complaints_of), held or not: filled by the complaints app.
    complaint_ids: set[int] = field(default_factory=set)
    kept: list[dict[str, Any]] = field(default_factory=list)
    # model label → rows no contributor and no sweep may touch (the complaint hold).
    protected: dict[str, Q] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    # Paths (relative to MEDIA_ROOT) of files kept under a hold: the file sweep leaves them.
    protected_files: set[str] = field(default_factory=set)
    # model label → rows that belong to another record although they name the person.
    others: dict[str, Q] = field(default_factory=dict)
    # Storage names already given to files_delete (the file sweep does not count them again).
    deleted_files: set[str] = field(default_factory=set)

    def mentions(self, text: Any) -> bool:
        if not isinstance(text, str) or not text:
            return False
        return any(term in text for term, _ in self.terms)

    def files_delete(self, names: Iterable[str]) -> int:
        """Delete these stored files once the erasure commits; answers how many."""
        names = {name for name in names if name} - self.deleted_files
        self.deleted_files |= names
        return after_commit_delete(storage_names=names)

    def not_theirs(self, model: type[models.Model], condition: Q) -> None:
        label = model._meta.label
        existing = self.others.get(label)
        self.others[label] = condition if existing is None else existing | condition

    def scrub(self, text: str) -> str:
        for term, replacement in self.terms:
            text = text.replace(term, replacement)
        return text

    def protect(self, model: type[models.Model], condition: Q) -> None:
        label = model._meta.label
        existing = self.protected.get(label)
        self.protected[label] = condition if existing is None else existing | condition

    def unprotected(self, queryset: models.QuerySet) -> models.QuerySet:
        condition = self.protected.get(queryset.model._meta.label)
        return queryset if condition is None else queryset.exclude(condition)

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] += n


@dataclass
class ReleaseContext:
    """Finishing an erasure for complaints whose hold has ended (erasure.holds_release)."""

    complaint_ids: set[int]
    still_held_ids: set[int]
    now: dt.datetime
    placeholder: str
    terms: list[tuple[str, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    protected_files: set[str] = field(default_factory=set)
    # The erased customer's id (the sweep's owner of the rows it may change).
    customer_id: int | None = None
    deleted_files: set[str] = field(default_factory=set)

    def files_delete(self, names: Iterable[str]) -> int:
        names = {name for name in names if name} - self.deleted_files
        self.deleted_files |= names
        return after_commit_delete(storage_names=names)

    def scrub(self, text: str) -> str:
        for term, replacement in self.terms:
            text = text.replace(term, replacement)
        return text

    def mentions(self, text: Any) -> bool:
        return isinstance(text, str) and any(term in text for term, _ in self.terms)

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] += n


@dataclass(frozen=True)
class Contributor:
    key: str
    label: str
    order: int
    copy: Callable[[Customer], Any] | None = None
    erase: Callable[[ErasureContext], None] | None = None
    release: Callable[[ReleaseContext], None] | None = None


_REGISTRY: dict[str, Contributor] = {}


def register(contributor: Contributor) -> Contributor:
    """Add (or, on a module reload, replace) an app's contributor."""
    _REGISTRY[contributor.key] = contributor
    return contributor


def contributors() -> list[Contributor]:
    return sorted(_REGISTRY.values(), key=lambda c: (c.order, c.key))


# --- helpers the privacy.py modules share ------------------------------------------------------


def record(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """A row's fields as JSON-able values, with the zh-Hant label of each choice beside it."""
    out: dict[str, Any] = {}
    for name in names:
        model_field = obj._meta.get_field(name)
        if model_field.is_relation:
            related = getattr(obj, name)
            out[name] = None if related is None else str(related)
            continue
        value = getattr(obj, name)
        if isinstance(value, (dt.datetime, dt.date)):
            value = value.isoformat()
        elif hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
            value = value.name or ""
        out[name] = value
        if getattr(model_field, "choices", None):
            out[f"{name}_display"] = str(getattr(obj, f"get_{name}_display")())
    return out


def text_fields(model: type[models.Model]) -> list[str]:
    """Every column that can carry free text (JSON included) of a model. A column with
    choices holds one of a few codes, never a name: searching it only costs the sweep time."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        and not isinstance(f, models.FileField)
        and not f.choices
    ]


def rows_blank(queryset: models.QuerySet, **values: Any) -> int:
    """Set columns on every row at once (no save(): no new history row, no signals)."""
    return queryset.update(**values) if values else 0
