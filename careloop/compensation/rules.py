"""The compensation rules of domain.md §4 in one place: the four-factor assessment, the levels,
the offers each level brings, the abuse guard and the settlement threshold.

Pure functions over numbers and text, no database: the services store what these compute, the
pages and the API show the same figures, and a policy change is an edit here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

RATING_MIN = 0
RATING_MAX = 5


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    weight: int  # percent; the four add up to 100
    help: str


# 003 excerpt, 「補償計算的四大要素」.
FACTORS: tuple[Factor, ...] = (
    Factor("actual_loss", gettext_lazy("實際損失"), 30, gettext_lazy("客戶直接的金錢或物品損失")),
    Factor("time_cost", gettext_lazy("時間成本"), 20, gettext_lazy("處理問題所花費的時間價值")),
    Factor(
        "emotional_distress",
        gettext_lazy("精神損害"),
        30,
        gettext_lazy("造成的不便與負面情緒"),
    ),
    Factor("trust_loss", gettext_lazy("信任損害"), 20, gettext_lazy("對院所信任度的影響")),
)
FACTOR_CODES: tuple[str, ...] = tuple(f.code for f in FACTORS)
assert sum(f.weight for f in FACTORS) == 100


class Level(models.TextChoices):
    MINOR = "minor", gettext_lazy("輕微")
    MODERATE = "moderate", gettext_lazy("中度")
    SEVERE = "severe", gettext_lazy("嚴重")


# Scores from these values up belong to the level: minor < 35 ≤ moderate < 70 ≤ severe.
MODERATE_FROM = 35
SEVERE_FROM = 70

# The abuse guard (003 excerpt Q1, domain.md §4): this many compensated complaints of one
# customer within the window flags the customer for review.
ABUSE_COMPLAINTS = 3
ABUSE_WINDOW_DAYS = 365

# A payout above this (NT$), or any payout on a grade-A case, needs a signed settlement (和解書)
# recorded before it is marked paid.
SETTLEMENT_ABOVE = 10_000
SETTLEMENT_GRADES = frozenset({"A"})

VALUE_MAX = 9_999_999  # NT$; a sanity bound for typed amounts


def score_compute(ratings: dict[str, int]) -> int:
    """Σ weight × rating / 5 × 100, rounded half up: 0–100. Raises ValueError on a missing
    factor or a rating outside 0–5."""
    total = Decimal(0)
    for factor in FACTORS:
        rating = ratings.get(factor.code)
        if rating is None or not RATING_MIN <= int(rating) <= RATING_MAX:
            raise ValueError(f"{factor.code} must be rated {RATING_MIN}–{RATING_MAX}")
        total += Decimal(factor.weight) * Decimal(int(rating)) / Decimal(RATING_MAX)
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def level_for(score: int) -> Level:
    if score >= SEVERE_FROM:
        return Level.SEVERE
    if score >= MODERATE_FROM:
        return Level.MODERATE
    return Level.MINOR


def level_range(level: str) -> str:
    return {
        Level.MINOR: f"0–{MODERATE_FROM - 1}",
        Level.MODERATE: f"{MODERATE_FROM}–{SEVERE_FROM - 1}",
        Level.SEVERE: f"{SEVERE_FROM}–100",
    }[Level(level)]


def settlement_required(*, grade: str, value: int, case_total: int) -> bool:
    """A grade-A case's payout of any value, or any payout on a case whose granted total (with
    this one) is above the threshold. A compensation worth nothing (an apology, priority
    booking) settles no dispute over money."""
    return value > 0 and (grade in SETTLEMENT_GRADES or max(value, case_total) > SETTLEMENT_ABOVE)


# --- offers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferDraft:
    """One option for the customer: a refund part and a benefit part (gift, service, discount or
    extra payment), both NT$, and what is given beyond money (an apology, priority booking)."""

    kind: str
    title: str
    description: str
    refund_amount: int
    benefit_value: int

    @property
    def value(self) -> int:
        return self.refund_amount + self.benefit_value


class OfferKind(models.TextChoices):
    APOLOGY_DISCOUNT = "apology_discount", gettext_lazy("書面致歉＋折扣優惠")
    APOLOGY_PRIORITY = "apology_priority", gettext_lazy("書面致歉＋優先預約")
    REFUND_GIFT = "refund_gift", gettext_lazy("部分退費＋等值贈品")
    REFUND_SERVICE = "refund_service", gettext_lazy("部分退費＋等值服務")
    FULL_REFUND_EXTRA = "full_refund_extra", gettext_lazy("全額退費＋額外補償")
    FREE_SESSION = "free_session", gettext_lazy("免費療程")
    EXCLUSIVE_EVENT = "exclusive_event", gettext_lazy("專屬活動邀請")
    OTHER = "other", gettext_lazy("其他")


# The percentages of the affected amount each level's options use (003 excerpt, 分級補償機制).
MINOR_DISCOUNTS = (10, 20)  # % off the next purchase, with a written apology
MODERATE_REFUNDS = (30, 40, 50)  # % refunded, plus a gift or service of the same value
SEVERE_EXTRAS = (50, 75, 100)  # % paid on top of a full refund, with a manager's apology


def _pct(amount: int, percent: int) -> int:
    return int((Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ntd(value: int) -> str:
    return f"NT${value:,}"


def offers_suggest(*, level: str, amount: int, session_value: int = 0) -> list[OfferDraft]:
    """2–3 options for the level, priced from the affected amount (NT$, 0 when unknown).

    `session_value` is one session of the affected package (its price over its sessions), used
    to price a free session; 0 when the purchase is not a package.
    """
    level = Level(level)
    if level == Level.MINOR:
        low, high = MINOR_DISCOUNTS
        return [
            OfferDraft(
                OfferKind.APOLOGY_DISCOUNT,
                _("書面致歉＋下次消費 %(p)d%% 折扣") % {"p": low},
                _("由院所寄出書面致歉函；下次消費折抵 %(value)s（受影響消費的 %(p)d%%）。")
                % {"value": _ntd(_pct(amount, low)), "p": low},
                0,
                _pct(amount, low),
            ),
            OfferDraft(
                OfferKind.APOLOGY_DISCOUNT,
                _("書面致歉＋下次消費 %(p)d%% 折扣") % {"p": high},
                _("由院所寄出書面致歉函；下次消費折抵 %(value)s（受影響消費的 %(p)d%%）。")
                % {"value": _ntd(_pct(amount, high)), "p": high},
                0,
                _pct(amount, high),
            ),
            _minor_third(session_value),
        ]
    if level == Level.MODERATE:
        drafts = []
        benefits = (
            (OfferKind.REFUND_GIFT, _("等值贈品"), _("保健產品或療程加購，價值 %(value)s")),
            (OfferKind.REFUND_SERVICE, _("等值服務"), _("免費療程或加值服務，價值 %(value)s")),
            (
                OfferKind.REFUND_GIFT,
                _("等值贈品＋優先預約"),
                _("保健產品或療程加購，價值 %(value)s；並享未來三個月優先預約"),
            ),
        )
        for percent, (kind, benefit, text) in zip(MODERATE_REFUNDS, benefits, strict=True):
            refund = _pct(amount, percent)
            drafts.append(
                OfferDraft(
                    kind,
                    _("部分退費 %(p)d%%＋%(benefit)s") % {"p": percent, "benefit": benefit},
                    _("退還受影響消費的 %(p)d%%（%(refund)s）；%(text)s。")
                    % {
                        "p": percent,
                        "refund": _ntd(refund),
                        "text": text % {"value": _ntd(refund)},
                    },
                    refund,
                    refund,
                )
            )
        return drafts
    drafts = []
    extras = (
        _("額外補償（現金或禮券）"),
        _("額外補償（免費療程）"),
        _("額外補償（禮券）＋專屬活動邀請"),
    )
    for percent, extra in zip(SEVERE_EXTRAS, extras, strict=True):
        value = _pct(amount, percent)
        drafts.append(
            OfferDraft(
                OfferKind.FULL_REFUND_EXTRA,
                _("全額退費＋額外 %(p)d%%") % {"p": percent},
                _(
                    "全額退還 %(refund)s；%(extra)s %(value)s（受影響消費的 %(p)d%%）；"
                    "由主管親自致電或當面致歉。"
                )
                % {"refund": _ntd(amount), "extra": extra, "value": _ntd(value), "p": percent},
                amount,
                value,
            )
        )
    return drafts


def _minor_third(session_value: int) -> OfferDraft:
    """The non-monetary option of a minor case: a free session of the affected package when
    there is one, otherwise priority booking."""
    if session_value:
        return OfferDraft(
            OfferKind.FREE_SESSION,
            _("書面致歉＋免費療程一堂"),
            _("由院所寄出書面致歉函；加贈同療程一堂（價值 %(value)s）。")
            % {"value": _ntd(session_value)},
            0,
            session_value,
        )
    return OfferDraft(
        OfferKind.APOLOGY_PRIORITY,
        _("書面致歉＋優先預約"),
        _("由院所寄出書面致歉函；未來三個月預約享優先安排時段（非金錢補償）。"),
        0,
        0,
    )
