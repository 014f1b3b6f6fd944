"""What each kind of grant tells the kernel: how it counts and what a decision does to it.

An app registers its kind once, in its AppConfig.ready(); the kernel imports nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

from careloop.grants.models import Scope

if TYPE_CHECKING:
    from careloop.accounts.models import User
    from careloop.grants.models import Grant


@dataclass(frozen=True)
class GrantKind:
    code: str
    label: str | Promise  # "補償": how messages name it
    scope: Scope
    # Locks what the scope's total is read from (a CASE kind: its case row), before the grant
    # row is locked: the order every write of the kind takes, so totals cannot move under it.
    lock_scope: Callable[[Grant], None]
    # Applies the approver's decision to the kind's own record, in the decision's transaction.
    decided: Callable[[Grant, bool, User], None]
    # Where the requester and the approver see the record.
    url: Callable[[Grant], str]


_KINDS: dict[str, GrantKind] = {}


def kind_register(kind: GrantKind) -> None:
    if _KINDS.get(kind.code, kind) is not kind:
        raise ValueError(f"grant kind {kind.code!r} is registered twice")
    _KINDS[kind.code] = kind


def kind_get(code: str) -> GrantKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"no grant kind {code!r} is registered") from None
