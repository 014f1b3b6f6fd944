"""The public pages: the suggestion box online (no login), the status lookup, and the staff
page with each branch's QR code.

Abuse is kept out without a shared cache, so that both gunicorn workers agree:
- a hidden field people leave empty and a signed render time (3 s to 2 h) — `public_forms.py`;
- a rate limit per sender, counted in the database: recent complaints with the same
  `submitter_fingerprint`, and recent `PublicStatusLookup` rows. The fingerprint is an HMAC of
  the client address keyed with SECRET_KEY, so no address is ever stored.
The pages show nothing internal: the form lists branch names; the status page the stage, the
date of receipt and the next step, and the same neutral answer for a wrong number or phone.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from careloop.accounts.models import Branch
from careloop.complaints.models import Complaint, PublicStatusLookup
from careloop.complaints.public_forms import (
    AttachmentLimitHandler,
    PublicComplaintForm,
    StatusLookupForm,
)
from careloop.complaints.selectors import complaint_public_status
from careloop.complaints.services import complaint_public_submit
from careloop.core.clients import client_fingerprint
from careloop.printing.qr import feedback_qr_rows, may_print_feedback_qr

SUBMIT_LIMIT = 3
SUBMIT_WINDOW = dt.timedelta(hours=1)
LOOKUP_LIMIT = 10
LOOKUP_WINDOW = dt.timedelta(minutes=10)
THANKS_SALT = "careloop.complaints.public.thanks"
THANKS_MAX_AGE = 24 * 60 * 60


def submissions_exceeded(fingerprint: str, *, now: dt.datetime | None = None) -> bool:
    since = (now or timezone.now()) - SUBMIT_WINDOW
    recent = Complaint.objects.filter(
        submitter_fingerprint=fingerprint, is_public_submission=True, created_at__gte=since
    ).count()
    return recent >= SUBMIT_LIMIT


@transaction.atomic
def status_lookup_allow(fingerprint: str, *, now: dt.datetime | None = None) -> bool:
    """Count this lookup; False once the sender has used up the window's allowance.

    Rows past the window serve no count, so they are deleted here rather than by a task.
    """
    now = now or timezone.now()
    since = now - LOOKUP_WINDOW
    PublicStatusLookup.objects.filter(looked_up_at__lt=since).delete()
    recent = PublicStatusLookup.objects.filter(
        fingerprint=fingerprint, looked_up_at__gte=since
    ).count()
    if recent >= LOOKUP_LIMIT:
        return False
    PublicStatusLookup.objects.create(fingerprint=fingerprint, looked_up_at=now)
    return True


def _too_many(
    request: HttpRequest, *, window: dt.timedelta, status_page: bool, description: str = ""
) -> HttpResponse:
    """429, friendly: what happened, when to try again; a refused text is shown to copy."""
    response = render(
        request,
        "complaints/public/rate_limited.html",
        {
            "minutes": int(window.total_seconds() // 60),
            "status_page": status_page,
            "description": description,
        },
        status=429,
    )
    response["Retry-After"] = str(int(window.total_seconds()))
    return response


# --- the online form --------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@csrf_exempt  # only to install the upload limit first: _intake checks CSRF itself
def intake(request: HttpRequest, branch_code: str | None = None) -> HttpResponse:
    """意見箱 online: /feedback/ with a branch select, /feedback/<code>/ from a branch's QR."""
    # Django's documented way to change upload handlers on a CSRF-protected view: the CSRF
    # check reads the body, so the handler goes in before it, and csrf_protect runs after.
    limit = AttachmentLimitHandler(request)
    request.upload_handlers.insert(0, limit)
    return _intake(request, branch_code, limit)


@csrf_protect
def _intake(
    request: HttpRequest, branch_code: str | None, limit: AttachmentLimitHandler
) -> HttpResponse:
    branch = None
    if branch_code is not None:
        branch = get_object_or_404(Branch, code=branch_code, is_active=True)
    status = 200
    if request.method == "POST":
        form = PublicComplaintForm(
            request.POST, request.FILES, attachment_too_large=limit.too_large
        )
        if form.is_valid():
            fingerprint = client_fingerprint(request)
            try:
                # One transaction for the count and the insert: on SQLite (IMMEDIATE) two
                # workers cannot both pass the count for the same sender.
                with transaction.atomic():
                    if submissions_exceeded(fingerprint):
                        return _too_many(
                            request,
                            window=SUBMIT_WINDOW,
                            status_page=False,
                            description=form.cleaned_data["description"],
                        )
                    complaint = complaint_public_submit(
                        values=form.values(),
                        attachment=form.cleaned_data.get("attachment"),
                        fingerprint=fingerprint,
                    )
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                token = signing.dumps(
                    {"n": complaint.number, "p": bool(complaint.complainant_phone)},
                    salt=THANKS_SALT,
                )
                return redirect(f"{reverse('feedback:thanks')}?c={token}")
        status = 400 if form.is_spam else 422
    else:
        form = PublicComplaintForm(initial={"branch": branch} if branch else None)
    return render(
        request,
        "complaints/public/intake.html",
        {"form": form, "branch": branch},
        status=status,
    )


def _errors_onto(form: PublicComplaintForm, error: ValidationError) -> None:
    """A service refusal beside the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


@never_cache
@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    """The case number, from a signed token in the address (no session for anonymous people)."""
    try:
        payload = signing.loads(request.GET.get("c", ""), salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
        number, has_phone = str(payload["n"]), bool(payload["p"])
    except (signing.BadSignature, KeyError, TypeError):
        return redirect("feedback:intake")
    return render(
        request, "complaints/public/thanks.html", {"number": number, "has_phone": has_phone}
    )


# --- the status page --------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """案件編號 + phone → stage, date of receipt, next step; anything else → 查無符合的案件.

    Posted, not a query string, so the phone stays out of addresses and server logs.
    """
    result = None
    not_found = False
    code = 200
    if request.method == "POST":
        form = StatusLookupForm(request.POST)
        if form.is_valid():
            if not status_lookup_allow(client_fingerprint(request)):
                return _too_many(request, window=LOOKUP_WINDOW, status_page=True)
            result = complaint_public_status(
                number=form.cleaned_data["number"], phone=form.cleaned_data["phone"]
            )
            not_found = result is None
        else:
            code = 422
    else:
        form = StatusLookupForm(initial={"number": request.GET.get("number", "")[:20]})
    return render(
        request,
        "complaints/public/status.html",
        {"form": form, "result": result, "not_found": not_found},
        status=code,
    )


# --- staff: the QR codes ----------------------------------------------------------------------


@login_required
@require_GET
def qr_codes(request: HttpRequest) -> HttpResponse:
    """Each branch's QR code and poster, for supervisors and administrators."""
    if not may_print_feedback_qr(request.user):
        raise PermissionDenied
    return render(
        request, "complaints/public/qr.html", {"rows": feedback_qr_rows(user=request.user)}
    )
