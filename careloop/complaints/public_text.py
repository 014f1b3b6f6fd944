"""What the public status page may say about each stage: the stage and the next step, no more."""

from django.utils.translation import gettext as _

from careloop.complaints.models import State


def next_step_for(state: str) -> str:
    steps = {
        State.RECEIVED: _("我們已收到您的意見，客服人員將確認內容並指派專人處理。"),
        State.INVESTIGATING: _("專人正在了解事情經過，必要時會與您聯繫。"),
        State.SOLUTION_REVIEW: _("處理方案正由主管審核中。"),
        State.EXECUTING: _("處理方案已核准，正在執行中。"),
        State.COMMUNICATING: _("我們將與您聯繫，說明調查結果與處理方案。"),
        State.FOLLOW_UP: _("我們將於近日再與您聯繫，確認您對處理結果是否滿意。"),
        State.CLOSED: _("本案已處理完畢，感謝您的寶貴意見。"),
        State.ARCHIVED: _("本案已處理完畢，感謝您的寶貴意見。"),
    }
    return steps.get(state, "")
