"""Every page and API operation whose answer holds a customer's name or phone leaves a read of
that customer (review finding 5): otherwise a reader pages through the one route that does not
record (the worklist API, say) and the bulk-read alert never hears of it.

The lists were built from the URLconfs (careloop/*/urls.py) and the API's routers
(careloop/*/api.py, as the OpenAPI schema lists them), and `test_every_route_is_walked_or_
explained` keeps them honest: a route added later fails it until it is walked here or put on
one of the lists below with its reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from careloop.access.models import PersonalDataRead
from careloop.api import api
from careloop.compensation import services
from careloop.compensation.models import AbuseFlag
from careloop.complaints.library import library_cache_clear
from careloop.complaints.models import State
from careloop.complaints.services import evidence_add, investigation_save
from careloop.privacy.services import request_create
from careloop.replies.services import reply_template_save
from careloop.surveys.models import Survey, SurveyKind
from tests.compensation.conftest import MODERATE
from tests.complaints.test_pages_case import PLAN, advance
from tests.factories import (
    ContactPlanFactory,
    CustomerFactory,
    InteractionFactory,
    UserFactory,
)
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@dataclass
class World:
    customer: Any
    complaint: Any  # received, no owner: the case most walks act on
    interaction: Any
    privacy_request: Any = None
    survey: Any = None
    follow_up: Any = None  # another case of the customer's, at 後續跟進, owned by cs_a
    closed: Any = None  # a third, closed: the case library finds it
    complainant_only: Any = None  # a case whose complainant has the customer's phone
    evidence: Any = None  # a file of `complaint`
    action_item: Any = None  # an open one of `follow_up`
    offer: Any = None  # generated from `complaint`'s assessment
    compensation: Any = None  # approved on `complaint`, its settlement with a scan
    approval: Any = None  # a grant of `follow_up` above cs_a's limit, waiting for pt_head_a
    flag: Any = None  # the abuse guard's: three compensated cases in twelve months
    template: Any = None  # a reply template

    @property
    def number(self) -> str:
        return self.customer.number


@dataclass(frozen=True)
class Walk:
    route: str  # "customers:detail" (a page) or "GET /api/v1/customers/{number}" (the API)
    url: Callable[[World], str]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    headers: dict[str, str] = field(default_factory=dict)
    status: tuple[int, ...] = (200,)
    multipart: bool = False  # an API form with a file, not JSON


def page(name: str, *args: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[a(w) for a in args])


def num(w: World) -> str:
    return w.number


def case(w: World) -> str:
    return w.complaint.number


def req(w: World) -> int:
    return w.privacy_request.pk


def survey(w: World) -> int:
    return w.survey.pk


def follow_up(w: World) -> str:
    return w.follow_up.number


def compensation(w: World) -> int:
    return w.compensation.pk


def offer(w: World) -> int:
    return w.offer.pk


def api_url(path: str) -> Callable[[World], str]:
    return lambda w: path.format(
        number=w.number,
        complaint=w.complaint.number,
        follow_up=w.follow_up.number,
        complainant_only=w.complainant_only.number,
        request_id=w.privacy_request.pk,
        compensation_id=w.compensation.pk,
        approval_id=w.approval.pk,
        template_id=w.template.pk,
        evidence_id=w.evidence.pk,
    )


TOO_LONG = {"answer": "長" * 4001}  # a form sent back with its errors (422)


def case_post(name: str, data: dict[str, Any] | None = None) -> Walk:
    """A case action answered with its panel (htmx): sent back with its errors (422), or
    done with nothing to change (200); either way the panel names the customer."""
    return Walk(
        name,
        page(name, case),
        method="post",
        data=lambda w: data or {},
        headers=HTMX,
        status=(200, 422),
    )


PAGES = [
    Walk("customers:list", page("customers:list")),
    # A likely duplicate sends the form back (422) naming the customer on file.
    Walk(
        "customers:create",
        page("customers:create"),
        method="post",
        data=lambda w: {
            "name": "王小明",
            "phone": w.customer.phone,
            "branch": w.customer.branch_id,
            "customer_type": "prospect",
        },
        status=(422,),
    ),
    Walk(
        "customers:duplicates",
        page("customers:duplicates"),
        data=lambda w: {"phone": w.customer.phone},
    ),
    Walk("customers:detail", page("customers:detail", num)),
    Walk("customers:edit", page("customers:edit", num)),
    Walk("customers:history", page("customers:history", num)),
    Walk(
        "customers:timeline_more", page("customers:timeline_more", num, lambda w: w.interaction.pk)
    ),
    # An action sent back with its errors answers with the page's panel (htmx, 422).
    Walk(
        "customers:interaction_add",
        page("customers:interaction_add", num),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    Walk(
        "treatments:purchase_add",
        page("treatments:purchase_add", num),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    Walk("worklist:today", page("worklist:today")),
    Walk("complaints:board", page("complaints:board")),
    Walk(
        "complaints:customer_picker",
        page("complaints:customer_picker"),
        data=lambda w: {"customer_q": w.customer.name},
    ),
    Walk(
        "complaints:customer_picker",
        page("complaints:customer_picker"),
        data=lambda w: {"pick": w.number},
    ),
    Walk("complaints:detail", page("complaints:detail", case)),
    Walk("printing:pt_f025", page("printing:pt_f025", num)),
    Walk("printing:complaint_pt_f035", page("printing:complaint_pt_f035", case)),
    Walk("printing:complaint_pt_f020", page("printing:complaint_pt_f020", case)),
    # careloop/privacy: the list, the customer's requests, one request and its actions sent
    # back with their errors (the copy: a download answered with the file)
    Walk("privacy:list", page("privacy:list"), data=lambda w: {"status": "all"}),
    Walk("privacy:customer", page("privacy:customer", num)),
    Walk("privacy:detail", page("privacy:detail", req)),
    *(
        Walk(name, page(name, req), method="post", data=lambda w: TOO_LONG, status=(422,))
        for name in ("privacy:complete", "privacy:refuse", "privacy:stop")
    ),
    Walk("privacy:extend", page("privacy:extend", req), method="post", status=(422,)),
    Walk(
        "privacy:copy",
        page("privacy:copy", req),
        method="post",
        data=lambda w: {"format": "json", "purpose": "提供當事人查閱之複本"},
    ),
    # a complaint's follow-up: the case's parts and its actions answered with the panel
    Walk("complaints:history", page("complaints:history", case)),
    *(
        case_post(name)
        for name in (
            "complaints:intake_update",
            "complaints:regrade",
            "complaints:plan",
            "complaints:report",
            "complaints:evidence_add",
            "complaints:solution",
            "complaints:action_add",
            "complaints:communication_add",
            "complaints:closing",
            "complaints:assign",
        )
    ),
    # a likely duplicate: the record panel lists the customer on file with the complainant's
    # phone (422), on a case that is not yet theirs
    Walk(
        "complaints:to_customer",
        page("complaints:to_customer", lambda w: w.complainant_only.number),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    Walk(
        "complaints:evidence_file",
        page("complaints:evidence_file", case, lambda w: w.evidence.pk),
    ),
    Walk(
        "complaints:action_done",
        page("complaints:action_done", follow_up, lambda w: w.action_item.pk),
        method="post",
        headers=HTMX,
    ),
    # a move the case's state does not allow: refused, answered with the case panel
    Walk(
        "complaints:move",
        page("complaints:move", case, lambda w: "archive"),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    Walk("complaints:library", page("complaints:library")),
    # surveys
    Walk("surveys:list", page("surveys:list")),
    Walk("surveys:detail", page("surveys:detail", survey)),
    Walk("surveys:pt_f021", page("surveys:pt_f021", survey)),
    Walk("surveys:resend", page("surveys:resend", survey), method="post", status=(302,)),
    Walk(
        "surveys:complaint_send",
        page("surveys:complaint_send", case),
        method="post",
        headers=HTMX,
        status=(200, 422),
    ),
    # replies: the composer, filled from the case
    Walk("replies:compose", page("replies:compose", case)),
    Walk("replies:compose_render", page("replies:compose_render", case), headers=HTMX),
    Walk(
        "replies:compose_recipient",
        page("replies:compose_recipient", case),
        data=lambda w: {"channel": "sms"},
        headers=HTMX,
    ),
    Walk(
        "replies:compose_check",
        page("replies:compose_check", case),
        method="post",
        data=lambda w: {"channel": "sms", "body": "您好"},
        headers=HTMX,
    ),
    Walk("replies:compose_send", page("replies:compose_send", case), method="post", status=(422,)),
    # compensation: the case's panel, its live score, and actions sent back with errors
    # unfiltered: each row's customer is recorded (not only a ?customer= filter's)
    Walk("compensation:list", page("compensation:list")),
    Walk("compensation:case", page("compensation:case", case)),
    Walk("compensation:assess_preview", page("compensation:assess_preview", case), headers=HTMX),
    Walk(
        "compensation:assess",
        page("compensation:assess", case),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    Walk(
        "compensation:grant",
        page("compensation:grant", case),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    # the offers: an edit and a choice sent back with their errors (or refused, 422), then
    # presented and generated again (done, 200)
    *(
        Walk(name, page(name, case, offer), method="post", headers=HTMX, status=(200, 422))
        for name in ("compensation:offer_update", "compensation:offer_choose")
    ),
    case_post("compensation:offers_present"),
    case_post("compensation:offers_generate"),
    # a granted compensation's settlement (sent back with its errors), its scan, and payment
    Walk(
        "compensation:settlement",
        page("compensation:settlement", case, compensation),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    Walk("compensation:settlement_file", page("compensation:settlement_file", case, compensation)),
    Walk(
        "compensation:paid",
        page("compensation:paid", case, compensation),
        method="post",
        headers=HTMX,
        status=(200, 422),
    ),
    Walk(
        "transfer:export_download",
        page("transfer:export_download"),
        method="post",
        data=lambda w: {"format": "csv", "purpose": "寄送年度回診通知"},
    ),
]

API = [
    Walk("GET /api/v1/customers", api_url("/api/v1/customers")),
    Walk(
        "POST /api/v1/customers",
        api_url("/api/v1/customers"),
        method="post",
        data=lambda w: {"name": "王小明", "phone": w.customer.phone},
        status=(409,),  # the refusal names the customer on file
    ),
    Walk("GET /api/v1/customers/{number}", api_url("/api/v1/customers/{number}")),
    Walk(
        "PATCH /api/v1/customers/{number}",
        api_url("/api/v1/customers/{number}"),
        method="patch",
        data=lambda w: {"notes": "改約週三"},
    ),
    *(
        Walk(
            f"GET /api/v1/customers/{{number}}/{part}",
            api_url(f"/api/v1/customers/{{number}}/{part}"),
        )
        for part in (
            "type-suggestion",
            "needs",
            "interactions",
            "contact-plans",
            "satisfaction",
            "events",
            "anniversaries",
            "purchases",
            "packages",
            "suggestions",
        )
    ),
    Walk("GET /api/v1/worklist", api_url("/api/v1/worklist")),
    Walk("GET /api/v1/complaints", api_url("/api/v1/complaints")),
    Walk("GET /api/v1/complaints/{number}", api_url("/api/v1/complaints/{complaint}")),
    Walk(
        "GET /api/v1/complaints/{number}/evidence/{evidence_id}/file",
        api_url("/api/v1/complaints/{complaint}/evidence/{evidence_id}/file"),
    ),
    # careloop/privacy
    Walk("GET /api/v1/privacy/requests", api_url("/api/v1/privacy/requests")),
    Walk(
        "POST /api/v1/privacy/requests",
        api_url("/api/v1/privacy/requests"),
        method="post",
        data=lambda w: {
            "customer_number": w.number,
            "kind": "copy",
            "channel": "in_person",
            "identity_method": "document",
        },
        status=(201,),
    ),
    Walk(
        "GET /api/v1/privacy/requests/{request_id}",
        api_url("/api/v1/privacy/requests/{request_id}"),
    ),
    Walk(
        "POST /api/v1/privacy/requests/{request_id}/copy",
        api_url("/api/v1/privacy/requests/{request_id}/copy"),
        method="post",
        data=lambda w: {"format": "json", "purpose": "提供當事人查閱之複本"},
    ),
    # a complaint's follow-up: a write answers with the case
    Walk(
        "PATCH /api/v1/complaints/{number}",
        api_url("/api/v1/complaints/{complaint}"),
        method="patch",
        data=lambda w: {"expected_resolution": "希望補一堂課。"},
    ),
    Walk(
        "POST /api/v1/complaints/{number}/assignment",
        api_url("/api/v1/complaints/{complaint}/assignment"),
        method="post",
        data=lambda w: {},
    ),
    Walk(
        "GET /api/v1/complaints/{number}/communications",
        api_url("/api/v1/complaints/{complaint}/communications"),
    ),
    Walk(
        "POST /api/v1/complaints/{number}/communications",
        api_url("/api/v1/complaints/{complaint}/communications"),
        method="post",
        data=lambda w: {"channel": "phone", "content": "已致電說明處理進度。"},
        status=(201,),
    ),
    Walk(
        "PUT /api/v1/complaints/{number}/closing-record",
        api_url("/api/v1/complaints/{complaint}/closing-record"),
        method="put",
        data=lambda w: {"summary": "已致歉並補課。", "satisfaction_score": 8},
    ),
    # replies and surveys
    Walk(
        "GET /api/v1/complaints/{number}/replies",
        api_url("/api/v1/complaints/{complaint}/replies"),
    ),
    Walk("GET /api/v1/surveys", api_url("/api/v1/surveys")),
    Walk(
        "GET /api/v1/reply-templates/{template_id}/render",
        api_url("/api/v1/reply-templates/{template_id}/render"),
        data=lambda w: {"complaint": w.complaint.number},
    ),
    Walk(
        "POST /api/v1/complaints/{number}/replies",
        api_url("/api/v1/complaints/{follow_up}/replies"),
        method="post",
        data=lambda w: {"channel": "sms", "body": "您好，補課已為您安排在下週三。"},
        status=(201,),
    ),
    Walk(
        "POST /api/v1/complaints/{number}/surveys",
        api_url("/api/v1/complaints/{follow_up}/surveys"),
        method="post",
        status=(201,),
    ),
    # a complaint's grade, its complainant (a likely duplicate: 409 names the customer on
    # file), a move, and the case library (the closed case)
    Walk(
        "POST /api/v1/complaints/{number}/grade",
        api_url("/api/v1/complaints/{complaint}/grade"),
        method="post",
        data=lambda w: {"grade": "B", "criteria": ["b_staff"], "reason": "依接收記錄評為 B 級。"},
    ),
    Walk(
        "POST /api/v1/complaints/{number}/customer",
        api_url("/api/v1/complaints/{complainant_only}/customer"),
        method="post",
        data=lambda w: {"allow_duplicate": False},
        status=(409,),
    ),
    Walk(
        "POST /api/v1/complaints/{number}/transitions",
        api_url("/api/v1/complaints/{complaint}/transitions"),
        method="post",
        data=lambda w: {"to": "investigating"},
    ),
    Walk("GET /api/v1/library/cases", api_url("/api/v1/library/cases")),
    Walk("GET /api/v1/library/similar/{number}", api_url("/api/v1/library/similar/{complaint}")),
    Walk(
        "POST /api/v1/library/similar",
        api_url("/api/v1/library/similar"),
        method="post",
        data=lambda w: {"description": w.complaint.description},
    ),
    # compensation: the case's, a grant, the list, one, its settlement (a form with a file)
    # and its payment
    Walk(
        "GET /api/v1/complaints/{number}/compensations",
        api_url("/api/v1/complaints/{complaint}/compensations"),
    ),
    Walk(
        "POST /api/v1/complaints/{number}/compensations",
        api_url("/api/v1/complaints/{complaint}/compensations"),
        method="post",
        data=lambda w: {"value": 100, "kind": "refund", "description": "退部分費用"},
        status=(201,),
    ),
    Walk("GET /api/v1/compensations", api_url("/api/v1/compensations")),
    Walk(
        "GET /api/v1/compensations/{compensation_id}",
        api_url("/api/v1/compensations/{compensation_id}"),
    ),
    Walk(
        "POST /api/v1/compensations/{compensation_id}/settlement",
        api_url("/api/v1/compensations/{compensation_id}/settlement"),
        method="post",
        data=lambda w: {"signed_on": timezone.localdate().isoformat(), "signed_by": "陳美玲"},
        multipart=True,
    ),
    Walk(
        "POST /api/v1/compensations/{compensation_id}/paid",
        api_url("/api/v1/compensations/{compensation_id}/paid"),
        method="post",
        data=lambda w: {"note": "已退款"},
    ),
]

# Walked by a supervisor (pt_head_a): erasure, a decision on a grant above cs_a's limit and
# the abuse guard's review, each sent back with its errors; the approvals waiting for them.
SUPERVISOR_PAGES = [
    # their worklist shows the compensations waiting for them, each with its customer
    Walk("worklist:today", page("worklist:today")),
    Walk("privacy:erase", page("privacy:erase", req), method="post", status=(422,)),
    Walk(
        "compensation:decide",
        page("compensation:decide", lambda w: w.approval.pk),
        method="post",
        headers=HTMX,
        status=(422,),
    ),
    Walk(
        "compensation:flag_review",
        page("compensation:flag_review", lambda w: w.flag.pk),
        method="post",
        data=lambda w: {"flag-note": ""},
        headers=HTMX,
        status=(422,),
    ),
]

SUPERVISOR_API = [
    Walk("GET /api/v1/worklist", api_url("/api/v1/worklist")),
    Walk("GET /api/v1/compensation-approvals", api_url("/api/v1/compensation-approvals")),
    Walk(
        "POST /api/v1/compensation-approvals/{approval_id}/decision",
        api_url("/api/v1/compensation-approvals/{approval_id}/decision"),
        method="post",
        data=lambda w: {"decision": "approve"},
    ),
]

# The admin's own customer pages (careloop/customers/admin.py), walked by an administrator.
ADMIN = [
    Walk("admin:customers_customer_changelist", page("admin:customers_customer_changelist")),
    Walk(
        "admin:customers_customer_change",
        page("admin:customers_customer_change", lambda w: w.customer.pk),
    ),
    Walk(
        "admin:customers_customer_history",
        page("admin:customers_customer_history", lambda w: w.customer.pk),
    ),
]

# Actions that answer with a walked route's own rendering (so its read), named beside it.
ANSWERS_LIKE = {
    # the customer page's panel, through customers.views._render_page
    "customers:plan_add": "customers:interaction_add",
    "customers:plan_complete": "customers:interaction_add",
    "customers:needs_update": "customers:interaction_add",
    "customers:satisfaction_add": "customers:interaction_add",
    "customers:event_add": "customers:interaction_add",
    "customers:sign_off": "customers:interaction_add",
    "customers:anniversary_add": "customers:interaction_add",
    "customers:anniversary_remove": "customers:interaction_add",
    "treatments:purchase_reverse": "treatments:purchase_add",
    "treatments:session_use": "treatments:purchase_add",
    # the list again, through worklist.views._context
    "worklist:log": "worklist:today",
}

# Customer-bearing routes that do not record yet, and why they are not walked here.
LEFT_OUT = {
    # The rows of an uploaded file are shown with their errors before anything is imported:
    # what the uploader typed, not a record read from the database.
    **dict.fromkeys(
        [
            "transfer:import_job",
            "transfer:import_mapping",
            "transfer:import_progress",
            "transfer:import_confirm",
        ],
        "an upload's own rows, not a read of the record",
    ),
    # A notification's title may name a customer in its text; it carries no customer id.
    **dict.fromkeys(
        [
            "notifications:list",
            "notifications:open",
            "GET /api/v1/notifications",
            "POST /api/v1/notifications/{notification_id}/read",
        ],
        "free text addressed to the staff member, no customer id to record",
    ),
}

# Routes whose answers hold no customer's name or phone (the read log's own pages show
# numbers only; a write through the API answers with the row it wrote, not the customer).
NOT_CUSTOMER_BEARING = {
    *[
        "accounts:login",
        "accounts:logout",
        "accounts:password_change",
        "accounts:password_change_done",
        "accounts:tokens",
        "accounts:token_revoke",
        "accounts:second_factor",
        "accounts:second_factor_enrol",
        "accounts:second_factor_verify",
        "accounts:second_factor_recovery",
        "accounts:second_factor_staff",
        "accounts:second_factor_reset",
        "treatments:catalogue",
        "transfer:import",
        "transfer:import_template",
        "transfer:export",
        "transfer:export_log",
        "printing:feedback_poster",
        "workcalendar:calendar",
        "workcalendar:closure_add",
        "workcalendar:closure_delete",
        "workcalendar:extra_working_day_add",
        "workcalendar:extra_working_day_delete",
        "notifications:read_all",
        "access:customer_reads",
        "access:customer_panel",
        "access:reader_reads",
        "complaints:intake",
        "complaints:intake_preview",
        "feedback:intake",
        "feedback:thanks",
        "feedback:status",
        "feedback:qr",
        "feedback:intake_branch",
        "replies:index",
        "replies:template_new",
        "replies:template_edit",
        "replies:phrase_new",
        "replies:phrase_edit",
        "replies:phrase_delete",
        "surveys:pt_f021_blank",
        "survey:answer",
        "survey:thanks",
        "privacy:schedule",  # the retention schedule: periods, no one's record
        "home",
        "help",
    ],
    *(
        f"{m} /api/v1{p}"
        for m, p in [
            ("GET", "/me"),
            ("GET", "/tokens"),
            ("POST", "/tokens"),
            ("DELETE", "/tokens/{token_id}"),
            ("PUT", "/customers/{number}/needs"),
            ("POST", "/customers/{number}/interactions"),
            ("POST", "/customers/{number}/contact-plans"),
            ("POST", "/customers/{number}/contact-plans/{plan_id}/complete"),
            ("POST", "/customers/{number}/satisfaction"),
            ("POST", "/customers/{number}/events"),
            ("POST", "/customers/{number}/sign-offs"),
            ("POST", "/customers/{number}/anniversaries"),
            ("DELETE", "/customers/{number}/anniversaries/{anniversary_id}"),
            ("POST", "/worklist/log"),
            ("GET", "/catalogue/packages"),
            ("POST", "/catalogue/packages"),
            ("PATCH", "/catalogue/packages/{package_id}"),
            ("GET", "/catalogue/products"),
            ("POST", "/catalogue/products"),
            ("PATCH", "/catalogue/products/{product_id}"),
            ("POST", "/customers/{number}/purchases"),
            ("POST", "/customers/{number}/purchases/{purchase_id}/reverse"),
            ("POST", "/customers/{number}/session-uses"),
            ("GET", "/calendar/closures"),
            ("POST", "/calendar/closures"),
            ("DELETE", "/calendar/closures/{closure_id}"),
            ("GET", "/calendar/extra-working-days"),
            ("POST", "/calendar/extra-working-days"),
            ("DELETE", "/calendar/extra-working-days/{extra_day_id}"),
            ("GET", "/calendar/working-days"),
            ("POST", "/notifications/read-all"),
            ("GET", "/customers/{number}/reads"),
            ("GET", "/complaints/criteria"),
            ("GET", "/complaints/natures"),
            ("GET", "/calendar/deadlines"),
            # the intake echoes what was typed; the case is read through GET /complaints/…
            ("POST", "/complaints"),
            ("GET", "/complaints/{number}/transitions"),
            ("GET", "/complaints/{number}/approvals"),
            ("POST", "/complaints/{number}/approvals"),
            ("GET", "/complaints/{number}/investigation"),
            ("PUT", "/complaints/{number}/investigation"),
            ("GET", "/complaints/{number}/evidence"),
            ("POST", "/complaints/{number}/evidence"),
            ("GET", "/complaints/{number}/solution"),
            ("PUT", "/complaints/{number}/solution"),
            ("GET", "/complaints/{number}/action-items"),
            ("POST", "/complaints/{number}/action-items"),
            ("PATCH", "/complaints/{number}/action-items/{item_id}"),
            ("GET", "/complaints/{number}/compensation/assessment"),
            ("POST", "/complaints/{number}/compensation/assessment"),
            ("GET", "/complaints/{number}/compensation/offers"),
            ("POST", "/complaints/{number}/compensation/offers"),
            ("POST", "/complaints/{number}/compensation/offers/present"),
            ("PATCH", "/complaints/{number}/compensation/offers/{offer_id}"),
            ("POST", "/complaints/{number}/compensation/offers/{offer_id}/choice"),
            ("POST", "/compensation-flags/{flag_id}/review"),
            ("POST", "/replies/check"),
            ("GET", "/reply-placeholders"),
            ("GET", "/reply-templates"),
            ("POST", "/reply-templates"),
            ("GET", "/reply-templates/{template_id}"),
            ("PUT", "/reply-templates/{template_id}"),
            ("GET", "/avoid-phrases"),
            ("POST", "/avoid-phrases"),
            ("PUT", "/avoid-phrases/{phrase_id}"),
            ("DELETE", "/avoid-phrases/{phrase_id}"),
            ("GET", "/surveys/nps"),
        ]
    ),
}


def _page_routes() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in ("admin", "api"):
                    continue  # the API is listed from its schema; the admin below
                ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern, ns)
            elif pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver(), "")
    return names


def _api_routes() -> set[str]:
    paths = api.get_openapi_schema()["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def test_every_route_is_walked_or_explained():
    walked = {w.route for w in PAGES + API + SUPERVISOR_PAGES + SUPERVISOR_API}
    listed = walked | set(ANSWERS_LIKE) | set(LEFT_OUT) | NOT_CUSTOMER_BEARING
    assert set(ANSWERS_LIKE.values()) <= walked
    assert not walked & (set(LEFT_OUT) | NOT_CUSTOMER_BEARING)
    assert _page_routes() | _api_routes() == listed


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """The evidence and the settlement scan are written to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def customer(branch_a, cs_a):
    customer = CustomerFactory(branch=branch_a, created_by=cs_a, name="陳美玲")
    # a plan due today, so the worklist lists the customer (cs_a's own plans)
    ContactPlanFactory(customer=customer, assignee=cs_a, due_date=timezone.localdate())
    return customer


