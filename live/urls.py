from django.urls import path

from live import views

app_name = "live"

urlpatterns = [
    path("staff/live/", views.staff_live_page, name="wall"),
]
