"""The second factor (accounts/second_factor.py, issue 19 finding 6): who must enrol, the gate
in front of every page and the API, enrolment, verification, recovery codes, resets, tokens."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.client import login as bench_login
from bench.operations import LOGIN_PATH
from careloop.accounts.models import ApiToken, User
from careloop.accounts.second_factor import second_factor_may_reset, second_factor_required
from careloop.accounts.services import (
    SecondFactorRefused,
    api_token_create,
    api_token_issue,
    second_factor_enrol_direct,
    second_factor_reset,
)
from careloop.core.demo import demo_load
from tests.factories import UserFactory

ENROL = reverse("accounts:second_factor_enrol")
VERIFY = reverse("accounts:second_factor_verify")


@pytest.fixture(autouse=True)
def _second_factor_at_login() -> Iterator[None]:
    """Here a sign-in is only a password: the factor is what these tests are about."""
    yield


@pytest.fixture
def administrator(branch_a):
    return UserFactory(
        username="admin_a",
        home_branch=branch_a,
        roles=["administrator"],
        is_staff=True,
        is_superuser=True,
    )


def code_for(device: TOTPDevice, *, later: int = 0) -> str:
    """What the person's authenticator shows now (or `later` steps on)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=later):06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, later=k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def signed_in_verified(client, user: User) -> None:
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302


# --- who must ------------------------------------------------------------------------------


def test_supervisors_and_administrators_must_have_a_factor_and_the_others_may(
    front_desk, therapist_a, cs_a, dept_head_a, senior, administrator
):
    assert [second_factor_required(u) for u in (dept_head_a, senior, administrator)] == [True] * 3
    assert not any(second_factor_required(u) for u in (front_desk, therapist_a, cs_a))
    # whoever may enter the admin, whatever their roles
    assert second_factor_required(UserFactory(username="ops", is_staff=True))


# --- the gate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/customers/", "/worklist/", "/complaints/", "/accounts/tokens/", "/admin/",
     "/accounts/password/", "/admin/accounts/user/"],
)  # fmt: skip
def test_a_senior_manager_without_a_factor_is_sent_to_enrol_from_every_page(client, senior, path):
    # given a senior manager who has only typed the password
    client.force_login(senior)

    # when they ask for a page
    response = client.get(path)

    # then they are taken to enrolment, to come back afterwards
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    if path != "/":
        assert "next=" in response["Location"]


def test_without_a_factor_the_api_session_is_refused_in_chinese(client, dept_head_a):
    client.force_login(dept_head_a)

    response = client.get("/api/v1/me")

    assert response.status_code == 403
    assert "第二道驗證" in response.json()["detail"]


def test_the_enrolment_page_logout_and_public_pages_stay_open(client, dept_head_a):
    client.force_login(dept_head_a)

    assert client.get(ENROL).status_code == 200
    assert client.get("/feedback/").status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_htmx_fragment_sends_the_whole_page_to_enrolment(client, dept_head_a):
    client.force_login(dept_head_a)

    response = client.get(
        "/customers/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/worklist/?x=1"},
    )

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(ENROL)
    assert "worklist" in response["HX-Redirect"]


