"""python manage.py fund_agency <agency id or name> <points> [--cny X] [--memo ...] [--key ...]"""

import uuid
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Agency
from core.errors import DomainError
from ledger import selectors, services


class Command(BaseCommand):
    help = "Credit an agency's points budget from the district's funding source, recording the CNY behind it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agency", help="agency id or exact name")
        parser.add_argument("points", type=int)
        parser.add_argument("--cny", help="CNY paid for the points (default: points × FUBI_FZB_CNY_RATE)")
        parser.add_argument("--memo", default="")
        parser.add_argument("--key", help="idempotency key: rerunning with the same key funds once")

    def handle(self, *args: object, **options: object) -> None:
        ref = str(options["agency"])
        agency = Agency.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
        agency = agency or Agency.objects.filter(name=ref).first()
        if agency is None:
            raise CommandError(f"No agency with id or name {ref!r}.")
        cny = None
        if options["cny"] is not None:
            try:
                cny = Decimal(str(options["cny"]))
            except InvalidOperation as exc:
                raise CommandError("--cny must be a number.") from exc
        key = str(options["key"] or f"cli:fund:{uuid.uuid4().hex}")
        try:
            tx = services.agency_fund(
                agency=agency, amount=options["points"], cny=cny, memo=str(options["memo"]), idempotency_key=key
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        balance = selectors.agency_wallet(agency=agency)
        self.stdout.write(
            f"Funded {agency.name}: transaction {tx.pk} ({tx.idempotency_key}); "
            f"budget available {balance['available']} FZB, cny {tx.funding.cny}"
        )
