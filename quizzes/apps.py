from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("Quizzes")

    def ready(self) -> None:
        from ledger.reconciliation import CAUSE_CHECKS
        from quizzes.reconciliation import quiz_escrow_check

        if quiz_escrow_check not in CAUSE_CHECKS:
            CAUSE_CHECKS.append(quiz_escrow_check)