@pytest.fixture
def later_cases(customer, make_complaint, cs_a, pt_head_a):
    """Two more cases of the customer's, taken along the workflow by its services: one at
    後續跟進 (its action item still open), one closed, which the case library finds, with a
    compensation granted before it closed (a closed case takes none)."""
    library_cache_clear()
    cases = []
    for _ in range(2):
        complaint = make_complaint(
            customer=customer,
            criteria=["b_staff"],
            owner=cs_a,
            received_at=timezone.now() - dt.timedelta(hours=1),
        )
        cases.append(advance(complaint, State.FOLLOW_UP, handler=cs_a, approver=pt_head_a))
    follow, closing = cases
    services.compensation_grant(
        complaint=closing, value=100, kind="refund", description="退部分費用", by=cs_a
    )
    closed = advance(closing, State.CLOSED, handler=cs_a, approver=pt_head_a)
    yield follow, closed
    library_cache_clear()


@pytest.fixture
def case_files(customer, make_complaint, cs_a):
    """The case most walks act on, a file of it, and a case whose complainant is not linked
    but has the customer's phone (a likely duplicate)."""
    complaint = make_complaint(customer=customer, criteria=["b_staff"], owner=cs_a)
    evidence = evidence_add(
        complaint=complaint,
        values={"kind": "file", "title": "預約記錄"},
        file=SimpleUploadedFile("預約記錄.pdf", pdf_bytes()),
        by=cs_a,
    )
    complainant_only = make_complaint(complainant_phone=customer.phone)
    return complaint, evidence, complainant_only


