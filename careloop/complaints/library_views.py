"""案例資料庫 pages (/complaints/library/): search of closed cases, and cases like a given one.

One URL, read-only. `?q=&nature=&department=&branch=&page=` searches; `?like=<客訴編號>` lists
the cases most like that case; `?like=<客訴編號>&panel=1` from htmx answers the case page's
「相似案例」 panel only. The search form re-renders with htmx (`hx-select` takes the results
out of the whole page), and works as a plain GET form without JavaScript.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from careloop.access.models import ReadKind
from careloop.access.recorder import reads_record
from careloop.accounts.permissions import Capability, require
from careloop.complaints.library import (
    LIBRARY_PAGE_SIZE,
    SIMILAR_MAX,
    SIMILAR_PANEL_SIZE,
    LibraryFilters,
    LibraryResults,
    LibrarySearchForm,
    library_search,
    library_similar,
)
from careloop.complaints.selectors import complaint_get_for_user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_GET
def complaint_library(request: HttpRequest) -> HttpResponse:
    """案例資料庫: past cases with their solutions and outcomes."""
    require(request.user, Capability.COMPLAINT_VIEW)
    like = request.GET.get("like", "").strip()
    if like:
        return _similar(request, like)
    form = LibrarySearchForm(request.GET or None, user=request.user)
    if not form.is_bound:
        results = library_search(user=request.user, filters=LibraryFilters())
    elif form.is_valid():
        results = library_search(user=request.user, filters=form.filters())
    else:  # the errors show beside their fields; nothing is searched
        results = LibraryResults(mode="recent", query="", ranked=[])
    page = Paginator(results, LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    reads_record(request, [h.complaint.customer_id for h in page], kind=ReadKind.LIST)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "form": form,
        "results": results,
        "page": page,
        "hits": page.object_list,
        "query_string": query_string.urlencode(),
    }
    return render(request, "complaints/library.html", context)


def _similar(request: HttpRequest, number: str) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, number=number)  # 404 outside
    if request.GET.get("panel") and _is_htmx(request):
        hits = library_similar(complaint=complaint, user=request.user, limit=SIMILAR_PANEL_SIZE)
        reads_record(request, [h.complaint.customer_id for h in hits], kind=ReadKind.LIST)
        context = {"c": complaint, "similar_hits": hits}
        return render(request, "complaints/partials/library_similar.html", context)
    hits = library_similar(complaint=complaint, user=request.user, limit=SIMILAR_MAX)
    reads_record(request, [h.complaint.customer_id for h in hits], kind=ReadKind.LIST)
    form = LibrarySearchForm(user=request.user)
    return render(
        request, "complaints/library.html", {"form": form, "like": complaint, "hits": hits}
    )
