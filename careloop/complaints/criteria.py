"""PT-P020 annex 2 (投訴等級評估標準) as the intake checklist, and the grade it suggests.

The codes are stored on the case; the texts are the annex's own words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from careloop.complaints.models import Grade


@dataclass(frozen=True)
class Criterion:
    code: str
    grade: str
    text: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("a_safety", Grade.A, _("涉及人身安全或健康風險")),
    Criterion("a_legal", Grade.A, _("可能導致嚴重法律後果或監管處罰")),
    Criterion("a_media", Grade.A, _("涉及媒體關注或對機構聲譽造成重大威脅")),
    Criterion("a_systemic", Grade.A, _("涉及大量客戶或系統性問題")),
    Criterion("a_major_loss", Grade.A, _("可能導致重大財務損失（超過機構規定標準）")),
    Criterion("a_fraud", Grade.A, _("涉及故意欺詐或嚴重的道德／誠信問題")),
    Criterion("b_inconvenience", Grade.B, _("對客戶造成明顯不便或困擾")),
    Criterion("b_quality", Grade.B, _("涉及服務或產品品質問題")),
    Criterion("b_staff", Grade.B, _("涉及員工態度或專業性不足")),
    Criterion("b_moderate_loss", Grade.B, _("可能導致中等程度財務損失")),
    Criterion("b_recurring", Grade.B, _("重複發生的問題")),
    Criterion("b_cross_department", Grade.B, _("需要跨部門協作解決的問題")),
    Criterion("c_general", Grade.C, _("一般性不滿或建議")),
    Criterion("c_single_department", Grade.C, _("可立即或由一個部門單獨解決的問題")),
    Criterion("c_misunderstanding", Grade.C, _("涉及輕微誤解或溝通不足")),
    Criterion("c_no_loss", Grade.C, _("不涉及財務損失")),
    Criterion("c_minor_impact", Grade.C, _("對客戶體驗影響較小的問題")),
    Criterion("c_minor_defect", Grade.C, _("服務流程或設施的小缺陷")),
)
CRITERIA_BY_CODE = {c.code: c for c in CRITERIA}
CRITERION_CHOICES = [(c.code, c.text) for c in CRITERIA]

_SEVERITY = (Grade.A, Grade.B, Grade.C)


def grade_suggest(codes: Iterable[str]) -> str:
    """The most severe grade with a ticked criterion; C when none is ticked (domain.md §3.2)."""
    ticked = {CRITERIA_BY_CODE[code].grade for code in codes if code in CRITERIA_BY_CODE}
    return next((grade for grade in _SEVERITY if grade in ticked), Grade.C)


def criteria_by_grade() -> list[tuple[str, list[Criterion]]]:
    return [(grade, [c for c in CRITERIA if c.grade == grade]) for grade in _SEVERITY]
