"""The public survey page, /survey/<token>/: no login, one answer per link, works on a phone.

What a visitor can be told: that the link is not valid (a tampered or truncated token: 404),
that it has expired (410), that it has already been answered (shown on GET; a second answer
is refused with 409), or the form. Nothing about the case or the customer appears beyond the
branch and, after a package, the package's name — the link's holder is the person it was
sent to, but a forwarded link should not tell a stranger more.

Requests are rate-limited per sender as the public complaint form is: counted in the
database (every gunicorn worker sees the same count), keyed by the same salted hash of the
client address (`core.clients.client_fingerprint`), never the address itself.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from careloop.core.clients import client_fingerprint
from careloop.surveys.forms import SurveyAnswerForm
from careloop.surveys.models import Survey, SurveyVisit
from careloop.surveys.services import SurveyRefused, survey_answer
from careloop.surveys.tokens import survey_for_token

VISIT_LIMIT = 30
VISIT_WINDOW = dt.timedelta(minutes=10)


@transaction.atomic
def survey_visit_allow(fingerprint: str, *, now: dt.datetime | None = None) -> bool:
    """Count this request; False once the sender has used up the window's allowance.

    Rows past the window serve no count, so they are deleted here rather than by a task."""
    now = now or timezone.now()
    since = now - VISIT_WINDOW
    SurveyVisit.objects.filter(visited_at__lt=since).delete()
    recent = SurveyVisit.objects.filter(fingerprint=fingerprint, visited_at__gte=since).count()
    if recent >= VISIT_LIMIT:
        return False
    SurveyVisit.objects.create(fingerprint=fingerprint, visited_at=now)
    return True


def _too_many(request: HttpRequest) -> HttpResponse:
    minutes = int(VISIT_WINDOW.total_seconds() // 60)
    response = render(request, "surveys/public/rate_limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(VISIT_WINDOW.total_seconds()))
    return response


def _closed(
    request: HttpRequest, reason: str, *, survey: Survey | None = None, status: int
) -> HttpResponse:
    """The page for a link that cannot take an answer, saying which of the three it is."""
    return render(
        request, "surveys/public/closed.html", {"reason": reason, "survey": survey}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """PT-F021 on a phone: two scales and two optional texts."""
    if not survey_visit_allow(client_fingerprint(request)):
        return _too_many(request)
    survey = survey_for_token(token)
    if survey is None:
        return _closed(request, "invalid", status=404)
    if survey.answered_at is not None:
        return _closed(
            request,
            SurveyRefused.ANSWERED,
            survey=survey,
            status=409 if request.method == "POST" else 200,
        )
    if timezone.now() > survey.expires_at:
        return _closed(request, SurveyRefused.EXPIRED, survey=survey, status=410)
    status = 200
    if request.method == "POST":
        form = SurveyAnswerForm(request.POST, kind=survey.kind)
        if form.is_valid():
            try:
                survey_answer(survey=survey, values=form.cleaned_data)
            except SurveyRefused as refused:
                code = 409 if refused.reason == SurveyRefused.ANSWERED else 410
                return _closed(request, refused.reason, survey=survey, status=code)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect("survey:thanks", token=token)
        status = 422
    else:
        form = SurveyAnswerForm(kind=survey.kind)
    return render(
        request, "surveys/public/answer.html", {"form": form, "survey": survey}, status=status
    )


@never_cache
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """The thank-you page, for an answered link only (others go back to the form's page)."""
    survey = survey_for_token(token)
    if survey is None or survey.answered_at is None:
        return redirect("survey:answer", token=token)
    return render(request, "surveys/public/thanks.html", {"survey": survey})
