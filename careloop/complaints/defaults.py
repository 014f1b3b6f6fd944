"""The SOP's own values, used by the seed migration and to restore them in an emptied database."""

from __future__ import annotations

from django.db import transaction

NATURES = [
    ("service_quality", "服務質量"),
    ("staff_attitude", "人員態度"),
    ("facilities", "設施問題"),
    ("safety", "安全問題"),
    ("billing", "收費問題"),
    ("efficacy", "療效問題"),
    ("other", "其他"),
]
# grade: (start within, unit, resolution within N working days) — PT-P020 §3.3
POLICIES = [
    ("A", 24, "hours", 3),
    ("B", 48, "hours", 5),
    ("C", 3, "working_days", 7),
]


def seed_defaults(nature_model, policy_model) -> None:
    for position, (code, name) in enumerate(NATURES):
        nature_model.objects.get_or_create(code=code, defaults={"name": name, "position": position})
    for grade, amount, unit, days in POLICIES:
        policy_model.objects.get_or_create(
            grade=grade,
            defaults={
                "start_amount": amount,
                "start_unit": unit,
                "resolution_working_days": days,
                "follow_up_days": 5,
            },
        )


@transaction.atomic
def complaint_defaults_ensure() -> None:
    """Natures and deadline policies as the SOP states them, keeping any edits."""
    from careloop.complaints.models import DeadlinePolicy, Nature

    seed_defaults(Nature, DeadlinePolicy)
