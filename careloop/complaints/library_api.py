"""案例資料庫 over JSON (/api/v1/library/…). Thin: LibrarySearchForm parses as the page does,
`library.py` reads. Paths live under /library/ so that no /complaints/{number} route of the
complaints router can swallow them, whichever router is mounted first."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.models import User
from careloop.accounts.permissions import Capability, require
from careloop.complaints.library import (
    DESCRIPTION_MAX_LENGTH,
    SIMILAR_MAX,
    SIMILAR_PANEL_SIZE,
    LibraryHit,
    LibrarySearchForm,
    library_search,
    library_similar,
    library_similar_to_text,
)
from careloop.complaints.models import Channel
from careloop.complaints.schemas import DepartmentOut, LocalDateTime, NatureOut
from careloop.complaints.selectors import complaint_get_for_user
from careloop.core.api_errors import ApiError, form_errors
from careloop.core.api_types import Offset
from careloop.customers.schemas import BranchOut, ErrorOut

router = Router(tags=["案例資料庫"])

READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SolutionBriefOut(Schema):
    immediate_remedy: str = Field(..., description="針對客戶問題的立即解決方法")
    prevention: str = Field(..., description="防止再次發生的系統性改進措施")


class OutcomeOut(Schema):
    customer_accepted: bool = Field(..., description="客戶是否接受解決方案")
    satisfaction_score: int | None = Field(None, description="客戶滿意度 1–10；未評為 null")
    summary: str = Field(..., description="投訴摘要（結案時填寫）")
    closed_at: LocalDateTime | None = Field(None, description="結案時間")


class LibraryHitOut(Schema):
    number: str = Field(..., description="客訴編號")
    branch: BranchOut = Field(..., description="院所")
    received_at: LocalDateTime = Field(..., description="接收時間")
    state: str = Field(..., description="處理階段代碼：closed 或 archived")
    grade: str = Field(..., description="投訴等級：A / B / C")
    channel: str = Field(..., description="投訴渠道代碼")
    channel_label: str = Field(..., description="投訴渠道名稱")
    nature: NatureOut | None = Field(None, description="投訴性質；未分類為 null")
    departments: list[DepartmentOut] = Field(..., description="涉及部門")
    excerpt: str = Field(..., description="投訴內容摘錄")
    similarity: float | None = Field(
        None, description="文字相似度 0–1（餘弦）；未依文字排序時為 null"
    )
    score: float | None = Field(
        None, description="排序分數：文字相似度加上性質、部門、渠道相同的加權"
    )
    solution: SolutionBriefOut | None = Field(None, description="解決方案；未記錄為 null")
    outcome: OutcomeOut = Field(..., description="處理結果")


class LibrarySearchQuery(Schema):
    q: str = Field("", description="關鍵字或一段描述；3 字以上依相似度排序，較短者比對內容")
    nature: str = Field("", description="投訴性質 ID 或代碼")
    department: str = Field("", description="部門 ID 或代碼")
    branch: str = Field("", description="院所 ID 或代碼（限您可存取的院所）")
    limit: int = Field(20, ge=1, le=50, description="每頁筆數，1–50，預設 20")
    offset: Offset = Field(0, description="略過的筆數，用於分頁")


class LibrarySearchOut(Schema):
    mode: str = Field(
        ...,
        description="recent：最近結案者在前；contains：內容包含關鍵字；ranked：依相似度排序",
    )
    count: int = Field(..., description="符合條件的案件總數")
    limit: int = Field(..., description="本頁筆數上限")
    offset: int = Field(..., description="本頁略過的筆數")
    items: list[LibraryHitOut] = Field(..., description="本頁的案件")


class SimilarQuery(Schema):
    limit: int = Field(SIMILAR_PANEL_SIZE, ge=1, le=SIMILAR_MAX, description="最多幾件，1–20")


class SimilarIn(Schema):
    description: str = Field(..., description="新投訴的內容描述")
    nature: str = Field("", description="投訴性質 ID 或代碼（相同者略為加權）")
    departments: list[str] = Field(default_factory=list, description="涉及部門 ID 或代碼")
    channel: str = Field("", description="投訴渠道代碼（相同者略為加權）")
    limit: int = Field(SIMILAR_PANEL_SIZE, ge=1, le=SIMILAR_MAX, description="最多幾件，1–20")


class SimilarOut(Schema):
    items: list[LibraryHitOut] = Field(..., description="最相近的已結案案件，最相近者在前")


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _hit_out(hit: LibraryHit) -> dict[str, Any]:
    c = hit.complaint
    return {
        "number": c.number,
        "branch": c.branch,
        "received_at": c.received_at,
        "state": c.state,
        "grade": c.grade,
        "channel": c.channel,
        "channel_label": c.get_channel_display(),
        "nature": c.nature,
        "departments": list(c.departments.all()),
        "excerpt": hit.excerpt,
        "similarity": None if hit.similarity is None else round(hit.similarity, 4),
        "score": None if hit.score is None else round(hit.score, 4),
        "solution": hit.solution,
        "outcome": {
            "customer_accepted": c.customer_accepted,
            "satisfaction_score": c.satisfaction_score,
            "summary": c.summary,
            "closed_at": c.closed_at,
        },
    }


def _form(user: User, data: dict[str, Any]) -> LibrarySearchForm:
    form = LibrarySearchForm(data, user=user)
    if not form.is_valid():
        raise ApiError(422, _("輸入資料有誤。"), form_errors(form))
    return form


@router.get("/library/cases", response={200: LibrarySearchOut, **READ}, summary="搜尋案例資料庫")
def library_case_search(request: HttpRequest, params: Query[LibrarySearchQuery]) -> dict[str, Any]:
    """您可存取院所近三年已結案與已歸檔的案件，附解決方案與結果。`q` 為 3 字以上的描述時依文字
    相似度排序（完全包含者在前）；較短的關鍵字比對內容；未填則最近結案者在前。以 `limit`（最多
    50）與 `offset` 分頁。"""
    user = _user(request)
    require(user, Capability.COMPLAINT_VIEW)
    data = {
        "q": params.q,
        "nature": params.nature,
        "department": params.department,
        "branch": params.branch,
    }
    results = library_search(user=user, filters=_form(user, data).filters())
    items = results[params.offset : params.offset + params.limit]
    reads_record(request, [h.complaint.customer_id for h in items], kind=ReadKind.LIST)
    return {
        "mode": results.mode,
        "count": results.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_hit_out(hit) for hit in items],
    }


@router.get(
    "/library/similar/{number}", response={200: SimilarOut, **READ}, summary="與某案相似的案例"
)
def library_similar_to_case(
    request: HttpRequest, number: str, params: Query[SimilarQuery]
) -> dict[str, Any]:
    """與此案描述最相近的已結案案件（本案除外），依文字相似度，性質、部門、渠道相同者略為加權。
    低於相似度門檻者不列出；此案不在您可存取的院所時回應 404。"""
    user = _user(request)
    try:
        complaint = complaint_get_for_user(user=user, number=number)
    except Http404 as exc:
        raise Http404(_("找不到此客訴案件。")) from exc
    hits = library_similar(complaint=complaint, user=user, limit=params.limit)
    reads_record(request, [h.complaint.customer_id for h in hits], kind=ReadKind.LIST)
    return {"items": [_hit_out(hit) for hit in hits]}


@router.post("/library/similar", response={200: SimilarOut, **READ}, summary="與新投訴相似的案例")
def library_similar_to_description(request: HttpRequest, payload: SimilarIn) -> dict[str, Any]:
    """尚未建立的投訴（例如接收時）與哪些已結案案件相近：送出描述，可加性質、部門、渠道。"""
    user = _user(request)
    require(user, Capability.COMPLAINT_VIEW)
    errors: dict[str, list[str]] = {}
    description = payload.description.strip()
    if not description:
        errors["description"] = [_("請填寫投訴內容描述。")]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [_("描述最多 %d 個字。") % DESCRIPTION_MAX_LENGTH]
    if payload.channel.strip() and payload.channel.strip() not in Channel.values:
        errors["channel"] = [_("投訴渠道代碼不正確：%s。") % payload.channel.strip()]
    nature = None
    if payload.nature.strip():
        form = LibrarySearchForm({"nature": payload.nature}, user=user)
        if form.is_valid():
            nature = form.cleaned_data["nature"]
        else:
            errors.update(form_errors(form))
    department_ids = []
    for value in payload.departments:
        form = LibrarySearchForm({"department": value}, user=user)
        if form.is_valid() and form.cleaned_data["department"] is not None:
            department_ids.append(form.cleaned_data["department"].pk)
        elif not form.is_valid():
            errors.setdefault("departments", []).extend(form.errors["department"])
    if errors:
        raise ApiError(422, _("輸入資料有誤。"), errors)
    hits = library_similar_to_text(
        user=user,
        description=description,
        nature_id=nature.pk if nature else None,
        department_ids=department_ids,
        channel=payload.channel.strip(),
        limit=payload.limit,
    )
    reads_record(request, [h.complaint.customer_id for h in hits], kind=ReadKind.LIST)
    return {"items": [_hit_out(hit) for hit in hits]}