@pytest.fixture
def compensation_data(case_files, later_cases, cs_a):
    """On the walked case: an assessment with its offers, and a compensation granted within
    cs_a's limit with its signed settlement scanned. Each later case granted too, so the
    customer has three compensated cases (the abuse guard's flag), the one at follow-up above
    cs_a's NT$2,000 limit with its second grant (an approval for pt_head_a)."""
    complaint, _evidence, _complainant_only = case_files
    follow, _closed = later_cases
    services.assessment_save(complaint=complaint, ratings=MODERATE, affected_amount=3000, by=cs_a)
    offers = services.offers_generate(complaint=complaint, by=cs_a)
    granted = services.compensation_grant(
        complaint=complaint, value=100, kind="refund", description="退部分費用", by=cs_a
    )
    services.settlement_record(
        compensation=granted,
        signed_on=timezone.localdate(),
        signed_by="陳美玲",
        file=SimpleUploadedFile("和解書.pdf", pdf_bytes()),
        by=cs_a,
    )
    services.compensation_grant(
        complaint=follow, value=100, kind="refund", description="退部分費用", by=cs_a
    )
    pending = services.compensation_grant(
        complaint=follow, value=2000, kind="refund", description="退還整堂費用", by=cs_a
    )
    return {
        "offer": offers[0],
        "compensation": granted,
        "approval": pending.approval_request,
        "flag": AbuseFlag.objects.get(customer=complaint.customer),
    }


