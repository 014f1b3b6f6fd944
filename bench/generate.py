"""The chain-5y dataset (shared/spec/scale.md): five years of a 30-branch chain, generated
deterministically from a seed, in minutes.

    .venv/bin/python -m bench.generate --var DIR [--scale 1.0] [--seed 20261123] [--force-empty]

The database is SQLite at DIR/careloop.sqlite3, or PostgreSQL when DATABASE_URL says so. The
command migrates it, refuses one that already has customers (exit 2; `--force-empty` starts
it over: the SQLite file is deleted, PostgreSQL's public schema dropped), loads, and writes
DIR/manifest.json: the counts, the time each part took, and the fixtures the benchmark uses
(logins, a phone number to search, a customer with 50 interactions, an open case …). Every
login's password is "bench-pass".

The load itself is `bench.gen_load.load()`, which a test can call in-process. Speed is the
point, so it bypasses the ORM: rows are drawn in Python from
`random.Random(seed)` streams and written by raw SQL in large batches (`gen_writer.py`). No
change history is written for the bulk rows — django-simple-history's tables stay empty, as
they would be after an import — and no service is called per row; instead each column is
filled the way the services fill it (E.164 phones, 客戶編號 and 客訴編號 with their counters
left where the next number follows, deadlines from the app's own `deadlines_compute`,
`sessions_remaining` from the uses). The five years end at the moment of the load (or
`--now`): the same seed and moment give the same rows; another moment gives the same counts
and shape with other details, since days and holidays fall differently.

Also written: the read log of the last 90 days (`gen_access.py`) and a few hundred
data-subject requests (`gen_privacy.py`).

Skipped: loyalty (not built yet), compensation (and so its grants.Grant rows: a generated
compensation would need its Grant, with Compensation.grant_id set), surveys, reply logs,
messages, notifications, evidence files, and the history tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.gen_base import DEFAULT_SEED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--var", required=True, type=Path, help="folder for careloop.sqlite3 and manifest.json"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is chain-5y (default)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    parser.add_argument(
        "--force-empty", action="store_true", help="start the database over before loading"
    )
    parser.add_argument(
        "--now",
        type=_moment,
        default=None,
        help="the moment the five years end (ISO 8601, Asia/Taipei unless an offset is given);"
        " default: the moment of the load. The same seed and --now give the same rows.",
    )
    args = parser.parse_args(argv)
    var = args.var.resolve()
    var.mkdir(parents=True, exist_ok=True)
    # The product's own settings (Argon2, WAL…), not a test's; the data lives under --var.
    os.environ["DJANGO_SETTINGS_MODULE"] = "careloop.settings"
    os.environ["CARELOOP_VAR_DIR"] = str(var)
    import django

    django.setup()
    from django.core.management import call_command

    # Imported once Django is set up: these modules import the models.
    from bench.gen_load import NotEmpty, load
    from careloop.customers.models import Customer

    if args.force_empty:
        _start_over()
    call_command("migrate", interactive=False, verbosity=0)
    refusal = (
        "bench.generate loads only into an empty database. Use --force-empty to delete it and "
        "start over, or another --var / DATABASE_URL."
    )
    if Customer.objects.exists():
        print(f"The database already has customers. {refusal}", file=sys.stderr)
        return 2
    try:
        manifest = load(scale=args.scale, seed=args.seed, now=args.now)
    except NotEmpty as exc:
        print(f"{str(exc).capitalize()}. {refusal}", file=sys.stderr)
        return 2
    path = var / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    for table, n in manifest["counts"].items():
        print(f"  {table:45} {n:>12,}")
    print(f"manifest: {path}")
    return 0


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Taipei"))
    return moment


def _start_over() -> None:
    from django.db import connection

    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        connection.close()
        for path in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
            path.unlink(missing_ok=True)
        print(f"deleted {name}")
    else:
        # flush would also empty the rows the migrations seed (roles, natures, deadline
        # policies, reply templates); a new schema gets them back from migrate.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        print("dropped and recreated the public schema")


if __name__ == "__main__":
    sys.exit(main())
