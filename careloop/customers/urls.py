from django.urls import path

from careloop.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("duplicates/", views.customer_duplicate_check, name="duplicates"),
    path("<str:number>/", views.customer_detail, name="detail"),
    path("<str:number>/edit/", views.customer_edit, name="edit"),
    path("<str:number>/history/", views.customer_history_panel, name="history"),
    path("<str:number>/interactions/", views.interaction_add, name="interaction_add"),
    path(
        "<str:number>/interactions/before/<int:before>/",
        views.customer_timeline_more,
        name="timeline_more",
    ),
    path("<str:number>/plans/", views.contact_plan_add, name="plan_add"),
    path(
        "<str:number>/plans/<int:plan_id>/complete/",
        views.contact_plan_complete,
        name="plan_complete",
    ),
    path("<str:number>/needs/", views.needs_update, name="needs_update"),
    path("<str:number>/satisfaction/", views.satisfaction_add, name="satisfaction_add"),
    path("<str:number>/events/", views.event_add, name="event_add"),
    path("<str:number>/sign-off/<str:kind>/", views.sign_off, name="sign_off"),
    path("<str:number>/anniversaries/", views.anniversary_add, name="anniversary_add"),
    path(
        "<str:number>/anniversaries/<int:anniversary_id>/remove/",
        views.anniversary_remove,
        name="anniversary_remove",
    ),
]
