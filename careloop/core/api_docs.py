"""The API's documented answers: every operation lists the errors it can give.

Each router documents its own successes and the refusals peculiar to it (409 with the rule's
reasons); the errors every operation shares follow from its shape, so they are written here
once rather than in 120 decorators: 400 where it takes a body (one that is not JSON), 401 and
403 where it needs a caller (every operation checks the role and the branch), 404 where the
path names a record, 422 where it takes parameters or a body (the edge's and the form's
checks). schemathesis holds the API to this
(tests/core/test_api_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from careloop.customers.schemas import ErrorOut

ERROR = "ErrorOut"
DESCRIPTIONS = {
    "400": "請求內容無法解析（不是 JSON）",
    "401": "未登入或 API 金鑰無效",
    "403": "沒有此操作或此院所的權限",
    "404": "找不到此記錄（或不在您可存取的院所）",
    "422": "輸入資料有誤：`errors` 列出各欄位的訊息",
}
METHODS = ("get", "post", "put", "patch", "delete")


def _error(code: str) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}},
    }


def shared_errors(operation: dict[str, Any]) -> list[str]:
    """The error codes an operation of this shape can answer."""
    codes = ["400"] if "requestBody" in operation else []
    if operation.get("security"):
        codes += ["401", "403"]
    parameters = operation.get("parameters", [])
    if any(p.get("in") == "path" for p in parameters):
        codes.append("404")
    if parameters or "requestBody" in operation:
        codes.append("422")
    return codes


def complete_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds each operation's shared errors that its router left out (its own stay)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in shared_errors(operation):
                if code not in responses:
                    responses[code] = _error(code)
                    components.setdefault(ERROR, ErrorOut.model_json_schema())
    return schema


class CareLoopAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return complete_error_responses(super().get_openapi_schema(**kwargs))
