"""After a restore from a backup: erase again every customer erased since the given moment."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from careloop.privacy.erasure import erasures_reapply


class Command(BaseCommand):
    help = "Re-apply the erasures made since --since (ISO date or moment) after a restore."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", required=True, help="e.g. 2026-12-01 or 2026-12-01T09:00+08:00"
        )

    def handle(self, *args: object, **options: str) -> None:
        raw = options["since"]
        try:
            since = dt.datetime.fromisoformat(raw)
        except ValueError as exc:
            raise CommandError(f"--since takes an ISO date or moment, not {raw!r}") from exc
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        outcomes = erasures_reapply(since=since)
        for number, outcome in outcomes:
            self.stdout.write(f"{number}\t{outcome}")
        reapplied = sum(1 for _, outcome in outcomes if outcome == "reapplied")
        self.stdout.write(f"{reapplied} of {len(outcomes)} erasures re-applied")
