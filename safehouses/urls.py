from django.urls import path

from safehouses import views

app_name = "safehouses"

urlpatterns = [
    path("safe-houses/", views.safe_house_map_page, name="map"),
    path("safe-houses/duty/", views.duty_page, name="duty"),
    path("staff/safe-houses/", views.station_page, name="station"),
]
