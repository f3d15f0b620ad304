from django.urls import path

from insight import staff_views, views

app_name = "insight"
urlpatterns = [
    path("safety-index/editions/", views.editions_page, name="editions"),
    path("safety-index/editions/<int:edition_id>/", views.edition_page, name="edition"),
    path("safety-index/editions/<int:edition_id>/pdf/", views.edition_pdf_download, name="edition_pdf"),
    path("staff/editions/", staff_views.staff_editions, name="staff-editions"),
    path("staff/editions/<int:edition_id>/publish/", staff_views.staff_edition_publish, name="staff-edition-publish"),
]
