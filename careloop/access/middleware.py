"""Writes each request's reads of personal data with one INSERT as its answer leaves
(`recorder.py`). Placed after authentication, so the reader is known; the API's token user is
set on the request by the time the answer comes back through here.

A failure to write the reads is not swallowed: the request answers 500 instead of handing out
a record that left no trace (the page's body has not been sent yet)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from careloop.access.recorder import reads_buffer_open, reads_flush


class ReadLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads_buffer_open(request)
        response = self.get_response(request)
        reads_flush(request, status=response.status_code)
        return response
