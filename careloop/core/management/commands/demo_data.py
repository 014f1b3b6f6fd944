"""`python manage.py demo_data`: demo clinics, staff and customers for an empty database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from careloop.core.demo import DEFAULT_SEED, demo_load


class Command(BaseCommand):
    help = "載入示範資料（院所、員工帳號、客戶與一年的記錄）；已有客戶資料時不變更。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=500, help="客戶人數（預設 500）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="亂數種子")

    def handle(self, *args: Any, customers: int, seed: int, **options: Any) -> None:
        demo_load(customers=customers, seed=seed, stdout=self.stdout)
