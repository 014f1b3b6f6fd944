from django.urls import path

from careloop.transfer import views

app_name = "transfer"
urlpatterns = [
    path("import/", views.import_upload, name="import"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
    path("import/<int:job_id>/", views.import_job, name="import_job"),
    path("import/<int:job_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("import/<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:job_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("export/", views.export_page, name="export"),
    path("export/download/", views.export_download, name="export_download"),
    path("export/log/", views.export_log, name="export_log"),
]
