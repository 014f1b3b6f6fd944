"""Real files for upload tests, made in the test: the app checks a file by its content."""

import io

from pypdf import PdfWriter


def pdf_bytes() -> bytes:
    """A one-page PDF, as a scanner or a phone would send."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
