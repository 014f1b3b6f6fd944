"""Every registered admin, walked: records kept through their services are read-only there,
and no history page posts an earlier version back (core/admin.py)."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from careloop.accounts.models import ApiToken, Branch, Department, Role, User
from careloop.compensation.models import Compensation
from careloop.complaints.models import Complaint, DeadlinePolicy, Nature
from careloop.core.admin import HistoryAdmin
from careloop.core.demo import demo_load
from careloop.customers.models import Customer
from careloop.replies.models import AvoidPhrase, ReplyTemplate
from careloop.surveys.models import Survey
from careloop.treatments.models import Product, Purchase, TreatmentPackage
from careloop.workcalendar.models import Closure, ExtraWorkingDay
from tests.admin_forms import admin_form_posted

pytestmark = pytest.mark.django_db

# What administrators set up in the admin: the chain, its people and its policies. Every other
# registered model is a record kept through its services and must be read-only there; a new
# app's model lands on this list only by a decision written here.
CONFIGURED_IN_ADMIN = {
    Group,
    AccessAttempt,  # django-axes: deleting an attempt lifts a lock-out
    AccessFailureLog,
    AccessLog,
    Branch,
    Department,
    Role,
    User,
    ApiToken,  # revoked here when a key leaks
    TreatmentPackage,
    Product,
    Nature,
    DeadlinePolicy,
    ReplyTemplate,
    AvoidPhrase,
    Closure,  # added and deleted through the calendar's services, never edited
    ExtraWorkingDay,
}


@pytest.fixture
def root(db):
    demo_load(customers=5)
    return User.objects.get(username="admin")


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _row(model, pk):
    return model.objects.filter(pk=pk).values().get()


def test_every_record_kept_through_its_services_is_read_only_in_the_admin(root, client):
    request = RequestFactory().get("/admin/")
    request.user = root
    client.force_login(root)
    records = [m for m in admin.site._registry if m not in CONFIGURED_IN_ADMIN]
    assert {Customer, Purchase, Compensation, Survey, Complaint} <= set(records)
    for model in records:
        model_admin = admin.site._registry[model]
        obj = model.objects.first()
        # the administrator reads the list
        assert client.get(_url(model, "changelist")).status_code == 200, model
        # but adds, changes and deletes nothing
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request, obj), model
        assert not model_admin.has_delete_permission(request, obj), model
        assert client.get(_url(model, "add")).status_code == 403, model
        if obj is not None:
            before = _row(model, obj.pk)
            assert client.post(_url(model, "change", obj.pk), {}).status_code == 403, model
            response = client.post(_url(model, "delete", obj.pk), {"post": "yes"})
            assert response.status_code == 403, model
            assert _row(model, obj.pk) == before, model


def test_no_history_page_posts_an_earlier_version_back(root, client):
    client.force_login(root)
    with_history = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    ]
    walked = set()
    for model, model_admin in with_history:
        assert isinstance(model_admin, HistoryAdmin), model
        pk_name = model._meta.pk.attname
        versions_of_records = model.history.filter(**{f"{pk_name}__in": model.objects.values("pk")})
        version = versions_of_records.order_by("history_date").first()
        if version is None:  # nothing of this kind in the demo (a calendar entry)
            continue
        # Given the earliest version of a record, shown on its history page (a historical
        # row's own pk is history_id: the record's id is under the model's pk name)
        record_id = getattr(version, pk_name)
        url = _url(model, "simple_history", record_id, version.history_id)
        page = client.get(url)
        assert page.status_code == 200, model
        assert 'name="_save"' not in page.content.decode(), model
        before, versions = _row(model, record_id), model.history.count()
        # When it is posted back as a browser would (a revert)
        response = client.post(url, admin_form_posted(page.context["adminform"].form))
        # Then it is refused and nothing changes, not even the history
        assert response.status_code == 403, model
        assert _row(model, record_id) == before, model
        assert model.history.count() == versions, model
        walked.add(model)
    assert {Customer, Purchase, TreatmentPackage, Compensation, Survey, Complaint} <= walked
