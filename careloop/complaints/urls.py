"""Staff pages for complaints, mounted at /complaints/. Fixed words come before the number."""

from django.urls import path

from careloop.complaints import case_views, library_views, views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_board_view, name="board"),
    path("new/", views.complaint_intake, name="intake"),
    path("new/preview/", views.intake_preview, name="intake_preview"),
    path("new/customers/", views.customer_picker, name="customer_picker"),
    path("library/", library_views.complaint_library, name="library"),
    path("<str:number>/", case_views.complaint_detail, name="detail"),
    path("<str:number>/history/", case_views.complaint_history_panel, name="history"),
    path("<str:number>/intake/", case_views.intake_update, name="intake_update"),
    path("<str:number>/to-customer/", case_views.complainant_to_customer, name="to_customer"),
    path("<str:number>/grade/", case_views.complaint_regrade, name="regrade"),
    path("<str:number>/assign/", case_views.complaint_assign, name="assign"),
    path("<str:number>/investigation/plan/", case_views.investigation_plan, name="plan"),
    path("<str:number>/investigation/report/", case_views.investigation_report, name="report"),
    path("<str:number>/evidence/", case_views.evidence_add, name="evidence_add"),
    path(
        "<str:number>/evidence/<int:evidence_id>/file/",
        case_views.evidence_file,
        name="evidence_file",
    ),
    path("<str:number>/solution/", case_views.solution_save, name="solution"),
    path("<str:number>/actions/", case_views.action_item_add, name="action_add"),
    path(
        "<str:number>/actions/<int:item_id>/done/",
        case_views.action_item_done,
        name="action_done",
    ),
    path("<str:number>/communications/", case_views.communication_add, name="communication_add"),
    path("<str:number>/closing/", case_views.closing_record, name="closing"),
    path("<str:number>/move/<slug:code>/", case_views.complaint_move, name="move"),
]
