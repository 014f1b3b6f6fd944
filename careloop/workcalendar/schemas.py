"""Shapes of the working-day calendar API. Payloads are loose, as in the customer API: the
forms in `forms.py` check the values, so the API and the page give the same zh-Hant messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from careloop.customers.schemas import BranchOut, IdLike, Payload, StaffOut


class RangeQuery(Schema):
    date_from: str = Field("", description="開始日期 YYYY-MM-DD；預設今天")
    date_to: str = Field(
        "", description="結束日期 YYYY-MM-DD（含）；預設開始日期起 90 天，一次最多 366 天"
    )
    branch: str = Field(
        "",
        description="院所 ID。停診日與加開工作天清單：只列適用此院所者（該院所的與全院區的），"
        "未填列出全部；工作天：依此院所的行事曆，未填只套用全院區設定",
    )


class EntryIn(Payload):
    date: str | None = Field(None, description="日期 YYYY-MM-DD（必填）")
    branch: IdLike = Field(None, description="院所 ID；未填或 null 表示全院區")
    reason: str | None = Field(None, description="原因（必填），最多 200 字")


class ClosureIn(EntryIn):
    kind: str | None = Field(
        None, description="類別（必填）：typhoon 颱風假 / clinic_closure 院所停診 / other 其他"
    )


class EntryOut(Schema):
    id: int = Field(..., description="編號")
    date: dt.date = Field(..., description="日期")
    branch: BranchOut | None = Field(None, description="院所；null 表示全院區")
    chain_wide: bool = Field(..., description="是否為全院區設定")
    reason: str = Field(..., description="原因")
    created_by: StaffOut = Field(..., description="建立者")
    created_at: dt.datetime = Field(..., description="建立時間")

    @staticmethod
    def resolve_chain_wide(obj: Any) -> bool:
        return obj.branch_id is None


class ClosureOut(EntryOut):
    kind: str = Field(..., description="類別代碼：typhoon / clinic_closure / other")
    kind_label: str = Field(..., description="類別名稱，例如「颱風假」")

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return obj.get_kind_display()


class ExtraWorkingDayOut(EntryOut):
    pass


class DayOut(Schema):
    date: dt.date = Field(..., description="日期")
    weekday: str = Field(..., description="星期，例如「一」")
    is_working: bool = Field(..., description="是否為工作天")
    source: str = Field(
        ...,
        description="判定依據：weekday 平日 / weekend 週末 / national_holiday 國定假日 / "
        "makeup_workday 補行上班日 / closure 停診 / extra_working_day 加開工作天",
    )
    source_label: str = Field(..., description="判定依據名稱")
    reason: str = Field(
        ..., description="國定假日名稱、「補行上班日」、停診或加開工作天的原因；平日與週末為空字串"
    )


class WorkingDaysOut(Schema):
    branch: int | None = Field(None, description="院所 ID；null 表示只套用全院區設定")
    date_from: dt.date = Field(..., description="開始日期")
    date_to: dt.date = Field(..., description="結束日期（含）")
    working_days: int = Field(..., description="期間內的工作天數")
    days: list[DayOut] = Field(..., description="期間內每一天")
