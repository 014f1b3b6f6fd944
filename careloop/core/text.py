"""Text as people type it, made safe to show: characters that cannot be seen but change what is
shown — a right-to-left override turns 「王小明」 into a name that reads backwards, zero-width
spaces make two identical-looking names differ — are taken out of names."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

# Bidirectional controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM) and zero-width
# characters (ZWSP ZWNJ ZWJ, word joiner, BOM). No Chinese or Latin name needs any of them.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
        "\u200b\u200c\u200d\u2060\ufeff",
    )
)


def name_clean(text: str) -> str:
    """A person's name without invisible characters and surrounding spaces."""
    return text.translate(_INVISIBLE).strip()


# About two printed pages of Chinese: a note, a description, a reply. Longer text is a paste
# gone wrong (a 200,000-character note took a PDF seven seconds), refused beside its field.
NOTE_MAX = 5000
note_length = MaxLengthValidator(
    NOTE_MAX, message=_("內容最多 %(limit_value)s 字（目前 %(show_value)s 字）。")
)
