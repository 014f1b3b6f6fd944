"""The public survey pages, mounted at /survey/: the link in the message, and its thank-you."""

from django.urls import path

from careloop.surveys import public

app_name = "survey"
urlpatterns = [
    path("<str:token>/", public.answer, name="answer"),
    path("<str:token>/thanks/", public.thanks, name="thanks"),
]
