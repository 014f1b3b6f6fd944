from django.urls import path

from careloop.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
]
