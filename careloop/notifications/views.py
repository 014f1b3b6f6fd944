"""The notifications page. Thin: the selectors read, the services write.

Opening a notification is a plain link (it can open in a new tab): it marks the
notification read, for its recipient only, and goes on to the page it is about.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from careloop.notifications.selectors import notification_get_for_user, notifications_for
from careloop.notifications.services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    # 404 for someone else's notification, before anything is marked.
    notification = notification_get_for_user(user=request.user, notification_id=notification_id)
    notification_mark_read(notification=notification, by=request.user)
    return redirect(notification.target or "notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("已將 %(count)d 則通知標為已讀。") % {"count": count})
    return redirect("notifications:list")
