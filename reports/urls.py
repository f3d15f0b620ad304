from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [path("staff/report/", views.programme_report_page, name="programme")]
