from django.urls import path

from tips import open311, routing_views, views

app_name = "tips"

urlpatterns = [
    path("tips/new/", views.tip_new, name="new"),
    path("tips/", views.my_tips, name="mine"),
    path("p/<slug:code>/", views.plate_report, name="plate"),
    path("tips/track/<str:token>/", views.tip_track, name="track"),
    path("tips/<int:tip_id>/", views.tip_detail, name="detail"),
    path("tips/photos/<int:photo_id>/", views.photo, name="photo"),
    path("tips/photos/<int:photo_id>/thumb/", views.photo_thumb, name="photo-thumb"),
    path("staff/cases/", views.staff_cases, name="staff-cases"),
    path("staff/cases/<int:case_id>/", views.staff_case_detail, name="staff-case"),
    path("staff/cases/<int:case_id>/transition/", views.staff_case_transition, name="staff-case-transition"),
    path("staff/place-codes/", views.staff_place_codes, name="staff-place-codes"),
    path("staff/routing-rules/", routing_views.staff_routing_rules, name="staff-routing-rules"),
    path(
        "staff/routing-rules/<int:rule_id>/delete/",
        routing_views.staff_routing_rule_delete,
        name="staff-routing-rule-delete",
    ),
    path("staff/place-codes/import/", views.staff_place_code_import, name="staff-place-code-import"),
    path("staff/place-codes/sheets/", views.staff_place_code_sheet_request, name="staff-place-code-sheets"),
    path(
        "staff/place-codes/sheets/<int:sheet_id>/pdf/",
        views.staff_place_code_sheet_pdf,
        name="staff-place-code-sheet-pdf",
    ),
    *open311.urlpatterns,
]