@pytest.fixture
def world(customer, branch_a, cs_a, case_files, later_cases, compensation_data):
    complaint, evidence, complainant_only = case_files
    follow, closed = later_cases
    privacy_request = request_create(
        customer=customer,
        values={"kind": "copy", "channel": "in_person", "identity_method": "document"},
        by=cs_a,
    )
    sent = Survey.objects.create(
        kind=SurveyKind.COMPLAINT_RESOLVED,
        branch=branch_a,
        complaint=complaint,
        customer=customer,
        recipient_name=customer.name,
        channel="sms",
        recipient=customer.phone,
        nonce="n",
        sent_by=cs_a,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    administrator = UserFactory(username="admin_a", home_branch=branch_a, roles=["administrator"])
    template = reply_template_save(
        values={"name": "致歉與補課", "channel": "phone_script", "body": "您好，很抱歉。"},
        by=administrator,
    )
    # the case's plan, so that the API's walk may start its investigation
    investigation_save(complaint=complaint, values=PLAN, by=cs_a)
    return World(
        customer=customer,
        complaint=complaint,
        interaction=InteractionFactory(customer=customer, staff=cs_a),
        privacy_request=privacy_request,
        survey=sent,
        follow_up=follow,
        closed=closed,
        complainant_only=complainant_only,
        evidence=evidence,
        action_item=follow.action_items.get(),
        template=template,
        **compensation_data,
    )


def _request(client: Client, walk: Walk, w: World, *, json: bool) -> Any:
    data = walk.data(w)
    if json and walk.method != "get" and not walk.multipart:
        return getattr(client, walk.method)(
            walk.url(w), data, content_type="application/json", headers=walk.headers
        )
    return getattr(client, walk.method)(walk.url(w), data, headers=walk.headers)


def _walk(client: Client, walks: list[Walk], w: World, *, json: bool = False) -> list[str]:
    missed = []
    for walk in walks:
        PersonalDataRead.objects.all().delete()
        response = _request(client, walk, w, json=json)
        assert response.status_code in walk.status, (walk.route, response.status_code)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        if not PersonalDataRead.objects.filter(customer_id=w.customer.pk).exists():
            missed.append(walk.route)
    return missed


def test_every_customer_bearing_page_records_a_read(client, cs_a, world, monkeypatch):
    # WeasyPrint's rendering is tested in tests/printing; here only what the views record
    monkeypatch.setattr("careloop.printing.views.pdf_render", lambda **kwargs: b"%PDF-1.7")
    monkeypatch.setattr("careloop.surveys.views.pdf_render", lambda **kwargs: b"%PDF-1.7")
    client.force_login(cs_a)
    assert _walk(client, PAGES, world) == []


def test_every_customer_bearing_api_operation_records_a_read(cs_a, world, token_of):
    api_client, _token = token_of(cs_a)
    assert _walk(api_client, API, world, json=True) == []


def test_a_supervisors_pages_and_api_operations_record_a_read(client, pt_head_a, world, token_of):
    client.force_login(pt_head_a)
    assert _walk(client, SUPERVISOR_PAGES, world) == []
    api_client, _token = token_of(pt_head_a)
    assert _walk(api_client, SUPERVISOR_API, world, json=True) == []


def test_the_admins_customer_pages_record_a_read_and_stay_read_only(client, world, branch_a):
    root = UserFactory(
        username="root", home_branch=branch_a, roles=["administrator"], is_staff=True
    )
    root.is_superuser = True
    root.save()
    client.force_login(root)
    assert _walk(client, ADMIN, world) == []
    # read-only as before: the change page offers no save
    html = client.get(
        reverse("admin:customers_customer_change", args=[world.customer.pk])
    ).content.decode()
    assert 'name="_save"' not in html


def test_a_worklist_of_hundreds_records_them_with_one_insert(branch_a, cs_a, token_of):
    # More reads than SQLite takes in one of Django's bulk INSERTs (111 rows of nine columns)
    today = timezone.localdate()
    customers = CustomerFactory.create_batch(130, branch=branch_a, created_by=cs_a)
    for i, customer in enumerate(customers):
        ContactPlanFactory(customer=customer, assignee=cs_a, due_date=today - dt.timedelta(i % 3))
    api_client, _token = token_of(cs_a)
    api_client.get("/api/v1/worklist")  # warm the per-process caches
    PersonalDataRead.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        body = api_client.get("/api/v1/worklist").json()
    assert body["count"] == 130
    inserts = [
        q
        for q in ctx.captured_queries
        if q["sql"].startswith("INSERT") and "personaldataread" in q["sql"]
    ]
    assert len(inserts) == 1
    assert set(PersonalDataRead.objects.values_list("customer_id", flat=True)) == {
        c.pk for c in customers
    }
