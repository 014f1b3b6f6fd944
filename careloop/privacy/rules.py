"""The Personal Data Protection Act's terms for a data subject's request, in one place.

個人資料保護法 §3 gives the rights; §13 the answer periods: a copy (查閱/複製) within 15 days,
a correction, a processing stop or an erasure within 30 days, each extendable once, by as long
again, with the reason told to the person in writing.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    COPY = "copy", _("查閱／複製")
    CORRECTION = "correction", _("更正")
    STOP = "stop", _("停止處理")
    ERASURE = "erasure", _("刪除")


class RequestChannel(models.TextChoices):
    IN_PERSON = "in_person", _("當面")
    PHONE = "phone", _("電話")
    EMAIL = "email", _("電子郵件")
    LETTER = "letter", _("書面信函")
    OTHER = "other", _("其他")


class IdentityMethod(models.TextChoices):
    ID_CARD = "id_card", _("當面核對身分證件")
    PHONE_CHECK = "phone_check", _("電話核對客戶資料")
    DOCUMENT = "document", _("書面附身分證明文件影本")
    OTHER = "other", _("其他（請說明）")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("處理中")
    DONE = "done", _("已完成")
    REFUSED = "refused", _("已拒絕")


# §13: days to answer, counted from receipt; an extension adds the same again, once.
ANSWER_DAYS = {
    RequestKind.COPY: 15,
    RequestKind.CORRECTION: 30,
    RequestKind.STOP: 30,
    RequestKind.ERASURE: 30,
}

# The clause an erasure cites for the complaints it must keep (complaints/retention.py).
HOLD_CLAUSE = "PT-P020 5.6.3"
# Why purchase amounts stay: accounting records are kept (as figures without a name).
ACCOUNTING_CLAUSE = "商業會計法 §38"


def request_due(*, kind: str, received_at: dt.datetime) -> dt.datetime:
    return received_at + dt.timedelta(days=ANSWER_DAYS[RequestKind(kind)])


def request_extension(*, kind: str) -> dt.timedelta:
    return dt.timedelta(days=ANSWER_DAYS[RequestKind(kind)])


def placeholder_name(customer_id: int) -> str:
    """What an erased customer is called from then on."""
    return f"已刪除客戶 #{customer_id}"


ERASED_TEXT = "［已依個資法刪除］"
