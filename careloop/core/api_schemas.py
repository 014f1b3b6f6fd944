"""Answers every app's API shares."""

from ninja import Field, Schema


class RefusedOut(Schema):
    """409: the rule that refused the request, in the words the page shows."""

    detail: str = Field(..., description="第一個拒絕理由（繁體中文；依 SOP 的規則引用其條文）")
    reasons: list[str] = Field(
        ...,
        description="全部拒絕理由，例如「PT-P020 5.6.2：尚有 2 項行動項目未完成」",
    )
