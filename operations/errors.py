"""What operations refuses; the case's and the task's own refusals come from tips and tasks_app."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError


class DispatchBudgetMissingError(ConflictError):
    code = "no_budget"
    default_message = _("No grid centre with a budget pays for this grid's dispatches.")
