"""The reply checker (domain.md §5): what to fix in a reply before it goes to the customer.

Four kinds of finding, each with a zh-Hant message and, where it is about some words, the
character spans of those words in the text (Python string offsets, i.e. Unicode code points;
for Chinese text these equal JavaScript's offsets):

- ``avoid-phrase`` — a phrase of the avoid-list (`AvoidPhrase`, read from the database on
  every check, so an administrator's new entry counts at once). Blocks sending.
- ``placeholder`` — an unfilled field: ``{客戶姓名}``, a bracketed field such as ``[顧客姓名]``,
  or filler such as ``XX`` / ``○○``. Blocks sending.
- ``structure`` — a part of a good reply is missing. A warning. The parts, found by Chinese
  keywords (`STRUCTURE` below): thanks at the opening, apology or empathy, the specific issue,
  the solution, prevention, thanks again at the close, a named contact (a staff name or
  signature and a phone number, e-mail address or LINE). A public social-media reply is short
  by design: thanks, apology or empathy, and an invitation to continue in private.
- ``personalisation`` — the customer's name (full name, surname with 先生/小姐/女士…, or given
  name) or the case's specifics are absent. A warning. A fact is present when it appears as
  written or, for a longer text such as the complaint's description, when the reply shares at
  least two of its Chinese two-character words (common words such as 我們/您的 and numbers
  aside).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careloop.replies.patterns import PatternError, pattern_compile
from careloop.replies.placeholders import PLACEHOLDER_NAMES

logger = logging.getLogger(__name__)


class FindingKind(StrEnum):
    AVOID_PHRASE = "avoid-phrase"
    PLACEHOLDER = "placeholder"
    STRUCTURE = "structure"
    PERSONALISATION = "personalisation"


BLOCKING_KINDS = frozenset({FindingKind.AVOID_PHRASE, FindingKind.PLACEHOLDER})
KIND_LABELS = {
    FindingKind.AVOID_PHRASE: gettext_lazy("應避免用語"),
    FindingKind.PLACEHOLDER: gettext_lazy("未填入的欄位"),
    FindingKind.STRUCTURE: gettext_lazy("結構"),
    FindingKind.PERSONALISATION: gettext_lazy("個人化"),
}

Span = tuple[int, int]


@dataclass(frozen=True)
class Finding:
    kind: str
    code: str
    message: str
    spans: tuple[Span, ...] = ()
    suggestion: str = ""

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING_KINDS

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[FindingKind(self.kind)])

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "code": self.code,
            "message": self.message,
            "spans": [list(span) for span in self.spans],
            "suggestion": self.suggestion,
            "blocking": self.blocking,
        }


@dataclass(frozen=True)
class Segment:
    """A run of the text with the findings that mark it (none: plain text)."""

    text: str
    findings: tuple[int, ...] = ()
    kind: str = ""
    title: str = ""


@dataclass(frozen=True)
class CheckResult:
    text: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]

    @property
    def sendable(self) -> bool:
        return not self.blocking

    @property
    def clean(self) -> bool:
        return not self.findings

    def segments(self) -> list[Segment]:
        """The text cut at every span's edge, each piece with the findings that cover it;
        a blocking kind wins the piece's colour over a warning."""
        edges = {0, len(self.text)}
        for finding in self.findings:
            for start, end in finding.spans:
                edges.update((start, end))
        cuts = sorted(edges)
        segments = []
        for start, end in pairwise(cuts):
            covering = tuple(
                i
                for i, f in enumerate(self.findings)
                if any(s <= start and end <= e for s, e in f.spans)
            )
            if not covering:
                segments.append(Segment(self.text[start:end]))
                continue
            chosen = min(covering, key=lambda i: (not self.findings[i].blocking, i))
            title = "；".join(self.findings[i].message for i in covering)
            segments.append(
                Segment(self.text[start:end], covering, self.findings[chosen].kind, title)
            )
        return segments


# --- placeholders ----------------------------------------------------------------------------

_BRACED = re.compile(r"\{([^{}\n]{1,20})\}")
_BRACKETED = re.compile(r"[\[［【]([^\[\]［］【】\n]{1,12})[\]］】]")
_BRACKET_FIELD_WORDS = (
    "姓名",
    "日期",
    "時間",
    "編號",
    "問題",
    "措施",
    "名稱",
    "聯絡",
    "金額",
    "補償",
)
_FILLER = re.compile(r"(?<![A-Za-z])(?:[Xx]{2,}|[○〇]{2,}|＿{2,}|_{3,})(?![A-Za-z])")


