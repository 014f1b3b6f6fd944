"""Who am I, and my personal API tokens (/api/v1/me, /api/v1/tokens)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.forms import modelform_factory
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from careloop.accounts.models import ApiToken, Branch, RoleCode, User
from careloop.accounts.permissions import (
    Capability,
    user_authority_limit,
    user_branch_ids,
    user_can,
    user_role_codes,
)
from careloop.accounts.second_factor import session_verified
from careloop.accounts.services import SecondFactorRefused, api_token_issue, api_token_revoke
from careloop.core.api_auth import SessionAuth
from careloop.core.api_errors import ApiError, form_errors
from careloop.core.api_types import Id
from careloop.customers.schemas import BranchOut, ErrorOut

router = Router(tags=["帳號"])

# The token's name is the only input; the model's own limits check it.
ApiTokenForm = modelform_factory(ApiToken, fields=["name"])


class RoleOut(Schema):
    code: str = Field(..., description="角色代碼")
    label: str = Field(..., description="角色名稱")


class UserOut(Schema):
    id: int = Field(..., description="員工 ID")
    username: str = Field(..., description="登入帳號")
    full_name: str = Field(..., description="姓名")
    email: str = Field(..., description="電子郵件")
    home_branch: BranchOut | None = Field(None, description="所屬院所")


class MeOut(Schema):
    user: UserOut = Field(..., description="目前登入的員工")
    roles: list[RoleOut] = Field(..., description="擁有的角色")
    capabilities: list[str] = Field(..., description="可執行的功能，例如 customer.edit")
    authority_limit: int | None = Field(
        ..., description="可自行核定的補償或回饋上限（新台幣）；null 表示不設上限"
    )
    all_branches: bool = Field(..., description="是否可存取全部院所（高級管理層、系統管理員）")
    branches: list[BranchOut] = Field(..., description="可存取的院所")


class TokenOut(Schema):
    id: int = Field(..., description="金鑰 ID")
    name: str = Field(..., description="金鑰名稱")
    prefix: str = Field(..., description="金鑰開頭幾碼，用來辨認是哪一把")
    created_at: datetime = Field(..., description="建立時間")
    last_used_at: datetime | None = Field(None, description="最後使用時間（約略，每分鐘更新一次）")
    revoked_at: datetime | None = Field(None, description="撤銷時間；null 表示仍有效")


class TokenCreatedOut(TokenOut):
    key: str = Field(
        ..., description="完整金鑰，只在建立時顯示這一次；以 Authorization: Bearer <key> 使用"
    )


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="金鑰名稱，例如「預約系統串接」（必填，50 字內）")


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="目前的使用者")
def me(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    codes = user_role_codes(user)
    branch_ids = user_branch_ids(user)
    branches = (
        Branch.objects.all() if branch_ids is None else Branch.objects.filter(id__in=branch_ids)
    )
    return {
        "user": user,
        "roles": [{"code": c, "label": str(c.label)} for c in RoleCode if c in codes],
        "capabilities": [str(c) for c in Capability if user_can(user, c)],
        "authority_limit": user_authority_limit(user),
        "all_branches": branch_ids is None,
        "branches": list(branches),
    }


@router.get("/tokens", response={200: list[TokenOut], 401: ErrorOut}, summary="我的 API 金鑰")
def token_list(request: HttpRequest) -> Any:
    """自己的金鑰，包括已撤銷的；完整金鑰不會再顯示。"""
    return ApiToken.objects.filter(user=_user(request))


@router.post(
    "/tokens",
    auth=SessionAuth(),
    response={201: TokenCreatedOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="建立 API 金鑰",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """只能在登入的工作階段建立：外流的金鑰不能用來再產生新金鑰。已設定第二道驗證的人（以及
    高級管理層、部門主管、系統管理員）須在通過第二道驗證的工作階段建立，否則回應 403。
    完整金鑰只回傳這一次。"""
    form = ApiTokenForm(data=payload.model_dump())
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    try:
        token, key = api_token_issue(
            user=_user(request),
            name=form.cleaned_data["name"],
            second_factor_verified=session_verified(request.user),
        )
    except SecondFactorRefused as refused:
        raise ApiError(403, refused.message) from refused
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "key": key})


@router.delete(
    "/tokens/{token_id}",
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    summary="撤銷 API 金鑰",
)
def token_revoke(request: HttpRequest, token_id: Id) -> Status[None]:
    """只能撤銷自己的金鑰；他人的金鑰回應 404。"""
    token = ApiToken.objects.filter(pk=token_id, user=_user(request)).first()
    if token is None:
        raise Http404(_("找不到此 API 金鑰。"))
    api_token_revoke(token=token)
    return Status(204, None)
