from django.urls import path

from careloop.printing import views

app_name = "printing"
urlpatterns = [
    path("customers/<str:number>/pt-f025.pdf", views.pt_f025_pdf, name="pt_f025"),
    path(
        "complaints/<str:number>/pt-f035.pdf",
        views.complaint_pt_f035_pdf,
        name="complaint_pt_f035",
    ),
    path(
        "complaints/<str:number>/pt-f020.pdf",
        views.complaint_pt_f020_pdf,
        name="complaint_pt_f020",
    ),
    path("feedback/<slug:code>/poster.pdf", views.feedback_poster_pdf, name="feedback_poster"),
]