def test_staff_who_may_go_without_a_factor_are_not_forced(client, front_desk):
    client.force_login(front_desk)

    assert client.get("/customers/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    # and the account menu offers it
    assert reverse("accounts:second_factor") in client.get("/customers/").content.decode()


# --- enrolment -----------------------------------------------------------------------------


def test_enrolment_with_the_right_code_shows_ten_recovery_codes_and_opens_the_pages(client, senior):
    # given the enrolment page with its QR code and secret
    client.force_login(senior)
    page = client.get(ENROL + "?next=/complaints/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html and 'id="totp-secret"' in html
    device = TOTPDevice.objects.get(user=senior)
    assert not device.confirmed
    # reloading shows the same secret
    client.get(ENROL)
    assert TOTPDevice.objects.get(user=senior).key == device.key

    # when the code the app shows is entered
    response = client.post(ENROL, {"code": code_for(device), "next": "/complaints/"})

    # then the recovery codes are shown once, and every page opens
    assert response.status_code == 200
    codes = [t.token for t in StaticToken.objects.filter(device__user=senior)]
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    senior.refresh_from_db()
    assert senior.second_factor_since is not None
    assert TOTPDevice.objects.get(user=senior).confirmed
    assert client.get("/complaints/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    # and the enrolment is in the user's history, as their own doing
    assert senior.history.first().history_user == senior


def test_a_wrong_code_is_refused_beside_the_field(client, senior):
    client.force_login(senior)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=senior)

    response = client.post(ENROL, {"code": wrong_code(device)})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field-error"' in html and "驗證碼不正確" in html
    senior.refresh_from_db()
    assert senior.second_factor_since is None
    assert client.get("/customers/").status_code == 302


# --- verifying at sign-in ------------------------------------------------------------------


def test_an_enrolled_user_signs_in_and_is_asked_for_the_code(client, dept_head_a):
    # given a department head with a factor, signed in with the password only
    device = second_factor_enrol_direct(user=dept_head_a, by=None)
    client.force_login(dept_head_a)

    # then pages send them to the verify page, and the API refuses the session
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and "驗證碼" in api.json()["detail"]

    # when the code is entered
    response = client.post(VERIFY, {"code": code_for(device), "next": "/customers/"})

    # then they go where they were going, and stay past the factor
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_the_login_form_leads_to_the_verify_page(client, senior):
    second_factor_enrol_direct(user=senior, by=None)

    response = client.post(
        reverse("accounts:login"), {"username": "ceo", "password": "pw-test-1234"}, follow=True
    )

    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert "第二道驗證" in response.content.decode()


def test_an_optional_user_who_enrolled_must_verify_too(client, therapist_a):
    second_factor_enrol_direct(user=therapist_a, by=None)
    client.force_login(therapist_a)

    assert client.get("/customers/")["Location"].startswith(VERIFY)


def test_a_recovery_code_works_once(client, senior):
    second_factor_enrol_direct(user=senior, by=None)
    code = StaticToken.objects.filter(device__user=senior).first().token

    # when it is typed as a sign-in's second factor, spaced and in capitals
    client.force_login(senior)
    response = client.post(VERIFY, {"code": f"{code[:4].upper()} {code[4:]}"})

    # then it lets them in, with a warning of how many are left
    assert response.status_code == 302
    assert client.get("/customers/").status_code == 200
    assert StaticToken.objects.filter(device__user=senior).count() == 9

    # and not a second time
    client.post(reverse("accounts:logout"))
    client.force_login(senior)
    again = client.post(VERIFY, {"code": code})
    assert again.status_code == 200 and "驗證碼不正確" in again.content.decode()
    assert client.get("/customers/").status_code == 302


def test_repeated_wrong_codes_are_throttled_not_500(client, senior, clock):
    device = second_factor_enrol_direct(user=senior, by=None)
    client.force_login(senior)
    wrong = wrong_code(device)

    answers = [client.post(VERIFY, {"code": wrong}) for _ in range(4)]

    assert [a.status_code for a in answers] == [200] * 4
    # even the right code waits out the delay (1, 2, 4, 8 s after each failure)
    throttled = client.post(VERIFY, {"code": code_for(device)})
    assert throttled.status_code == 200 and "錯誤次數過多" in throttled.content.decode()
    assert client.get("/customers/").status_code == 302
    # garbage is refused the same way
    assert client.post(VERIFY, {"code": "x" * 40}).status_code == 200
    assert client.post(VERIFY, {"code": ""}).status_code == 200

    # after the delay the right code is taken
    clock.move_to(timezone.now() + timedelta(minutes=2))
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    assert client.get("/customers/").status_code == 200


def test_regenerated_recovery_codes_replace_the_old_ones(client, senior):
    second_factor_enrol_direct(user=senior, by=None)
    old = set(StaticToken.objects.filter(device__user=senior).values_list("token", flat=True))
    signed_in_verified(client, senior)

    response = client.post(reverse("accounts:second_factor_recovery"))

    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=senior).values_list("token", flat=True))
    assert len(new) == 10 and not new & old
    assert all(code in response.content.decode() for code in new)


