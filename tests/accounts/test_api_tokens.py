"""/api/v1/me and /api/v1/tokens: who the caller is, and personal API tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from careloop.accounts.models import ApiToken
from careloop.accounts.services import api_token_create, api_token_revoke

ME = "/api/v1/me"
TOKENS = "/api/v1/tokens"


def bearer(key: str) -> Client:
    return Client(headers={"authorization": f"Bearer {key}"})


@pytest.fixture
def therapist_key(therapist_a) -> str:
    _token, key = api_token_create(user=therapist_a, name="預約系統")
    return key


# --- authentication ----------------------------------------------------------------------


def test_a_valid_token_authenticates_its_user(therapist_a, therapist_key):
    # given a therapist's token
    # when the API is called with it
    response = bearer(therapist_key).get(ME)
    # then the caller is that therapist
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "therapist_a"
    assert ApiToken.objects.get(user=therapist_a).last_used_at is not None


def test_a_revoked_token_is_refused(therapist_a, therapist_key):
    # given a token that has been revoked
    api_token_revoke(token=ApiToken.objects.get(user=therapist_a))
    # when it is used
    response = bearer(therapist_key).get(ME)
    # then the API answers 401 in zh-Hant
    assert response.status_code == 401
    assert response.json() == {"detail": "請先登入或提供有效的 API 金鑰。"}


@pytest.mark.parametrize("header", ["Bearer cl_not-a-real-key", "Bearer ", "Token abc", ""])
def test_garbage_or_missing_credentials_are_refused(db, header):
    # given no session and a made-up or malformed Authorization header
    client = Client(headers={"authorization": header}) if header else Client()
    # when the API is called
    response = client.get(ME)
    # then 401
    assert response.status_code == 401


def test_a_write_with_a_revoked_token_is_a_401_not_a_csrf_failure(therapist_a, therapist_key):
    # given a revoked token, and a client that enforces CSRF as a real one does
    api_token_revoke(token=ApiToken.objects.get(user=therapist_a))
    client = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {therapist_key}"})
    # when an integration writes with it
    response = client.post("/api/v1/customers", {"name": "王小明"}, content_type="application/json")
    # then it is told to authenticate, in zh-Hant
    assert response.status_code == 401
    assert response.json() == {"detail": "請先登入或提供有效的 API 金鑰。"}


def test_a_token_of_a_deactivated_user_is_refused(therapist_a, therapist_key):
    # given the token's owner has left the clinic
    therapist_a.is_active = False
    therapist_a.save()
    # when the token is used, then 401
    assert bearer(therapist_key).get(ME).status_code == 401


def test_the_session_authenticates_the_apps_own_pages(client, dept_head_a):
    # given a logged-in department head and no token
    client.force_login(dept_head_a)
    # when the page's JavaScript calls the API
    response = client.get(ME)
    # then the session is enough
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "head_a"


def test_a_session_write_without_the_csrf_token_is_refused(dept_head_a):
    # given a logged-in browser that does not send the CSRF token (a forged cross-site post)
    client = Client(enforce_csrf_checks=True)
    client.force_login(dept_head_a)
    # when it posts
    response = client.post(TOKENS, {"name": "偽造"}, content_type="application/json")
    # then nothing is created
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


# --- /me ---------------------------------------------------------------------------------


def test_me_lists_roles_and_the_branches_a_therapist_may_see(therapist_a, therapist_key, branch_b):
    # given a therapist of branch A (branch B exists too)
    # when they ask who they are
    body = bearer(therapist_key).get(ME).json()
    # then they see their role, its limit and only their own branch
    assert body["roles"] == [{"code": "therapist", "label": "治療師"}]
    assert body["authority_limit"] == 500
    assert body["all_branches"] is False
    assert [b["name"] for b in body["branches"]] == ["台北總院"]
    assert "customer.edit" in body["capabilities"]
    assert "customer.review" not in body["capabilities"]


def test_me_gives_senior_management_every_branch(senior, branch_b):
    # given a senior manager whose home is branch A
    _token, key = api_token_create(user=senior, name="報表")
    # when they ask who they are
    body = bearer(key).get(ME).json()
    # then every branch, an unlimited authority and the review capability
    assert body["all_branches"] is True
    assert sorted(b["name"] for b in body["branches"]) == ["台北總院", "桃園分院"]
    assert body["authority_limit"] is None
    assert "customer.review" in body["capabilities"]


# --- tokens ------------------------------------------------------------------------------


def test_creating_a_token_shows_the_key_once_and_it_works(client, therapist_a):
    # given a logged-in therapist
    client.force_login(therapist_a)
    # when they create a token
    response = client.post(TOKENS, {"name": "  LINE 串接 "}, content_type="application/json")
    # then the clear key comes back once, and only its hash is stored
    assert response.status_code == 201
    created = response.json()
    key = created["key"]
    assert key.startswith("cl_")
    assert created["name"] == "LINE 串接"
    token = ApiToken.objects.get(pk=created["id"])
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in str(ApiToken.objects.values_list())
    # and the list never shows it again
    listed = client.get(TOKENS).json()
    assert [t["id"] for t in listed] == [created["id"]]
    assert "key" not in listed[0]
    # and the key authenticates its owner
    assert bearer(key).get(ME).json()["user"]["username"] == "therapist_a"


def test_a_token_cannot_mint_more_tokens(therapist_key):
    # given only a token (a leaked one, say)
    # when it is used to create another
    response = bearer(therapist_key).post(TOKENS, {"name": "後門"}, content_type="application/json")
    # then it is refused, so revoking the leaked token is enough
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"), [({"name": ""}, "name"), ({"name": "長" * 51}, "name"), ({}, "name")]
)
def test_a_token_needs_a_short_name(client, therapist_a, payload, field):
    # given a logged-in therapist
    client.force_login(therapist_a)
    # when the name is missing or too long
    response = client.post(TOKENS, payload, content_type="application/json")
    # then 422 names the field and nothing is created
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_own_token(therapist_a, therapist_key):
    # given a therapist's token
    token = ApiToken.objects.get(user=therapist_a)
    # when they revoke it with itself
    response = bearer(therapist_key).delete(f"{TOKENS}/{token.pk}")
    # then it is revoked at once and refused from then on
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(therapist_key).get(ME).status_code == 401


def test_nobody_revokes_or_lists_someone_elses_token(therapist_a, therapist_key, therapist_b):
    # given another therapist's token
    other, other_key = api_token_create(user=therapist_b, name="別人的")
    # when therapist A tries to revoke it
    response = bearer(therapist_key).delete(f"{TOKENS}/{other.pk}")
    # then it does not exist for them, and still works for its owner
    assert response.status_code == 404
    assert response.json() == {"detail": "找不到此 API 金鑰。"}
    assert bearer(other_key).get(ME).status_code == 200
    # and their own list does not show it
    assert other.pk not in [t["id"] for t in bearer(therapist_key).get(TOKENS).json()]
