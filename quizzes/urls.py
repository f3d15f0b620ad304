from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/", views.quiz_list_page, name="list"),
    path("quizzes/<int:quiz_id>/", views.quiz_play_page, name="play"),
    path("staff/quizzes/", views.staff_quiz_list_page, name="staff_list"),
    path("staff/quizzes/questions/", views.staff_question_bank_page, name="staff_bank"),
    path("staff/quizzes/<int:quiz_id>/", views.staff_quiz_detail_page, name="staff_detail"),
    path("staff/quizzes/<int:quiz_id>/<str:action>/", views.staff_quiz_action, name="staff_action"),
]