# --- resetting a lost factor ---------------------------------------------------------------


def test_a_reset_is_recorded_with_who_when_and_why(client, administrator, dept_head_a):
    # given a head with a factor, signed in and verified elsewhere
    head_device = second_factor_enrol_direct(user=dept_head_a, by=None)
    second_factor_enrol_direct(user=administrator, by=None)
    head_client = type(client)()
    signed_in_verified(head_client, dept_head_a)
    assert head_client.get("/customers/").status_code == 200
    assert head_device.pk

    # when a verified administrator resets it from the staff list
    signed_in_verified(client, administrator)
    listing = client.get(reverse("accounts:second_factor_staff"))
    assert dept_head_a.username in listing.content.decode()
    response = client.post(
        reverse("accounts:second_factor_reset", args=[dept_head_a.pk]), {"reason": "手機遺失"}
    )

    # then the factor is gone, the head enrols again, and the history names the administrator
    assert response.status_code == 302
    dept_head_a.refresh_from_db()
    assert dept_head_a.second_factor_since is None
    assert not TOTPDevice.objects.filter(user=dept_head_a).exists()
    assert not StaticToken.objects.filter(device__user=dept_head_a).exists()
    latest = dept_head_a.history.first()
    assert latest.history_user == administrator
    assert "手機遺失" in latest.history_change_reason
    assert latest.second_factor_since is None
    assert abs((latest.history_date - timezone.now()).total_seconds()) < 60
    assert head_client.get("/customers/")["Location"].startswith(ENROL)


def test_a_reset_needs_the_resetters_own_factor_and_their_authority(
    administrator, senior, dept_head_a, pt_head_a, therapist_a, therapist_b
):
    for user in (senior, dept_head_a, therapist_a, therapist_b):
        second_factor_enrol_direct(user=user, by=None)

    # an unverified session may not reset anybody
    with pytest.raises(SecondFactorRefused):
        second_factor_reset(user=therapist_a, by=administrator, by_verified=False, reason="遺失")
    # a head resets staff of their branches, not a fellow head, not another branch, not self
    assert second_factor_may_reset(pt_head_a, therapist_a)
    assert not second_factor_may_reset(pt_head_a, dept_head_a)
    assert not second_factor_may_reset(pt_head_a, therapist_b)
    assert not second_factor_may_reset(dept_head_a, dept_head_a)
    assert not second_factor_may_reset(therapist_a, therapist_b)
    # senior management and administrators reset anyone but themselves
    assert second_factor_may_reset(administrator, senior)
    assert second_factor_may_reset(senior, dept_head_a)
    assert not second_factor_may_reset(senior, senior)
    with pytest.raises(SecondFactorRefused):
        second_factor_reset(user=dept_head_a, by=pt_head_a, by_verified=True, reason="遺失")
    with pytest.raises(SecondFactorRefused):
        second_factor_reset(user=therapist_a, by=pt_head_a, by_verified=True, reason="  ")
    assert User.objects.get(pk=therapist_a.pk).second_factor_since is not None


def test_a_head_cannot_reset_outside_their_authority_through_the_page(
    client, pt_head_a, senior, therapist_b
):
    second_factor_enrol_direct(user=senior, by=None)
    second_factor_enrol_direct(user=therapist_b, by=None)
    second_factor_enrol_direct(user=pt_head_a, by=None)
    signed_in_verified(client, pt_head_a)

    listing = client.get(reverse("accounts:second_factor_staff")).content.decode()
    for target in (senior, therapist_b):
        response = client.post(
            reverse("accounts:second_factor_reset", args=[target.pk]), {"reason": "x"}
        )
        assert response.status_code == 404
        assert target.username not in listing
    assert User.objects.get(pk=senior.pk).second_factor_since is not None


