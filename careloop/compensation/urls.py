"""Staff pages for compensation, mounted at /compensation/. Fixed words come before the number."""

from django.urls import path

from careloop.compensation import views

app_name = "compensation"
urlpatterns = [
    path("", views.compensation_list_view, name="list"),
    path("approvals/<int:approval_id>/decide/", views.approval_decide, name="decide"),
    path("flags/<int:flag_id>/review/", views.flag_review, name="flag_review"),
    path("<str:number>/", views.compensation_case, name="case"),
    path("<str:number>/assessment/", views.assessment_save, name="assess"),
    path("<str:number>/assessment/preview/", views.assessment_preview, name="assess_preview"),
    path("<str:number>/offers/", views.offers_generate, name="offers_generate"),
    path("<str:number>/offers/present/", views.offers_present, name="offers_present"),
    path("<str:number>/offers/<int:offer_id>/", views.offer_update, name="offer_update"),
    path("<str:number>/offers/<int:offer_id>/choose/", views.offer_choose, name="offer_choose"),
    path("<str:number>/grant/", views.compensation_grant, name="grant"),
    path(
        "<str:number>/compensations/<int:compensation_id>/settlement/",
        views.settlement_record,
        name="settlement",
    ),
    path(
        "<str:number>/compensations/<int:compensation_id>/settlement/file/",
        views.settlement_file,
        name="settlement_file",
    ),
    path(
        "<str:number>/compensations/<int:compensation_id>/paid/",
        views.compensation_done,
        name="paid",
    ),
]
