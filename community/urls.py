from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("groups/", views.my_groups_page, name="mine"),
    path("groups/<int:group_id>/", views.group_page, name="group"),
    path("groups/join/", views.group_join_page, name="join"),
    path("groups/photos/<int:photo_id>/", views.photo, name="photo"),
    path("staff/groups/", views.staff_requests_page, name="staff_requests"),
    path("staff/groups/requests/", views.staff_requests_page, name="staff_requests_alias"),
    path("staff/groups/roster/", views.staff_roster_page, name="staff_roster"),
    path("staff/groups/broadcasts/", views.staff_broadcasts_page, name="staff_broadcasts"),
    path("staff/groups/<int:group_id>/moderation/", views.staff_moderation_page, name="staff_moderation"),
    path("staff/groups/numbers/", views.staff_numbers_page, name="staff_numbers"),
    path("staff/groups/numbers.csv", views.staff_numbers_csv, name="staff_numbers_csv"),
]
