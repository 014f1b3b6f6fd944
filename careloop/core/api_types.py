"""The shapes every API operation takes at its edge, so that no number or text reaches the
database that it cannot hold (a page offset past 2^63 was a server error on six lists; an id in
a path the same): each is refused with 422 and its field, in zh-Hant, before a handler runs.
Text is checked for the same reason in front of the API (`api_edge.py`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Every database we run stores a signed 64-bit integer; no list pages anywhere near 2^31.
ID_MAX = 2**63 - 1
OFFSET_MAX = 2**31 - 1

# A row's id in a path: /compensations/{compensation_id}.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
# How many rows a list skips: ?offset=.
Offset = Annotated[int, Field(ge=0, le=OFFSET_MAX)]
