from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from careloop.core.models import Sequence


def sequence_next(*, key: str, count: int = 1) -> int:
    """The next value of a named counter, unique even under concurrent callers.

    With `count`, reserves that many consecutive values and returns the last of them.

    The increment is a single UPDATE, so PostgreSQL's row lock (and SQLite's write lock)
    serialise concurrent callers until their transactions end; no two get the same value.
    """
    with transaction.atomic():
        if Sequence.objects.filter(key=key).update(last_value=F("last_value") + count) == 0:
            try:
                with transaction.atomic():
                    Sequence.objects.create(key=key, last_value=count)
                return count
            except IntegrityError:
                Sequence.objects.filter(key=key).update(last_value=F("last_value") + count)
        return Sequence.objects.values_list("last_value", flat=True).get(key=key)
