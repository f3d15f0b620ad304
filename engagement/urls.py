from django.urls import path

from engagement import views

app_name = "engagement"
urlpatterns = [
    path("leaderboard/", views.leaderboard_page, name="leaderboard"),
    path("safety-index/", views.safety_index_page, name="safety_index"),
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("me/badges/", views.badges_page, name="badges"),
    path("me/settings/", views.settings_page, name="settings"),
]
