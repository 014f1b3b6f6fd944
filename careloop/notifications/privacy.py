"""Staff notices whose title or text names the person (「林美玲 的客訴…」): internal, so not in
the copy; on erasure the name and phone in them are replaced. A notice whose link opens
another customer's record or another person's complaint is about that record (a second 王小明,
a mother sharing the phone): it is left as it is and counted by the sweep for review."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import Q
from django.urls import Resolver404, resolve

from careloop.complaints.models import Complaint
from careloop.notifications.models import Notification
from careloop.privacy.registry import Contributor, ErasureContext, register

# URL namespaces whose `number` is a complaint's number (the case page, its compensation).
_COMPLAINT_NAMESPACES = frozenset({"complaints", "compensation"})


def _links_elsewhere(url: str, *, customer_number: str, complaint_numbers: set[str]) -> bool:
    """Whether the notice's link names a record that is not the erased person's."""
    if not url:
        return False
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    number = match.kwargs.get("number")
    if number is None:
        return False
    if match.namespace == "customers":
        return number != customer_number
    if match.namespace in _COMPLAINT_NAMESPACES:
        return number not in complaint_numbers
    return False


def notifications_erase(ctx: ErasureContext) -> None:
    if not ctx.terms:
        return
    condition = Q()
    for term, _ in ctx.terms:
        condition |= Q(title__contains=term) | Q(body__contains=term)
    complaint_numbers = set(
        Complaint.objects.filter(pk__in=ctx.complaint_ids).values_list("number", flat=True)
    )
    elsewhere = []
    for notice in Notification.objects.filter(condition).only("pk", "title", "body", "url"):
        if _links_elsewhere(
            notice.url,
            customer_number=ctx.customer.number,
            complaint_numbers=complaint_numbers,
        ):
            elsewhere.append(notice.pk)
            continue
        Notification.objects.filter(pk=notice.pk).update(
            title=ctx.scrub(notice.title), body=ctx.scrub(notice.body)
        )
        ctx.count("notifications.Notification")
    if elsewhere:
        ctx.not_theirs(Notification, Q(pk__in=elsewhere))


register(Contributor(key="notifications", label="員工通知", order=60, erase=notifications_erase))
