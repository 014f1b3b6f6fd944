from django.urls import path

from careloop.access import views

app_name = "access"
urlpatterns = [
    path("customers/<str:number>/", views.customer_reads, name="customer_reads"),
    path("customers/<str:number>/panel/", views.customer_reads_panel, name="customer_panel"),
    path("staff/<int:user_id>/", views.reader_reads, name="reader_reads"),
]
