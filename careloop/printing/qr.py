"""QR codes of the suggestion box (意見箱): one per branch, pointing at its online form.

The printed code must work from a phone anywhere, so it carries the absolute address built
from `CARELOOP_BASE_URL` (the address people reach the system at), never the request's host.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from careloop.accounts.models import Branch, User
from careloop.accounts.permissions import Capability, user_branch_ids, user_can

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def base_url() -> str:
    return str(getattr(settings, "CARELOOP_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def branch_feedback_url(branch: Branch) -> str:
    """The absolute address of the branch's online form, as the QR code encodes it."""
    return base_url() + reverse("feedback:intake_branch", args=[branch.code])


def qr_make(url: str) -> segno.QRCode:
    # Level M survives a scuffed or partly covered poster and keeps the code small.
    return segno.make(url, error="m", micro=False)


def qr_svg_inline(url: str, *, scale: int = 5) -> str:
    """The code as an inline <svg> element for a page."""
    return qr_make(url).svg_inline(scale=scale, border=2, title=url)


def qr_svg_data_uri(url: str) -> str:
    """The code as a data: URI, which the PDF renderer reads without any network access."""
    return qr_make(url).svg_data_uri(scale=10, border=2)


def may_print_feedback_qr(user: User) -> bool:
    """Supervisors and administrators put up the posters."""
    return user_can(user, Capability.COMPLAINT_SUPERVISE) or user_can(user, Capability.STAFF_ADMIN)


def feedback_branches_for(user: User) -> QuerySet[Branch]:
    """Operating branches within the user's reach, in code order."""
    branches = Branch.objects.filter(is_active=True).order_by("code")
    branch_ids = user_branch_ids(user)
    if branch_ids is not None:
        branches = branches.filter(id__in=branch_ids)
    return branches


def feedback_branch_get_for_user(*, user: User, code: str) -> Branch:
    """The branch by code, or 404 when it is closed or outside the user's branches."""
    branch = feedback_branches_for(user).filter(code=code).first()
    if branch is None:
        raise Http404
    return branch


@dataclass(frozen=True)
class FeedbackQr:
    branch: Branch
    url: str
    svg: str


def feedback_qr_rows(*, user: User) -> list[FeedbackQr]:
    rows = []
    for branch in feedback_branches_for(user):
        url = branch_feedback_url(branch)
        rows.append(FeedbackQr(branch=branch, url=url, svg=qr_svg_inline(url)))
    return rows
