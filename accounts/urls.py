from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me_page, name="me"),
    path("me/phone/", views.me_phone_page, name="me_phone"),
]
