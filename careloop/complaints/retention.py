"""PT-P020 5.6.3: a case is kept at least three years after closing; nothing deletes it sooner.

Checked by `Complaint.delete()` and the queryset's `delete()`, so the admin, the API, a page or
a shell all meet the same refusal. (A raw SQL DELETE is outside what the ORM can guard.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from careloop.complaints.models import Complaint


class RetentionRefused(PermissionDenied):
    pass


def retention_check_deletable(complaint: Complaint) -> None:
    until = complaint.retention_until
    if until is None or until > timezone.now():
        raise RetentionRefused(
            _("PT-P020 5.6.3：客訴 %(number)s 須於結案後保存至少 3 年，不可刪除。")
            % {"number": complaint.number}
        )
