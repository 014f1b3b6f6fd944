from django.urls import path

from careloop.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("schedule/", views.schedule, name="schedule"),
    path("customers/<str:number>/", views.customer_requests, name="customer"),
    path("<int:request_id>/", views.request_detail, name="detail"),
    path("<int:request_id>/complete/", views.request_complete, name="complete"),
    path("<int:request_id>/refuse/", views.request_refuse, name="refuse"),
    path("<int:request_id>/extend/", views.request_extend, name="extend"),
    path("<int:request_id>/stop/", views.request_stop, name="stop"),
    path("<int:request_id>/erase/", views.request_erase, name="erase"),
    path("<int:request_id>/copy/", views.copy_download, name="copy"),
]
