"""The small pattern language of the avoid-list, so one entry catches a phrase's variants.

    這是公司規定                    the words themselves
    保證…絕不會再發生                …  (or ...) any text in between, within one sentence, up to 20
                                       characters: 「保證以後絕不會再發生」
    應該是(物流|其他部門)的責任       (甲|乙) either wording; full-width （｜） work too
    其他客人都沒(有|)…問題            (有|) an optional word

Everything else is matched as written (Latin letters ignoring case; a space matches any
spacing or none). A pattern needs at least
two fixed characters, so that no entry can flag every reply.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext as _

GAP = "[^。！？!?\\n]{0,20}?"
_GAP_TOKENS = ("…", "...", "⋯")
_OPEN = "(（"
_CLOSE = ")）"
_BAR = "|｜"
MIN_FIXED_CHARS = 2


class PatternError(ValueError):
    """A pattern an administrator typed that cannot be used; the message is zh-Hant."""


def _parse(text: str, pos: int, depth: int) -> tuple[list[list[str]], int, int]:
    """Parse alternatives until a closing bracket or the end: (alternatives, pos, fixed)."""
    alternatives: list[list[str]] = [[]]
    fixed_per_alternative = [0]
    while pos < len(text):
        gap = next((t for t in _GAP_TOKENS if text.startswith(t, pos)), None)
        char = text[pos]
        if gap:
            alternatives[-1].append(GAP)
            pos += len(gap)
        elif char in _OPEN:
            inner, pos, fixed = _parse(text, pos + 1, depth + 1)
            alternatives[-1].append("(?:" + "|".join("".join(a) for a in inner) + ")")
            fixed_per_alternative[-1] += fixed
        elif char in _CLOSE:
            if depth == 0:
                raise PatternError(_("括號沒有成對，請檢查「(」與「)」。"))
            return alternatives, pos + 1, min(fixed_per_alternative)
        elif char in _BAR:
            if depth == 0:
                raise PatternError(_("「|」只能用在括號裡，例如「(物流|其他部門)」。"))
            alternatives.append([])
            fixed_per_alternative.append(0)
            pos += 1
        elif char in "/／":
            raise PatternError(
                _("多種寫法請用括號與「|」表示，例如「應該是(物流|其他部門)的責任」。")
            )
        elif char.isspace():
            if alternatives[-1] and alternatives[-1][-1] != r"\s*":
                alternatives[-1].append(r"\s*")
            pos += 1
        else:
            alternatives[-1].append(re.escape(char))
            fixed_per_alternative[-1] += 1
            pos += 1
    if depth:
        raise PatternError(_("括號沒有成對，請檢查「(」與「)」。"))
    return alternatives, pos, min(fixed_per_alternative)


@lru_cache(maxsize=512)
def pattern_compile(phrase: str) -> re.Pattern[str]:
    """The regular expression for an avoid-list phrase; raises PatternError (zh-Hant)."""
    phrase = phrase.strip()
    if not phrase:
        raise PatternError(_("請輸入應避免的用語。"))
    alternatives, _pos, fixed = _parse(phrase, 0, 0)
    if fixed < MIN_FIXED_CHARS:
        raise PatternError(_("用語至少要有兩個固定的字，以免每則回覆都被標示。"))
    body = "".join(alternatives[0])
    # A trailing gap would only stretch the mark over the words after the phrase.
    while body.endswith(GAP):
        body = body[: -len(GAP)]
    while body.startswith(GAP):
        body = body[len(GAP) :]
    return re.compile(body, re.IGNORECASE)
