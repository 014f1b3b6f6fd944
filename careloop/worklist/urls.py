from django.urls import path

from careloop.worklist import views

app_name = "worklist"
urlpatterns = [
    path("", views.worklist_today, name="today"),
    path("log/", views.worklist_log, name="log"),
]