def test_the_staff_list_reads_a_fixed_number_of_queries(
    client, administrator, branch_a, django_assert_max_num_queries
):
    second_factor_enrol_direct(user=administrator, by=None)
    for n in range(12):
        second_factor_enrol_direct(
            user=UserFactory(username=f"t{n}", home_branch=branch_a, roles=["therapist"]), by=None
        )
    signed_in_verified(client, administrator)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:second_factor_staff"))

    assert response.status_code == 200 and "t11" in response.content.decode()


def test_staff_without_the_capability_see_no_reset_page(client, front_desk):
    client.force_login(front_desk)

    assert client.get(reverse("accounts:second_factor_staff")).status_code == 403


# --- API tokens ----------------------------------------------------------------------------


def test_a_token_is_made_only_from_a_verified_session(client, senior):
    # given an enrolled senior manager signed in with the password only
    second_factor_enrol_direct(user=senior, by=None)
    client.force_login(senior)

    # when they ask for a token from the page and from the API
    page = client.post(reverse("accounts:tokens"), {"name": "報表"})
    api = client.post("/api/v1/tokens", {"name": "報表"}, content_type="application/json")

    # then neither is made
    assert page.status_code == 302 and page["Location"].startswith(VERIFY)
    assert api.status_code == 403 and "第二道驗證" in api.json()["detail"]
    assert not ApiToken.objects.exists()

    # and once the code is entered, both are
    device = TOTPDevice.objects.get(user=senior)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.post(reverse("accounts:tokens"), {"name": "報表"}).status_code == 200
    made = client.post("/api/v1/tokens", {"name": "串接"}, content_type="application/json")
    assert made.status_code == 201
    assert ApiToken.objects.filter(user=senior).count() == 2


def test_the_token_rule_is_the_services(senior, front_desk):
    with pytest.raises(SecondFactorRefused):
        api_token_issue(user=senior, name="x", second_factor_verified=False)
    # staff without a factor make tokens as before
    token, _key = api_token_issue(user=front_desk, name="x", second_factor_verified=False)
    assert token.pk
    second_factor_enrol_direct(user=front_desk, by=None)
    with pytest.raises(SecondFactorRefused):
        api_token_issue(user=front_desk, name="y", second_factor_verified=False)


def test_a_token_still_works_beside_an_unverified_session_and_the_session_does_not(client, senior):
    _token, key = api_token_create(user=senior, name="報表")
    second_factor_enrol_direct(user=senior, by=None)
    client.force_login(senior)

    with_token = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    with_bad_token = client.get("/api/v1/me", headers={"Authorization": "Bearer cl_wrong"})

    assert with_token.status_code == 200 and with_token.json()["user"]["username"] == "ceo"
    assert with_bad_token.status_code == 401


# --- pages ---------------------------------------------------------------------------------


