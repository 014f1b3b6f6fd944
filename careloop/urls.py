from django.contrib import admin
from django.urls import include, path

from careloop.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("careloop.accounts.urls")),
    path("customers/", include("careloop.customers.urls")),
    path("", include("careloop.core.urls")),
]
