"""What PT-F021 客戶滿意度調查表 shows: blank for paper, or one survey as sent and answered.

The seeds name PT-F021 among PT-P020's documents (§6) without its text, so the form asks
what domain.md §6 says the survey asks: satisfaction 1–10, likelihood to recommend 0–10,
what went well, what to improve — the same questions as the survey page. An unanswered
survey prints with its QR code, so the customer can also answer on a phone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from careloop.accounts.models import User
from careloop.printing.qr import qr_svg_data_uri
from careloop.printing.registry import FormControl, form_control
from careloop.printing.selectors import Box
from careloop.surveys.models import Survey, SurveyKind, SurveyResponse, SurveyStatus

SATISFACTION_SCALE = range(1, 11)
RECOMMEND_SCALE = range(0, 11)


@dataclass
class PtF021:
    control: FormControl
    roc: bool
    printed_at: dt.datetime
    printed_by: User
    survey: Survey | None = None
    response: SurveyResponse | None = None
    kinds: list[Box] = field(default_factory=list)
    satisfaction: list[Box] = field(default_factory=list)
    recommend: list[Box] = field(default_factory=list)
    subject: str = ""  # 客訴編號 or the package's name
    status_label: str = ""
    qr_src: str = ""
    url: str = ""

    @property
    def is_blank(self) -> bool:
        return self.survey is None


def _scale(values: range, chosen: int | None) -> list[Box]:
    return [Box(label=str(n), ticked=n == chosen) for n in values]


def pt_f021_document(*, survey: Survey | None, user: User, roc: bool = False) -> PtF021:
    """The form for one survey the caller has fetched within the user's branches, or blank."""
    document = PtF021(
        control=form_control("PT-F021"),
        roc=roc,
        printed_at=timezone.now(),
        printed_by=user,
    )
    if survey is None:
        document.kinds = [Box(label=str(label), ticked=False) for _, label in SurveyKind.choices]
        document.satisfaction = _scale(SATISFACTION_SCALE, None)
        document.recommend = _scale(RECOMMEND_SCALE, None)
        return document
    response = getattr(survey, "response", None) if survey.answered_at else None
    document.survey = survey
    document.response = response
    document.kinds = [
        Box(label=str(label), ticked=value == survey.kind) for value, label in SurveyKind.choices
    ]
    document.satisfaction = _scale(SATISFACTION_SCALE, response.satisfaction if response else None)
    document.recommend = _scale(RECOMMEND_SCALE, response.recommend if response else None)
    if survey.kind == SurveyKind.COMPLAINT_RESOLVED:
        document.subject = survey.complaint.number
    else:
        document.subject = survey.purchase.item_name
    document.status_label = survey.status_label
    if survey.status == SurveyStatus.SENT:
        from careloop.surveys.tokens import survey_url

        document.url = survey_url(survey)
        document.qr_src = qr_svg_data_uri(document.url)
    return document
