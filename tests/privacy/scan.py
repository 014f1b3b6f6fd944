"""The Done-when's search: every text column of every table, and the message and media
folders, for a name and the ways a phone is written."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from django.apps import apps
from django.db import models

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def table_hits(needles: tuple[str, ...]) -> set[tuple[str, int, str]]:
    """(model label, the row's record id, column) of every text cell holding a needle."""
    hits = set()
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        # A history row reports the id of the record it copies.
        id_name = "id" if hasattr(model, "history_id") else model._meta.pk.attname
        for column in columns:
            for row_id, value in model._base_manager.values_list(id_name, column):
                text = (
                    json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                )
                if any(n in (text or "") for n in needles):
                    hits.add((model._meta.label, row_id, column))
    return hits


def row_complaint(label: str, row_id: int) -> int | None:
    """The complaint a hit's row belongs to, if any."""
    model = apps.get_model(label)
    if label in ("complaints.Complaint", "complaints.HistoricalComplaint"):
        return row_id
    id_name = "id" if hasattr(model, "history_id") else model._meta.pk.attname
    names = {f.name for f in model._meta.concrete_fields}
    row = model._base_manager.filter(**{id_name: row_id})
    if "complaint" in names:
        return row.values_list("complaint_id", flat=True).first()
    if "compensation" in names:
        return row.values_list("compensation__complaint_id", flat=True).first()
    return None


def mail_texts(directory: Path) -> list[str]:
    texts = []
    for path in directory.glob("*") if directory.is_dir() else []:
        for chunk in path.read_bytes().split(SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            body = message.get_body(("plain",))
            texts.append(
                f"{message['subject']} {message['to']} {body.get_content() if body else ''}"
            )
    return texts


def file_hits(directory: Path, needles: tuple[str, ...]) -> list[str]:
    hits = []
    for path in directory.rglob("*") if directory.is_dir() else []:
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            if any(n in text for n in needles):
                hits.append(path.name)
    return hits
