"""HTML template → PDF bytes, for every printed form.

Fonts come from the system (Debian's fonts-noto-cjk) through CSS font-family, and WeasyPrint
embeds the glyphs it uses, so a PDF prints the same on any machine. Stylesheets and images are
read from this app's static folder only: a form never fetches anything over the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Relative links in the templates (`printing/print.css`) resolve against this folder.
BASE_URL = STATIC_DIR.as_uri() + "/"


def pdf_render(
    *, template: str, context: dict[str, Any], request: HttpRequest | None = None
) -> bytes:
    """Render a print template to PDF bytes (A4, page size and margins set by its CSS)."""
    return html_to_pdf(render_to_string(template, context, request=request))


def html_to_pdf(html: str) -> bytes:
    # file: for this app's stylesheets, data: for inline images; never http(s).
    fetcher = URLFetcher(allowed_protocols=("file", "data"))
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
