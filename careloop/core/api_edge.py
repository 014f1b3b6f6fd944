"""The API's JSON body, checked at the edge before any operation sees it.

A JSON string may carry a lone surrogate (`"\\ud800"`): Python keeps it, but no database, PDF
or message can encode it, so a save failed with a server error on a dozen operations. An
integer past 64 bits fails the same way. Both are refused here, once for every operation, with
422 naming the field in the API's one error shape. (In django-ninja's parser an error could
only become a 400 without the field, so the check stands in front of it.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from careloop.core.api_errors import SCHEMA_MESSAGES
from careloop.core.api_types import ID_MAX

API_PREFIX = "/api/"
Path = tuple[str | int, ...]


class ApiEdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path.startswith(API_PREFIX)
            and request.content_type == "application/json"
            and request.body
        ):
            try:
                data = json.loads(request.body)
            except (ValueError, RecursionError):
                data = None  # not JSON (or nested past Python's limit): the operation says so
            errors: dict[str, list[str]] = {}
            for path, kind in unstorable(data, ()):
                field = ".".join(str(part) for part in path) or "__all__"
                errors.setdefault(field, []).append(str(SCHEMA_MESSAGES[kind]))
            if errors:
                return JsonResponse(
                    {"detail": _("輸入資料有誤。"), "errors": errors},
                    status=422,
                    json_dumps_params={"ensure_ascii": False},
                )
        return self.get_response(request)


def unstorable(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Where in a parsed JSON document a value cannot be stored, and why."""
    if isinstance(value, str):
        if _has_surrogate(value):
            yield path, "unicode_surrogate"
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -ID_MAX - 1 <= value <= ID_MAX:
            yield path, "int_out_of_range"
    elif isinstance(value, dict):
        for key, item in value.items():
            if _has_surrogate(key):
                yield (*path, "__key__"), "unicode_surrogate"
            else:
                yield from unstorable(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable(item, (*path, index))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
