from django.urls import path

from careloop.workcalendar import views

app_name = "workcalendar"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("closures/", views.closure_add, name="closure_add"),
    path("closures/<int:closure_id>/delete/", views.closure_delete, name="closure_delete"),
    path("extra-working-days/", views.extra_working_day_add, name="extra_working_day_add"),
    path(
        "extra-working-days/<int:extra_day_id>/delete/",
        views.extra_working_day_delete,
        name="extra_working_day_delete",
    ),
]
