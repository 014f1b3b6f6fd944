from django.urls import path

from careloop.printing import views

app_name = "printing"
urlpatterns = [
    path("customers/<str:number>/pt-f025.pdf", views.pt_f025_pdf, name="pt_f025"),
]
