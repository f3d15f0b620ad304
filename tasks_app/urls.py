from django.urls import path

from tasks_app import views, views_rotas, views_teams

app_name = "tasks_app"

urlpatterns = [
    path("tasks/", views.task_list_page, name="list"),
    path("tasks/mine/", views.my_tasks_page, name="mine"),
    path("tasks/on-call/", views.on_call_page, name="on_call"),
    path("tasks/teams/", views_teams.my_teams_page, name="my_teams"),
    path("tasks/<int:task_id>/", views.task_detail_page, name="detail"),
    path("tasks/<int:task_id>/onsite/", views.task_onsite_page, name="onsite"),
    path("staff/tasks/", views.staff_task_list_page, name="staff_list"),
    path("staff/teams/", views_teams.staff_teams_page, name="staff_teams"),
    path("staff/rotas/", views_rotas.staff_rotas_page, name="staff_rotas"),
    path("staff/rotas/coverage/", views_rotas.staff_coverage_page, name="staff_coverage"),
    path("staff/tasks/<int:task_id>/", views.staff_task_detail_page, name="staff_detail"),
    path("staff/tasks/<int:task_id>/publish/", views.staff_task_publish, name="staff_publish"),
    path("staff/tasks/<int:task_id>/cancel/", views.staff_task_cancel, name="staff_cancel"),
    path("staff/tasks/<int:task_id>/dispatch/", views.staff_task_dispatch, name="staff_dispatch"),
    path("staff/claims/<int:claim_id>/approve/", views.staff_claim_approve, name="staff_approve"),
    path("staff/claims/<int:claim_id>/reject/", views.staff_claim_reject, name="staff_reject"),
]
