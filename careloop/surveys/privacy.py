"""Satisfaction surveys (PT-F021) in a person's copy; on erasure the link dies (its nonce is
cleared, so the signed token no longer matches), the contact goes, and the answers' free texts
are cleared while the scores stay for the NPS."""

from __future__ import annotations

from django.db.models import Q

from careloop.customers.models import Customer
from careloop.privacy.registry import (
    Contributor,
    ErasureContext,
    ReleaseContext,
    record,
    register,
)
from careloop.surveys.models import Survey, SurveyResponse


def _surveys(customer: Customer):
    return Survey.objects.filter(Q(customer=customer) | Q(purchase__customer=customer))


def surveys_copy(customer: Customer) -> list[dict]:
    responses = {
        r.survey_id: r for r in SurveyResponse.objects.filter(survey__in=_surveys(customer))
    }
    out = []
    for survey in _surveys(customer).order_by("sent_at", "id").distinct():
        row = record(
            survey,
            [
                "kind",
                "recipient_name",
                "channel",
                "recipient",
                "sent_at",
                "expires_at",
                "answered_at",
            ],
        )
        response = responses.get(survey.pk)
        row["response"] = (
            None
            if response is None
            else record(
                response, ["satisfaction", "recommend", "went_well", "to_improve", "answered_at"]
            )
        )
        out.append(row)
    return out


def surveys_erase(ctx: ErasureContext) -> None:
    # The evaluation (PT-F021) of a complaint kept under PT-P020 5.6.3 is part of its record.
    ids = list(
        _surveys(ctx.customer)
        .exclude(complaint_id__in=ctx.held_complaint_ids)
        .values_list("pk", flat=True)
    )
    _surveys_anonymise(ctx, ids)


def surveys_release(ctx: ReleaseContext) -> None:
    """The evaluations of the complaints whose hold has ended go the way the others went."""
    ids = list(
        Survey.objects.filter(complaint_id__in=ctx.complaint_ids).values_list("pk", flat=True)
    )
    _surveys_anonymise(ctx, ids)


def _surveys_anonymise(ctx: ErasureContext | ReleaseContext, ids: list[int]) -> None:
    values = {"recipient_name": ctx.placeholder, "recipient": ""}
    ctx.count("surveys.Survey", Survey.objects.filter(pk__in=ids).update(nonce="", **values))
    Survey.history.filter(id__in=ids).update(**values)
    blank = {"went_well": "", "to_improve": ""}
    ctx.count(
        "surveys.SurveyResponse", SurveyResponse.objects.filter(survey_id__in=ids).update(**blank)
    )
    SurveyResponse.history.filter(survey_id__in=ids).update(**blank)


register(
    Contributor(
        key="surveys",
        label="滿意度調查",
        order=40,
        copy=surveys_copy,
        erase=surveys_erase,
        release=surveys_release,
    )
)
