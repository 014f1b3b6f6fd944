"""Staff notices whose title or text names the person (「林美玲 的客訴…」): internal, so not in
the copy; on erasure the name and phone in them are replaced."""

from __future__ import annotations

from django.db.models import Q

from careloop.notifications.models import Notification
from careloop.privacy.registry import Contributor, ErasureContext, register


def notifications_erase(ctx: ErasureContext) -> None:
    condition = Q()
    for term, _ in ctx.terms:
        condition |= Q(title__contains=term) | Q(body__contains=term)
    if not ctx.terms:
        return
    for notice in Notification.objects.filter(condition).only("pk", "title", "body"):
        Notification.objects.filter(pk=notice.pk).update(
            title=ctx.scrub(notice.title), body=ctx.scrub(notice.body)
        )
        ctx.count("notifications.Notification")


register(Contributor(key="notifications", label="員工通知", order=60, erase=notifications_erase))
