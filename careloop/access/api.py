"""The read log over JSON (/api/v1/customers/{number}/reads). Thin: the selectors check the
role (403) and the branch (404) and read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from careloop.access.models import PersonalDataRead
from careloop.access.selectors import read_log_customer_get, reads_of_customer
from careloop.accounts.models import User
from careloop.core.api_types import Offset
from careloop.customers.schemas import ErrorOut

router = Router(tags=["查閱紀錄"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ReadQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="每頁筆數，1–200，預設 50")
    offset: Offset = Field(0, description="略過的筆數，用於分頁")


class ReadOut(Schema):
    at: datetime = Field(..., description="查閱時間")
    user_id: int | None = Field(None, description="查閱者的員工編號；未登入的請求為 null")
    user: str = Field(..., description="查閱者姓名；已移除的帳號或未登入為空字串")
    api_token_id: int | None = Field(None, description="經 API 金鑰查閱時的金鑰編號")
    api_token: str = Field(..., description="API 金鑰名稱與前綴（查閱當時）；非 API 金鑰為空字串")
    channel: str = Field(..., description="管道：page 頁面、api、pdf 列印、export 匯出")
    kind: str = Field(..., description="類型：view 查看、list 清單、print 列印、export 匯出")
    route: str = Field(..., description="頁面或端點的名稱，例如 customers:detail")
    path: str = Field(..., description="網址路徑（不含查詢字串）")


class ReadListOut(Schema):
    count: int = Field(..., description="這位客戶的查閱紀錄總數")
    items: list[ReadOut] = Field(..., description="查閱紀錄，最新的在前")


def _out(read: PersonalDataRead) -> dict[str, Any]:
    return {
        "at": read.at,
        "user_id": read.user_id,
        "user": str(read.user) if read.user is not None else "",
        "api_token_id": read.api_token_id,
        "api_token": read.api_token_label,
        "channel": read.channel,
        "kind": read.kind,
        "route": read.route,
        "path": read.path,
    }


@router.get(
    "/customers/{number}/reads", response={200: ReadListOut, **READ}, summary="客戶資料查閱紀錄"
)
def customer_reads(request: HttpRequest, number: str, params: Query[ReadQuery]) -> dict[str, Any]:
    """誰在何時經由哪個頁面、API、列印或匯出查閱了這位客戶的資料。限部門主管、高級管理層與
    系統管理員（其他角色回應 403）；不在您可存取的院所時回應 404。"""
    user: User = request.auth  # type: ignore[attr-defined]
    customer = read_log_customer_get(user=user, number=number)
    reads = reads_of_customer(user=user, customer=customer)
    items = reads[params.offset : params.offset + params.limit]
    return {"count": reads.count(), "items": [_out(r) for r in items]}
