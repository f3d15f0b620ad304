from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from operations.services import on_offer_accepted
        from tasks_app.services.events import offer_accepted

        offer_accepted.connect(on_offer_accepted, dispatch_uid="operations.on_offer_accepted")
