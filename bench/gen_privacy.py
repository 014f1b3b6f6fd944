"""Data-subject requests (個資當事人請求, careloop/privacy) of the last two years, as
`privacy.services` leaves them.

Received by the customer's branch's customer service with the identity checked, due by §13's
15 or 30 days from receipt (`rules.request_due`), extended once now and then. Answered ones
were answered before their due moment; the open ones are recent, a few of them overdue.

Not drawn: a carried-out erasure or processing stop, because their effect (an anonymised
customer, swept free texts across every app, marketing consents withdrawn) is not something a
bulk load can fake truthfully; such requests are open or refused here. One open erasure request
of branch 1 is the benchmark's fixture: `bench.operations erase` carries it out through
`services.request_erase` on the benchmark's copy of the dataset.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from bench.gen_base import DAY, Clock, Counts
from bench.gen_customers import CustomerPlan
from bench.gen_people import Staff
from bench.gen_writer import BulkWriter
from careloop.privacy.models import DataSubjectRequest
from careloop.privacy.rules import (
    ANSWER_DAYS,
    IdentityMethod,
    RequestChannel,
    RequestKind,
    RequestStatus,
)

REQUEST_FIELDS = ("id", "customer", "branch", "kind", "received_at", "received_by", "channel",
                  "identity_verified_by", "identity_method", "identity_note", "details", "due_at",
                  "extended_at", "extension_reason", "status", "answer", "decided_by",
                  "decided_at")  # fmt: skip
_KINDS = (RequestKind.COPY, RequestKind.CORRECTION, RequestKind.STOP, RequestKind.ERASURE)
_KIND_CUM = list(accumulate((40, 25, 20, 15)))
_CHANNELS = (RequestChannel.IN_PERSON, RequestChannel.PHONE, RequestChannel.EMAIL,
             RequestChannel.LETTER)  # fmt: skip
_CHANNEL_CUM = list(accumulate((45, 25, 20, 10)))
_IDENTITY = {
    RequestChannel.IN_PERSON: (IdentityMethod.ID_CARD, ""),
    RequestChannel.PHONE: (IdentityMethod.PHONE_CHECK, "核對生日與最近一次療程日期"),
    RequestChannel.EMAIL: (IdentityMethod.DOCUMENT, "附身分證正反面影本"),
    RequestChannel.LETTER: (IdentityMethod.DOCUMENT, "信函附身分證影本"),
}
_DETAILS = {
    RequestKind.COPY: "請提供本人在貴院所的個人資料與療程紀錄複本。",
    RequestKind.CORRECTION: "聯絡電話與電子郵件已變更，請更正。",
    RequestKind.STOP: "請停止寄送問卷與任何行銷訊息。",
    RequestKind.ERASURE: "已不再到院治療，請刪除本人的個人資料。",
}
_DONE = {
    RequestKind.COPY: "已於院所當面交付個人資料複本（PDF），並說明內容。",
    RequestKind.CORRECTION: "已依您提供的資料更正聯絡電話與電子郵件。",
}
_REFUSED = {
    RequestKind.COPY: "無法核對申請人身分（個資法第 10 條但書），請攜帶身分證件至院所辦理。",
    RequestKind.CORRECTION: "申請更正之內容與病歷原始紀錄不符，依法維持原紀錄並已註記爭議。",
    RequestKind.STOP: "申請人已撤回請求。",
    RequestKind.ERASURE: "您尚有進行中的療程套票與客訴案件，依個資法第 11 條第 3 項但書暫不刪除。",
}


@dataclass
class PrivacyResult:
    erase_request: int  # the id of the open erasure request the benchmark carries out
    erase_customer: int  # its customer's index


def requests_load(
    writer: BulkWriter,
    plan: CustomerPlan,
    *,
    counts: Counts,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    erase_customer: int,
    avoid: set[int],
) -> PrivacyResult:
    """`erase_customer` gets the fixture's open erasure request; `avoid` (the benchmark's
    other fixtures) gets none."""
    rows = []
    chosen = {erase_customer} | avoid
    for k in range(counts.privacy_requests):
        fixture = k == counts.privacy_requests - 1  # the newest
        if fixture:
            i, received = erase_customer, clock.now - 3 * DAY
            kind = RequestKind.ERASURE
        else:
            received = clock.now - int(730 * DAY * rng.random() ** 1.3)
            i = _customer(plan, rng, received, chosen)
            kind = rng.choices(_KINDS, cum_weights=_KIND_CUM)[0]
        chosen.add(i)
        rows.append(_request(plan, clock, staff, rng, i, kind, received, fixture=fixture))
    rows.sort(key=lambda row: row[3])  # numbered in the order received, as the app numbers
    rows = [(n, *row) for n, row in enumerate(rows, start=1)]
    writer.insert(DataSubjectRequest, REQUEST_FIELDS, [_stored(row, clock) for row in rows])
    erase_id = next(row[0] for row in rows if row[1] == erase_customer + 1)
    return PrivacyResult(erase_request=erase_id, erase_customer=erase_customer)


def _customer(plan: CustomerPlan, rng: random.Random, received: int, taken: set[int]) -> int:
    """A customer on file when the request came, not asked about already."""
    for _ in range(50):
        i = rng.randrange(plan.count)
        if plan.created[i] <= received and i not in taken:
            return i
    return next(i for i in range(plan.count) if i not in taken)


def _request(
    plan: CustomerPlan,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    i: int,
    kind: str,
    received: int,
    *,
    fixture: bool,
) -> tuple:
    branch = plan.branch[i]
    received = clock.clinic_moment(rng, received - DAY // 2, received)
    clerk = rng.choice(staff.of(branch, "cs"))
    channel = RequestChannel.IN_PERSON if fixture else rng.choices(_CHANNELS, _CHANNEL_CUM)[0]
    method, note = _IDENTITY[channel]
    days = ANSWER_DAYS[RequestKind(kind)]
    due = received + days * DAY
    extended_at, reason = None, ""
    if not fixture and rng.random() < 0.1:
        extended_at = received + rng.randint(3, days - 1) * DAY
        reason = "需調閱分院紙本病歷，無法於期限內完成。"
        due += days * DAY
    status, answer, decided_by, decided_at = RequestStatus.RECEIVED, "", None, None
    age, span = clock.now - received, due - received
    if fixture:
        answered = False
    elif age > span + 20 * DAY:
        answered = True
    elif age > span:
        answered = rng.random() < 0.75  # the rest: open past their due moment
    else:
        answered = rng.random() < 0.6 * age / span
    if answered:
        refused = kind in (RequestKind.STOP, RequestKind.ERASURE) or rng.random() < 0.08
        status = RequestStatus.REFUSED if refused else RequestStatus.DONE
        answer = (_REFUSED if refused else _DONE)[kind]
        decided_at = min(clock.now, received + rng.randint(1, span // DAY) * DAY)
        decided_by = staff.of(branch, "head")[0] if refused else clerk
    if extended_at is not None and (
        extended_at > clock.now or (decided_at is not None and decided_at < extended_at)
    ):
        # Not extended after all: it was answered first, or the day has not come.
        extended_at, reason, due = None, "", received + days * DAY
    return (i + 1, branch, kind, received, clerk, channel, clerk, method, note, _DETAILS[kind],
            due, extended_at, reason, status, answer, decided_by, decided_at)  # fmt: skip


def _stored(row: tuple, clock: Clock) -> tuple:
    """The row with its moments as the database stores them and the branch's id."""
    (n, customer, branch, kind, received, clerk, channel, verifier, method, note, details, due,
     extended_at, reason, status, answer, decided_by, decided_at) = row  # fmt: skip
    ts = clock.ts
    return (n, customer, branch + 1, kind, ts(received), clerk, channel, verifier, method, note,
            details, ts(due), None if extended_at is None else ts(extended_at), reason, status,
            answer, decided_by, None if decided_at is None else ts(decided_at))  # fmt: skip
