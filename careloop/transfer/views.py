"""Import and export pages. Thin: parse with forms, call services and selectors, render."""

from __future__ import annotations

import contextlib
import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from careloop.access.recorder import reads_record_all
from careloop.accounts.permissions import Capability, require, user_can
from careloop.customers.forms import CustomerFilterForm
from careloop.customers.selectors import customer_search
from careloop.transfer import services
from careloop.transfer.columns import (
    FIELDS,
    GROUP_LABELS,
    TEMPLATE_EXAMPLE,
    TEMPLATE_HEADERS,
    mapping_propose,
)
from careloop.transfer.exporting import csv_stream, export_provenance, export_rows, xlsx_write
from careloop.transfer.forms import ExportForm, MappingForm, UploadForm, export_filters
from careloop.transfer.models import ExportFormat, ImportStatus
from careloop.transfer.selectors import (
    export_logs_visible_to,
    import_job_get_for_user,
    import_jobs_recent,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.CUSTOMER_EDIT)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(upload=form.cleaned_data["file"], by=request.user)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("transfer:import_mapping", job_id=job.pk)
    context = {
        "form": form,
        "fields": FIELDS,
        "group_labels": GROUP_LABELS,
        "jobs": import_jobs_recent(user=request.user),
    }
    return render(
        request,
        "transfer/import_upload.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


@login_required
def import_mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get_for_user(user=request.user, job_id=job_id)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED):
        return redirect("transfer:import_job", job_id=job.pk)
    initial = {f"col_{k}": str(v) for k, v in (job.mapping or mapping_propose(job.headers)).items()}
    initial["update_existing"] = job.update_existing
    form = MappingForm(request.POST or None, headers=job.headers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_job_map(
                job=job,
                mapping=form.mapping(),
                update_existing=form.cleaned_data["update_existing"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("transfer:import_job", job_id=job.pk)
    return render(
        request,
        "transfer/import_mapping.html",
        {"form": form, "job": job},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's page; its progress panel re-polls itself every second while it runs."""
    job = import_job_get_for_user(user=request.user, job_id=job_id)
    return render(request, "transfer/import_job.html", {"job": job})


@login_required
@require_GET
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get_for_user(user=request.user, job_id=job_id)
    return render(request, "transfer/partials/progress.html", {"job": job})


@login_required
@require_POST
def import_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get_for_user(user=request.user, job_id=job_id)
    # A job that cannot be imported is left as it is; its page says why.
    with contextlib.suppress(ValidationError):
        services.import_job_confirm(job=job, by=request.user)
    return redirect("transfer:import_job", job_id=job.pk)


@login_required
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    require(request.user, Capability.CUSTOMER_EDIT)
    if fmt not in ExportFormat.values:
        raise Http404
    rows = [TEMPLATE_HEADERS, TEMPLATE_EXAMPLE]
    if fmt == ExportFormat.XLSX:
        response = FileResponse(
            xlsx_write(rows),
            as_attachment=True,
            filename="客戶匯入範本.xlsx",
            content_type=XLSX_TYPE,
        )
        return response
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(rows)
    response = HttpResponse(buffer.getvalue().encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "客戶匯入範本.csv")
    return response


def _export_allowed(request: HttpRequest) -> None:
    if not user_can(request.user, Capability.CUSTOMER_EXPORT):
        raise PermissionDenied(services.EXPORT_REFUSED)


def _export_page(
    request: HttpRequest, export_form: ExportForm, *, status: int = 200
) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None, user=request.user)
    filters, _logged = export_filters(form)
    count = customer_search(user=request.user, filters=filters).count()
    query_string = request.GET.copy()
    query_string.pop("format", None)
    return render(
        request,
        "transfer/export.html",
        {
            "form": form,
            "export_form": export_form,
            "count": count,
            "query_string": query_string.urlencode(),
        },
        status=status,
    )


@login_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    _export_allowed(request)
    return _export_page(request, ExportForm())


@login_required
@require_POST
def export_download(request: HttpRequest) -> HttpResponse:
    """The file itself, for the list's filters (the query string) and a stated purpose (the
    form); the export is logged before the first byte leaves, and the file says who, when, why."""
    _export_allowed(request)
    export_form = ExportForm(request.POST)
    if not export_form.is_valid():
        return _export_page(request, export_form, status=422)
    fmt, purpose = export_form.cleaned_data["format"], export_form.cleaned_data["purpose"]
    form = CustomerFilterForm(request.GET or None, user=request.user)
    filters, logged = export_filters(form)
    customers = customer_search(user=request.user, filters=filters)
    log = services.export_log_record(
        by=request.user, filters=logged, fmt=fmt, rows=customers.count(), purpose=purpose
    )
    reads_record_all(request, customers)  # one read per customer in the file, in batches
    provenance = export_provenance(log)
    stamp = timezone.localtime(log.created_at).strftime("%Y%m%d-%H%M")
    if fmt == ExportFormat.CSV:
        response = StreamingHttpResponse(
            csv_stream(export_rows(customers), provenance=provenance),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
        return response
    return FileResponse(
        xlsx_write(export_rows(customers), provenance=provenance),
        as_attachment=True,
        filename=f"customers-{stamp}.xlsx",
        content_type=XLSX_TYPE,
    )


@login_required
@require_GET
def export_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(export_logs_visible_to(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "transfer/export_log.html", {"page": page})