def _placeholder_findings(text: str) -> list[Finding]:
    findings = []
    for match in _BRACED.finditer(text):
        name = match.group(1).strip()
        if name in PLACEHOLDER_NAMES:
            message = _("尚未填入「%(name)s」。") % {"name": name}
        else:
            message = _("「%(field)s」不是可用的欄位，請改成實際內容。") % {"field": match.group(0)}
        findings.append(Finding(FindingKind.PLACEHOLDER, "placeholder", message, (match.span(),)))
    for match in _BRACKETED.finditer(text):
        if any(word in match.group(1) for word in _BRACKET_FIELD_WORDS):
            message = _("「%(field)s」看起來是尚未填寫的欄位。") % {"field": match.group(0)}
            findings.append(
                Finding(FindingKind.PLACEHOLDER, "placeholder", message, (match.span(),))
            )
    for match in _FILLER.finditer(text):
        message = _("「%(text)s」看起來是尚未填寫的內容。") % {"text": match.group(0)}
        findings.append(Finding(FindingKind.PLACEHOLDER, "filler", message, (match.span(),)))
    return findings


# --- avoid-list ------------------------------------------------------------------------------


def _avoid_findings(text: str) -> list[Finding]:
    from careloop.replies.models import AvoidCategory, AvoidPhrase

    findings = []
    rows = AvoidPhrase.objects.filter(active=True).values_list(
        "pk", "phrase", "category", "suggestion"
    )
    for pk, phrase, category, suggestion in rows:
        try:
            pattern = pattern_compile(phrase)
        except PatternError:
            logger.warning("avoid phrase %s cannot be used: %r", pk, phrase)
            continue
        label = AvoidCategory(category).label if category in AvoidCategory.values else category
        for match in pattern.finditer(text):
            message = _("「%(words)s」是應避免的用語（%(category)s）。") % {
                "words": match.group(0),
                "category": label,
            }
            findings.append(
                Finding(
                    FindingKind.AVOID_PHRASE,
                    f"avoid:{pk}",
                    message,
                    (match.span(),),
                    suggestion,
                )
            )
    return findings


# --- structure -------------------------------------------------------------------------------

_THANKS = re.compile(r"感謝|謝謝|感恩|多謝")
_APOLOGY = re.compile(
    r"抱歉|歉意|致歉|道歉|對不起|不好意思|理解您|能理解|體諒|體會|感同身受|失望|困擾"
)
_ISSUE = re.compile(r"反映|反應|提到|提及|所述|關於|針對|有關|遇到|發生")
_SOLUTION = re.compile(r"安排|處理|解決|補救|退費|退還|補償|提供|更換|補上|補做|為您")
_PREVENTION = re.compile(
    r"避免|預防|防止|改善|改進|加強|檢討|再次發生|再發生|培訓|訓練|流程|提醒機制"
)
_PRIVATE = re.compile(r"私訊|私下|站內信|私人訊息|來電|致電|與您聯(?:繫|絡)|聯(?:繫|絡)您")
_CONTACT_DETAIL = re.compile(
    r"(?:\(?0\d{1,3}\)?[-\s]?\d{3,4}[-\s]?\d{3,4})|(?:09\d{2}-?\d{3}-?\d{3})|(?:0800-?\d{3}-?\d{3})"
    r"|(?:[\w.+-]+@[\w-]+\.[\w.-]+)|分機|專線|LINE|Line|line"
)
_SIGNATURE = re.compile(r"敬上|謹啟|敬啟|專員|經理|主任|主管|承辦人|客服|我是|院長|治療師")
_OPENING_SHARE = 0.4


@dataclass(frozen=True)
class _Part:
    code: str
    message: str


def _structure_findings(text: str, *, channel: str | None, staff_name: str | None) -> list[Finding]:
    missing: list[_Part] = []
    length = max(len(text), 1)
    thanks = [m.start() for m in _THANKS.finditer(text)]
    opening = [p for p in thanks if p <= length * _OPENING_SHARE]
    if not opening:
        missing.append(_Part("thanks", _("開頭缺少感謝（例如「感謝您撥冗告訴我們」）。")))
    if not _APOLOGY.search(text):
        missing.append(
            _Part("apology", _("缺少道歉或同理（例如「對於造成您的不便，我們深感抱歉」）。"))
        )
    if channel == "social_public":
        if not _PRIVATE.search(text):
            missing.append(
                _Part("private", _("公開回覆請引導至私訊或電話，細節不在公開頁面討論。"))
            )
        return [Finding(FindingKind.STRUCTURE, f"structure:{p.code}", p.message) for p in missing]
    if not _ISSUE.search(text):
        missing.append(_Part("issue", _("未具體說明客戶反映的問題（例如「關於您反映的……」）。")))
    if not _SOLUTION.search(text):
        missing.append(_Part("solution", _("缺少解決方案：我們將如何處理、何時完成。")))
    if not _PREVENTION.search(text):
        missing.append(_Part("prevention", _("缺少預防措施：如何避免再次發生。")))
    closing = [p for p in thanks if p >= length * (1 - _OPENING_SHARE) and p not in opening[:1]]
    if not closing:
        missing.append(_Part("thanks_again", _("結尾缺少再次致謝。")))
    if not _CONTACT_DETAIL.search(text):
        missing.append(_Part("contact", _("缺少聯絡方式（電話、電子郵件或 LINE）。")))
    named = (staff_name and staff_name in text) or (not staff_name and _SIGNATURE.search(text))
    if not named:
        missing.append(_Part("contact_name", _("缺少承辦人姓名，請具名讓客戶知道找誰。")))
    return [Finding(FindingKind.STRUCTURE, f"structure:{p.code}", p.message) for p in missing]