def test_the_pages_render_for_an_optional_user(client, therapist_a, django_assert_max_num_queries):
    client.force_login(therapist_a)
    overview = client.get(reverse("accounts:second_factor"))
    assert overview.status_code == 200 and "尚未設定" in overview.content.decode()

    with django_assert_max_num_queries(12):
        enrol = client.get(ENROL)

    assert enrol.status_code == 200
    device = TOTPDevice.objects.get(user=therapist_a)
    client.post(ENROL, {"code": code_for(device)})
    overview = client.get(reverse("accounts:second_factor")).content.decode()
    assert "10 組" in overview
    assert client.get(VERIFY).status_code == 302  # already verified: on to the next page


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_enrols_its_supervisors_and_prints_their_secrets(db, client):
    # given a fresh demo
    out = io.StringIO()
    demo_load(customers=3, stdout=out)
    text = out.getvalue()

    # then the accounts that must have a factor have one, printed beside the login
    for username in ("admin", "ceo", "head_pt", "head_cs", "head_sales"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        secret = base64.b32encode(device.bin_key).decode()
        assert secret in text and f"otpauth://totp/CareLoop%3A{username}" in text
    assert not TOTPDevice.objects.filter(user__username="desk_taipei").exists()

    # and the printed secret signs the CEO in
    ceo = User.objects.get(username="ceo")
    secret = next(line for line in text.splitlines() if line.startswith("ceo ")).split()[-1]
    client.force_login(ceo)
    code = f"{totp(base64.b32decode(secret)):06d}"
    assert client.post(VERIFY, {"code": code}).status_code == 302
    assert client.get("/complaints/").status_code == 200

    # and a later start prints them again
    again = io.StringIO()
    demo_load(customers=3, stdout=again)
    assert secret in again.getvalue()


# --- the benchmark's client ----------------------------------------------------------------


def test_the_benchmark_client_types_the_code_after_the_password(live_server, senior):
    device = second_factor_enrol_direct(user=senior, by=None)

    session = bench_login(
        live_server.url, "ceo", "pw-test-1234", path=LOGIN_PATH, totp_key=device.key
    )

    assert session.get(live_server.url + "/complaints/", allow_redirects=False).status_code == 200


# --- found by review: every page behind the gate, tokens, inactive accounts, NUL --------------


def _page_patterns():
    """Every page of the URLconf with its arguments filled, but the public ones and the gate's
    own (the admin's many pages are represented by its index)."""
    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    from careloop.accounts.second_factor import SecondFactorMiddleware

    open_views = SecondFactorMiddleware.PUBLIC_VIEWS | {
        "accounts:second_factor_enrol",
        "accounts:second_factor_verify",
        "accounts:login",
        "accounts:logout",
    }

    def walk(resolver, prefix, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "api"}:
                    continue
                ns = pattern.namespace or namespace
                yield from walk(pattern, prefix + str(pattern.pattern), ns)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if name not in open_views:
                    route = prefix + str(pattern.pattern)
                    path = "/" + re.sub(r"<(?:(\w+):)?\w+>", _sample, route).lstrip("^").rstrip("$")
                    yield name, path

    return sorted(set(walk(get_resolver(), "", "")))


def _sample(match) -> str:
    return {"int": "1", "slug": "x", "str": "x", "path": "x"}.get(match.group(1) or "str", "x")


def test_no_staff_page_opens_without_the_factor_however_it_is_named(client, senior):
    # given a senior manager who has only typed the password
    client.force_login(senior)
    pages = _page_patterns()
    assert ("feedback:qr", "/feedback/qr/") in pages  # a staff page inside a public namespace

    # then every page that is not public sends them to enrolment
    let_through = []
    for name, path in pages:
        response = client.get(path)
        if not (response.status_code == 302 and response["Location"].startswith(ENROL)):
            let_through.append((name, path, response.status_code))
    assert let_through == []


def test_a_token_of_someone_who_still_owes_the_factor_is_refused(senior, therapist_a):
    # given tokens made before the second factor was asked of their owners
    _, senior_key = api_token_create(user=senior, name="old script")
    _, therapist_key = api_token_create(user=therapist_a, name="old script")
    from django.test import Client

    def me(key):
        return Client(headers={"authorization": f"Bearer {key}"}).get("/api/v1/me").status_code

    # then the senior manager's (who must enrol and has not) is refused; the therapist's works
    assert (me(senior_key), me(therapist_key)) == (401, 200)
    # and once the senior manager has enrolled, their token speaks for them again
    second_factor_enrol_direct(user=senior, by=senior)
    assert me(senior_key) == 200


def test_a_reset_revokes_the_tokens_made_from_the_lost_factors_sessions(administrator, therapist_a):
    second_factor_enrol_direct(user=therapist_a, by=therapist_a)
    token, _ = api_token_create(user=therapist_a, name="phone")
    second_factor_reset(user=therapist_a, by=administrator, by_verified=True, reason="手機遺失")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_head_cannot_reset_an_inactive_managers_factor(dept_head_a, senior, administrator):
    second_factor_enrol_direct(user=senior, by=senior)
    senior.is_active = False
    senior.save()
    assert not second_factor_may_reset(dept_head_a, senior)
    assert second_factor_may_reset(administrator, senior)


def test_a_nul_in_the_staff_search_is_no_server_error(client, administrator):
    signed_in_verified(client, _enrolled(administrator))
    response = client.get(reverse("accounts:second_factor_staff"), {"q": "王\x00"})
    assert response.status_code == 200


def _enrolled(user):
    second_factor_enrol_direct(user=user, by=user)
    return user
