"""Reply pages, mounted at /replies/: the templates and avoid-list, and each case's composer."""

from django.urls import path

from careloop.replies import views

app_name = "replies"
urlpatterns = [
    path("", views.reply_index, name="index"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("avoid/new/", views.phrase_edit, name="phrase_new"),
    path("avoid/<int:phrase_id>/", views.phrase_edit, name="phrase_edit"),
    path("avoid/<int:phrase_id>/delete/", views.phrase_delete, name="phrase_delete"),
    path("compose/<str:number>/", views.compose, name="compose"),
    path("compose/<str:number>/render/", views.compose_render, name="compose_render"),
    path("compose/<str:number>/recipient/", views.compose_recipient, name="compose_recipient"),
    path("compose/<str:number>/check/", views.compose_check, name="compose_check"),
    path("compose/<str:number>/send/", views.compose_send, name="compose_send"),
]
