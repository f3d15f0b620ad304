from django.urls import path

from ledger import views

urlpatterns = [
    path("wallet/", views.wallet_page, name="wallet"),
    path("audit/", views.audit_page, name="audit"),
]
