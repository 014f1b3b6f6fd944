"""Files that can name a person: the message logs (var/messages, var/mail) and media uploads.

The database is only part of what an erasure must reach. The SMS/LINE file-log backend
writes JSON lines (messaging/backends.py), Django's file e-mail backend writes whole messages
(headers RFC 2047-encoded, bodies possibly base64), and uploads keep their own bytes. Each
helper decodes before it looks, so an encoded name is found as surely as a plain one.

Nothing here deletes or rewrites a file inside an erasure's transaction: the erasure counts
first (`apply=False`) and changes the files in `transaction.on_commit`, so an erasure that
rolls back leaves every file as it was.
"""

from __future__ import annotations

import email
import email.policy
import fcntl
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction

Mentions = Callable[[str], bool]

# Django's file e-mail backend ends each message with a line of 79 dashes.
_MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
_TEXT_SUFFIXES = {".csv", ".txt", ".json", ".jsonl", ".log", ".tsv", ".html", ".eml"}
_ZIP_SUFFIXES = {".xlsx", ".docx"}


def mail_dir() -> Path | None:
    path = getattr(settings, "EMAIL_FILE_PATH", None)
    return Path(path) if path else None


def message_log_dir() -> Path:
    return Path(getattr(settings, "MESSAGING_LOG_DIR", Path(settings.VAR_DIR) / "messages"))


def after_commit_delete(*, storage_names: Iterable[str] = (), paths: Iterable[Path] = ()) -> int:
    """Delete these files once the current transaction commits (at once outside one);
    answers how many stored files were given."""
    names = sorted(set(storage_names))
    local = list(paths)

    def delete() -> None:
        for name in names:
            default_storage.delete(name)
        for path in local:
            path.unlink(missing_ok=True)

    if names or local:
        transaction.on_commit(delete)
    return len(names)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp950"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def jsonl_scrub(
    path: Path, *, mentions: Mentions, customer_id: int | None = None, apply: bool = True
) -> int:
    """Remove the lines of a JSON-lines log that name the person (or carry their id); with
    apply=False only count them. The file stays locked while it is rewritten, as the backend
    locks it to append."""
    if not path.exists():
        return 0
    removed = 0
    with path.open("r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            kept: list[str] = []
            for line in handle:
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    entry = {}
                # json.loads undoes \\u escapes, so an escaped name is seen too.
                plain = json.dumps(entry, ensure_ascii=False) if entry else line
                ours = customer_id is not None and entry.get("customer_id") == customer_id
                if ours or mentions(plain) or mentions(line):
                    removed += 1
                else:
                    kept.append(line if line.endswith("\n") else line + "\n")
            if removed and apply:
                handle.seek(0)
                handle.writelines(kept)
                handle.truncate()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return removed


def mail_text(chunk: bytes) -> str:
    """A stored e-mail as readable text: decoded headers and decoded body parts."""
    message = email.message_from_bytes(chunk, policy=email.policy.default)
    pieces = [f"{key}: {value}" for key, value in message.items()]
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            content = part.get_content()
        except (LookupError, KeyError, ValueError):
            content = part.get_payload(decode=True) or b""
        pieces.append(content if isinstance(content, str) else _decode(content))
    return "\n".join([chunk.decode("utf-8", errors="replace"), *pieces])


def mail_dir_scrub(*, mentions: Mentions, directory: Path | None = None, apply: bool = True) -> int:
    """Drop the stored e-mails that name the person (with apply=False only count them); a
    file left empty is deleted."""
    directory = directory or mail_dir()
    if directory is None or not directory.is_dir():
        return 0
    removed = 0
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        data = path.read_bytes()
        chunks = [c for c in data.split(_MAIL_SEPARATOR) if c.strip(b"\n")]
        kept = [c for c in chunks if not mentions(mail_text(c))]
        if len(kept) == len(chunks):
            continue
        removed += len(chunks) - len(kept)
        if not apply:
            continue
        if kept:
            path.write_bytes(b"".join(c + _MAIL_SEPARATOR for c in kept))
        else:
            path.unlink()
    return removed


def file_text(path: Path) -> str | None:
    """The searchable text of an upload, or None for a kind we cannot read (PDF, images)."""
    suffix = path.suffix.lower()
    try:
        if suffix in _TEXT_SUFFIXES or path.name.endswith(".checked.json"):
            return _decode(path.read_bytes())
        if suffix in _ZIP_SUFFIXES:
            with zipfile.ZipFile(path) as archive:
                return "\n".join(
                    _decode(archive.read(name))
                    for name in archive.namelist()
                    if name.endswith(".xml")
                )
    except (OSError, zipfile.BadZipFile):
        return None
    return None


def media_files() -> Iterator[Path]:
    root = Path(settings.MEDIA_ROOT)
    if root.is_dir():
        yield from (p for p in root.rglob("*") if p.is_file())


def referenced_files() -> set[str]:
    """Every stored name a FileField of any table refers to (history tables included)."""
    from django.apps import apps

    names: set[str] = set()
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                names |= set(
                    model._base_manager.exclude(**{model_field.attname: ""})
                    .exclude(**{f"{model_field.attname}__isnull": True})
                    .values_list(model_field.attname, flat=True)
                )
    return names


def media_sweep(
    *, mentions: Mentions, protected: set[str], skip: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """Find the readable uploads that name the person. An orphan (no row of any table refers
    to it) is deleted once the erasure commits; one a row refers to is left for review, since
    that row may be another person's (a same-name customer's evidence): the contributors delete
    the person's own files. Files kept under a hold and those already being deleted (`skip`)
    are passed over. Answers (deleted, left), paths relative to MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    skipped = set(skip)
    removed: list[str] = []
    left: list[str] = []
    referenced: set[str] | None = None
    for path in media_files():
        relative = path.relative_to(root).as_posix()
        if relative in protected or relative in skipped:
            continue
        text = file_text(path)
        if text is None or not mentions(text):
            continue
        if referenced is None:
            referenced = referenced_files()
        (left if relative in referenced else removed).append(relative)
    after_commit_delete(storage_names=removed)
    return removed, left
