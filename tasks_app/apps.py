from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksAppConfig(AppConfig):
    name = "tasks_app"
    verbose_name = _("Volunteer tasks")

    def ready(self) -> None:
        from core.events import domain_event
        from ledger.entries import ENTRY_DETAILS

        domain_event.connect(_on_domain_event, dispatch_uid="tasks_app.on_domain_event")
        ENTRY_DETAILS["tasks_app.task"] = _task_titles
        ENTRY_DETAILS["tasks_app.claim"] = _claim_task_titles


def _task_titles(ids: set[int]) -> dict[int, str]:
    """What a wallet entry caused by a task is about: its title."""
    from tasks_app.models import Task

    return dict(Task.objects.filter(pk__in=ids).values_list("pk", "title"))


def _claim_task_titles(ids: set[int]) -> dict[int, str]:
    from tasks_app.models import Claim

    return dict(Claim.objects.filter(pk__in=ids).values_list("pk", "task__title"))


def _on_domain_event(sender: object, *, name: str, user: object = None, **kwargs: object) -> None:
    """A citizen's phone was verified (accounts): pay the claims that waited for it, in a job."""
    if name == "phone.verified" and user is not None:
        from tasks_app.tasks import claims_pay_held_task

        claims_pay_held_task.delay(user.pk)
