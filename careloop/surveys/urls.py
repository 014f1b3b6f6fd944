"""Staff pages for surveys, mounted at /surveys/."""

from django.urls import path

from careloop.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list_view, name="list"),
    path("pt-f021.pdf", views.pt_f021_blank_pdf, name="pt_f021_blank"),
    path("<int:survey_id>/", views.survey_detail, name="detail"),
    path("<int:survey_id>/resend/", views.survey_resend, name="resend"),
    path("<int:survey_id>/pt-f021.pdf", views.pt_f021_pdf, name="pt_f021"),
    path("complaints/<str:number>/send/", views.complaint_send, name="complaint_send"),
]
