"""Files that can name a person: the message logs (var/messages, var/mail) and media uploads.

The database is only part of what an erasure must reach. The SMS/LINE file-log backend
writes JSON lines (messaging/backends.py), Django's file e-mail backend writes whole messages
(headers RFC 2047-encoded, bodies possibly base64), and uploads keep their own bytes. Each
helper decodes before it looks, so an encoded name is found as surely as a plain one.
"""

from __future__ import annotations

import email
import email.policy
import fcntl
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings

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


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp950"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def jsonl_scrub(path: Path, *, mentions: Mentions, customer_id: int | None = None) -> int:
    """Remove the lines of a JSON-lines log that name the person (or carry their id).
    The file stays locked while it is rewritten, as the backend locks it to append."""
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
            if removed:
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


def mail_dir_scrub(*, mentions: Mentions, directory: Path | None = None) -> int:
    """Drop the stored e-mails that name the person; a file left empty is deleted."""
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


def media_sweep(*, mentions: Mentions, protected: set[str]) -> list[str]:
    """Delete every readable upload that names the person, except those kept under a hold.
    Answers the removed paths, relative to MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    removed = []
    for path in media_files():
        relative = path.relative_to(root).as_posix()
        if relative in protected:
            continue
        text = file_text(path)
        if text is not None and mentions(text):
            path.unlink(missing_ok=True)
            removed.append(relative)
    return removed
