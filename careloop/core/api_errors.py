"""One JSON shape for every API error, with field names the client can show beside inputs.

{"detail": "…", "errors": {"phone": ["…"], "birthday": ["…"]}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

# pydantic's own messages are English; callers get these instead, by error type.
SCHEMA_MESSAGES = {
    "int_parsing": gettext_lazy("請輸入整數。"),
    "int_type": gettext_lazy("請輸入整數。"),
    "float_parsing": gettext_lazy("請輸入數字。"),
    "bool_parsing": gettext_lazy("請輸入是或否（true/false）。"),
    "string_type": gettext_lazy("請輸入文字。"),
    "enum": gettext_lazy("選項不正確。"),
    "literal_error": gettext_lazy("選項不正確。"),
    "extra_forbidden": gettext_lazy("不接受此欄位。"),
    "missing": gettext_lazy("這個欄位是必須的。"),
    "date_parsing": gettext_lazy("日期格式不正確，請用 YYYY-MM-DD。"),
    "date_from_datetime_parsing": gettext_lazy("日期格式不正確，請用 YYYY-MM-DD。"),
    "datetime_parsing": gettext_lazy("時間格式不正確。"),
    "datetime_from_date_parsing": gettext_lazy("時間格式不正確。"),
    "json_invalid": gettext_lazy("JSON 格式不正確。"),
    "greater_than_equal": gettext_lazy("數值太小。"),
    "less_than_equal": gettext_lazy("數值太大。"),
    # From the edge (api_edge.py), before any schema.
    "unicode_surrogate": gettext_lazy("文字含有無法儲存的字元（單獨的代理字元），請重新輸入。"),
    "int_out_of_range": gettext_lazy("數值超出可接受的範圍。"),
}


class ApiError(Exception):
    def __init__(
        self, status: int, detail: str, errors: dict[str, list[str]] | None = None, **extra: Any
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or {}
        self.extra = extra


def form_errors(form: Any) -> dict[str, list[str]]:
    return {field: [str(e) for e in errs] for field, errs in form.errors.items()}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest,
        status: int,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> HttpResponse:
        body: dict[str, Any] = {"detail": detail, **extra}
        if errors:
            body["errors"] = errors
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, exc.detail, exc.errors, **exc.extra)

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [
                str(part)
                for part in error.get("loc", [])
                if part not in ("body", "payload", "query", "path")
            ]
            field = ".".join(loc) or "__all__"
            message = SCHEMA_MESSAGES.get(error.get("type", ""), _("格式不正確。"))
            errors.setdefault(field, []).append(str(message))
        return respond(request, 422, _("輸入資料有誤。"), errors)

    @api.exception_handler(ValidationError)
    def on_model_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = (
            {f: [str(m) for m in msgs] for f, msgs in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        return respond(request, 422, _("輸入資料有誤。"), errors)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, str(exc) or _("您沒有權限執行此操作。"))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, str(exc) or _("找不到資料。"))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, _("請先登入或提供有效的 API 金鑰。"))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # django-ninja's only 400: a body that is not JSON
            return respond(request, 400, _("請求內容無法解析：請送出 UTF-8 編碼的 JSON。"))
        return respond(request, exc.status_code, str(exc))
