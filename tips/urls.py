from django.urls import path

from tips import open311, views

app_name = "tips"

urlpatterns = [
    path("tips/new/", views.tip_new, name="new"),
    path("tips/", views.my_tips, name="mine"),
    path("tips/<int:tip_id>/", views.tip_detail, name="detail"),
    path("tips/photos/<int:photo_id>/", views.photo, name="photo"),
    path("tips/photos/<int:photo_id>/thumb/", views.photo_thumb, name="photo-thumb"),
    path("staff/cases/", views.staff_cases, name="staff-cases"),
    path("staff/cases/<int:case_id>/", views.staff_case_detail, name="staff-case"),
    path("staff/cases/<int:case_id>/transition/", views.staff_case_transition, name="staff-case-transition"),
    path("staff/place-codes/", views.staff_place_codes, name="staff-place-codes"),
    *open311.urlpatterns,
]
