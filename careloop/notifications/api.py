"""The user's own notifications over JSON (/api/v1/notifications…). Thin: the selectors read,
the services write; someone else's notification is 404, as on the page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from careloop.accounts.models import User
from careloop.core.api_types import Id, Offset
from careloop.customers.schemas import ErrorOut
from careloop.notifications.models import Notification
from careloop.notifications.selectors import (
    notification_get_for_user,
    notification_unread_count,
    notifications_for,
)
from careloop.notifications.services import notification_mark_read, notifications_mark_all_read

router = Router(tags=["通知"])

READ = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NotificationQuery(Schema):
    unread: bool = Field(False, description="true 時只列出未讀通知")
    limit: int = Field(50, ge=1, le=200, description="每頁筆數，1–200，預設 50")
    offset: Offset = Field(0, description="略過的筆數，用於分頁")


class NotificationOut(Schema):
    id: int = Field(..., description="通知編號")
    key: str = Field(..., description="發送端的識別鍵，例如 complaint:42:start:at_risk")
    title: str = Field(..., description="標題")
    body: str = Field(..., description="內容")
    url: str = Field(..., description="相關頁面的相對網址；沒有時為空字串")
    created_at: datetime = Field(..., description="建立時間")
    read_at: datetime | None = Field(None, description="已讀時間；未讀為 null")
    emailed_at: datetime | None = Field(None, description="寄出電子郵件的時間；未寄為 null")


class NotificationListOut(Schema):
    count: int = Field(..., description="符合條件的通知數")
    unread: int = Field(..., description="未讀通知數")
    items: list[NotificationOut] = Field(..., description="通知，最新的在前")


class ReadAllOut(Schema):
    marked: int = Field(..., description="這次標為已讀的通知數")
    unread: int = Field(..., description="標記後的未讀通知數（0）")


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


@router.get("/notifications", response={200: NotificationListOut, **READ}, summary="我的通知")
def notification_list(request: HttpRequest, params: Query[NotificationQuery]) -> dict[str, Any]:
    """您自己的通知，最新的在前；`unread=true` 只列未讀。"""
    user = _user(request)
    notifications = notifications_for(user=user, unread_only=params.unread)
    return {
        "count": notifications.count(),
        "unread": notification_unread_count(user=user),
        "items": list(notifications[params.offset : params.offset + params.limit]),
    }


@router.post("/notifications/read-all", response={200: ReadAllOut, **READ}, summary="全部標為已讀")
def notification_read_all(request: HttpRequest) -> dict[str, int]:
    """將您所有未讀的通知標為已讀。"""
    marked = notifications_mark_all_read(user=_user(request))
    return {"marked": marked, "unread": 0}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **READ},
    summary="標為已讀",
)
def notification_read(request: HttpRequest, notification_id: Id) -> Notification:
    """將一則通知標為已讀（已讀的保留第一次的時間）。不是您的通知時回應 404。"""
    user = _user(request)
    notification = notification_get_for_user(user=user, notification_id=notification_id)
    return notification_mark_read(notification=notification, by=user)
