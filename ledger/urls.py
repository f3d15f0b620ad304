from django.urls import path

from ledger import views

urlpatterns = [
    path("wallet/", views.wallet_page, name="wallet"),
    path("audit/", views.audit_page, name="audit"),
    path("audit/trial-balance.json", views.audit_trial_balance_download, name="audit-trial-balance"),
    path("audit/reconciliation.json", views.audit_reconciliation_download, name="audit-reconciliation"),
]
