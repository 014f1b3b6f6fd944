"""Staff pages for complaints, mounted at /complaints/. Fixed words come before the number."""

from django.urls import path

from careloop.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_board_view, name="board"),
    path("new/", views.complaint_intake, name="intake"),
    path("new/preview/", views.intake_preview, name="intake_preview"),
    path("new/customers/", views.customer_picker, name="customer_picker"),
    path("<str:number>/", views.complaint_detail, name="detail"),
    path("<str:number>/intake/", views.intake_update, name="intake_update"),
    path("<str:number>/to-customer/", views.complainant_to_customer, name="to_customer"),
    path("<str:number>/grade/", views.complaint_regrade, name="regrade"),
    path("<str:number>/assign/", views.complaint_assign, name="assign"),
    path("<str:number>/investigation/plan/", views.investigation_plan, name="plan"),
    path("<str:number>/investigation/report/", views.investigation_report, name="report"),
    path("<str:number>/evidence/", views.evidence_add, name="evidence_add"),
    path(
        "<str:number>/evidence/<int:evidence_id>/file/",
        views.evidence_file,
        name="evidence_file",
    ),
    path("<str:number>/solution/", views.solution_save, name="solution"),
    path("<str:number>/actions/", views.action_item_add, name="action_add"),
    path(
        "<str:number>/actions/<int:item_id>/done/",
        views.action_item_done,
        name="action_done",
    ),
    path("<str:number>/communications/", views.communication_add, name="communication_add"),
    path("<str:number>/closing/", views.closing_record, name="closing"),
    path("<str:number>/move/<slug:code>/", views.complaint_move, name="move"),
]