# --- personalisation -------------------------------------------------------------------------

_COMPOUND_SURNAMES = (
    "歐陽", "司馬", "諸葛", "上官", "司徒", "張簡", "范姜", "東方", "夏侯", "皇甫", "慕容", "令狐",
)  # fmt: skip
_HONORIFICS = ("先生", "小姐", "女士", "太太", "媽媽", "爸爸", "阿姨", "伯伯", "同學")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Words any reply or complaint uses; they say nothing about which case a reply is about.
# Two characters each: words any reply or complaint uses, saying nothing about the case.
_STOP_WORDS = (
    "我們您的你們沒有一個這個那個已經可以因為所以但是如果時候什麼自己非常感謝謝謝抱歉"
    "問題希望客戶還是就是不是他們我的一下今天之後以及並且其他目前這次這樣情況能夠需要"
    "相關進行對於造成不便分鐘小時時間明天時段"
)
_STOP_BIGRAMS = frozenset(_STOP_WORDS[i : i + 2] for i in range(0, len(_STOP_WORDS), 2))
# Numbers and amounts say little either (二十分鐘 vs 三十分鐘).
_NUMERALS = frozenset("零一二三四五六七八九十百千萬兩半幾")


def _name_forms(name: str) -> list[str]:
    name = name.strip()
    if not name:
        return []
    if not _CJK.search(name):
        return [name] + [part for part in re.split(r"\s+", name) if len(part) >= 2]
    surname_length = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    surname, given = name[:surname_length], name[surname_length:]
    forms = [name] + [surname + h for h in _HONORIFICS]
    if len(given) >= 2:
        forms.append(given)
    return forms


def _bigrams(text: str) -> set[str]:
    pairs = (text[i : i + 2] for i in range(len(text) - 1))
    return {
        pair
        for pair in pairs
        if _CJK.match(pair[0]) and _CJK.match(pair[1]) and not (_NUMERALS & set(pair))
    } - _STOP_BIGRAMS


def _fact_present(fact: str, text: str) -> bool:
    if fact in text:
        return True
    fact_bigrams = _bigrams(fact)
    if len(fact_bigrams) < 3:
        return False
    return len(fact_bigrams & _bigrams(text)) >= 2


def _personalisation_findings(
    text: str, *, customer_name: str | None, case_facts: Iterable[str], name_placeholder: bool
) -> list[Finding]:
    findings = []
    name = (customer_name or "").strip()
    if name and not name_placeholder:
        lowered = text.lower()
        if not any(form.lower() in lowered for form in _name_forms(name)):
            findings.append(
                Finding(
                    FindingKind.PERSONALISATION,
                    "personalisation:name",
                    _("沒有稱呼客戶的姓名（%(name)s）。") % {"name": name},
                )
            )
    facts = [f.strip() for f in case_facts if f and f.strip()]
    if facts and not any(_fact_present(fact, text) for fact in facts):
        example = facts[-1] if len(facts[-1]) <= 30 else facts[-1][:30] + "…"
        findings.append(
            Finding(
                FindingKind.PERSONALISATION,
                "personalisation:facts",
                _("沒有提到本案的具體內容（例如：%(example)s）。") % {"example": example},
            )
        )
    return findings


# --- the check -------------------------------------------------------------------------------


def reply_check(
    *,
    text: str,
    customer_name: str | None = None,
    case_facts: Iterable[str] = (),
    channel: str | None = None,
    staff_name: str | None = None,
) -> CheckResult:
    """Check a reply before it is sent; one query (the avoid-list).

    `customer_name` and `case_facts` (the case number, the complaint's description…) turn on
    the personalisation checks; `channel` is a template channel (``social_public`` expects a
    short reply that moves to a private channel; personalisation is not asked of it, since a
    public reply should not carry the case's details); `staff_name`, when given, is the name
    the contact part looks for (else any signature such as 專員/敬上).
    """
    text = text or ""
    placeholders = _placeholder_findings(text)
    name_placeholder = any("客戶姓名" in text[s:e] for f in placeholders for s, e in f.spans)
    findings = [
        *_avoid_findings(text),
        *placeholders,
        *_structure_findings(text, channel=channel, staff_name=staff_name),
    ]
    if channel != "social_public":
        findings += _personalisation_findings(
            text,
            customer_name=customer_name,
            case_facts=case_facts,
            name_placeholder=name_placeholder,
        )
    return CheckResult(text=text, findings=tuple(findings))
