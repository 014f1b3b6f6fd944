from django.urls import path

from careloop.treatments import views

app_name = "treatments"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("customers/<str:number>/purchases/", views.purchase_add, name="purchase_add"),
    path(
        "customers/<str:number>/purchases/<int:purchase_id>/reverse/",
        views.purchase_reverse,
        name="purchase_reverse",
    ),
    path("customers/<str:number>/session-uses/", views.session_use, name="session_use"),
]
