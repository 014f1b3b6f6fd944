"""The API's edge: every operation refuses text and numbers the database cannot hold with 422
and the field, never a server error (issue 19, finding 7). Walked over the whole schema, so a
new operation is covered the day it is added."""

import json
import re

import pytest
from django.test import Client
from ninja import Schema

from careloop.accounts.services import api_token_create
from careloop.api import api
from careloop.core.api_types import ID_MAX, OFFSET_MAX
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"


@pytest.fixture
def api_client(branch_a):
    user = UserFactory(
        username="root", home_branch=branch_a, is_superuser=True, roles=["administrator"]
    )
    _token, key = api_token_create(user=user, name="pytest")
    client = Client(headers={"authorization": f"Bearer {key}"})
    client.force_login(user)  # some operations (a new token) take a session only
    return client


def _operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path.removeprefix(PREFIX), method, operation


def _filled(path: str, operation: dict, **override: str) -> str:
    types = {
        p["name"]: p["schema"].get("type")
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }

    def value(match: re.Match) -> str:
        name = match.group(1)
        return override.get(name, "1" if types.get(name) == "integer" else "x")

    return PREFIX + re.sub(r"\{(\w+)\}", value, path)


def _takes_json(operation: dict) -> bool:
    return "application/json" in operation.get("requestBody", {}).get("content", {})


def test_a_lone_surrogate_in_any_json_body_is_refused_with_its_field(api_client):
    body = json.dumps({"description": "\ud800", "note": "ok"})  # json keeps it as \\ud800
    assert "\\ud800" in body
    walked = 0
    for path, method, operation in _operations():
        if not _takes_json(operation):
            continue
        response = getattr(api_client, method)(
            _filled(path, operation), body, content_type="application/json"
        )
        assert response.status_code == 422, (method, path, response.content[:300])
        assert "description" in response.json()["errors"], (method, path)
        assert "note" not in response.json()["errors"], (method, path)
        walked += 1
    assert walked >= 12  # the probe's twelve write operations, and every other


def test_an_integer_past_64_bits_in_a_body_is_refused(api_client):
    response = api_client.post(
        f"{PREFIX}/customers", json.dumps({"name": "王小明", "x": ID_MAX + 1}), "application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"x": ["數值超出可接受的範圍。"]}


def test_an_offset_past_any_list_is_refused_on_every_list(api_client):
    walked = 0
    for path, method, operation in _operations():
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if method != "get" or "offset" not in names:
            continue
        for offset in (OFFSET_MAX + 1, 2**63, 2**64):
            response = api_client.get(_filled(path, operation), {"offset": offset})
            assert response.status_code == 422, (path, offset, response.content[:300])
            assert response.json()["errors"]["offset"] == ["數值太大。"], path
        walked += 1
    assert walked >= 6  # the six lists the probe broke


def test_an_id_past_64_bits_in_a_path_is_refused(api_client):
    walked = 0
    for path, method, operation in _operations():
        ids = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "path" and p["schema"].get("type") == "integer"
        ]
        for name in ids:
            url = _filled(path, operation, **{name: str(ID_MAX + 1)})
            if method in ("get", "delete"):
                response = getattr(api_client, method)(url)
            else:
                response = getattr(api_client, method)(url, "{}", "application/json")
            assert response.status_code == 422, (method, path, response.content[:300])
            assert name in response.json()["errors"], (method, path)
            walked += 1
    assert walked >= 20


def test_every_schema_has_one_name():
    # two apps' shapes with one name would overwrite each other in the OpenAPI document
    names: dict[str, list[str]] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("careloop."):
                names.setdefault(sub.__name__, []).append(sub.__module__)
            walk(sub)

    walk(Schema)
    assert {name: mods for name, mods in names.items() if len(mods) > 1} == {}


def test_json_nested_past_pythons_limit_is_not_a_server_error(api_client):
    body = "[" * 5000 + "]" * 5000
    response = api_client.post(f"{PREFIX}/customers", body, "application/json")
    assert response.status_code == 400
