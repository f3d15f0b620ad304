"""Routing rules (立码办): which department (an agency) handles a grid's tips of a category, optionally
at one door plate, so a case goes straight to it on acceptance, or on assign without an assignee.

A rule of a grid covers the tips of that grid and of every grid inside it. The most specific rule
wins: a rule naming the tip's place code before one that does not, then the innermost grid's.
Rules are kept by staff of the rule's grid or of a grid above it (`staff_grid_ids`: their own grids
and every grid inside them), through the API, the admin (administrators) and nothing else.

Writes take no lock of their own: a rule is one row and the database's unique constraints decide
between two staff members adding the same rule at once (409 routing_rule_exists).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Agency, Grid, User
from core.errors import ConflictError, InvalidError, NotFoundError
from tips.models import CaseAction, CaseEvent, PlaceCode, RoutingRule, Tip, TipCategory, TipStatus
from tips.selectors import staff_grid_ids


class RoutingRuleNotFoundError(NotFoundError):
    code = "not_found"
    default_message = gettext_lazy("No such routing rule in your grids.")


class RoutingRuleExistsError(ConflictError):
    code = "routing_rule_exists"
    default_message = gettext_lazy("This grid already routes this category (at this place code) to a department.")


# --- reads ------------------------------------------------------------------------------------------


def routing_rules_for_staff(*, user: User) -> QuerySet[RoutingRule]:
    """The rules of the staff member's grids (and the grids inside them); NotGridStaffError for others."""
    return (
        RoutingRule.objects.filter(grid_id__in=staff_grid_ids(user=user))
        .select_related("grid", "category", "place_code", "agency")
        .order_by("grid__depth", "grid__name", "category__position", "id")
    )


def routing_rule_get_for_staff(*, user: User, rule_id: int) -> RoutingRule:
    """One rule of the staff member's grids; NotFound for "no such rule" and "not yours" alike."""
    rule = routing_rules_for_staff(user=user).filter(pk=rule_id).first()
    if rule is None:
        raise RoutingRuleNotFoundError(rule_id=rule_id)
    return rule


def routing_agency_for(*, tip: Tip) -> tuple[Agency, RoutingRule] | None:
    """The department the rules send this tip to, with the rule that decided it; None without a rule.

    One query over the tip's grid and the grids above it; inactive agencies are passed over.
    """
    chain = [tip.grid, *tip.grid.ancestors()]
    depth = {grid.id: position for position, grid in enumerate(chain)}
    places = Q(place_code__isnull=True)
    if tip.place_code_id:
        places |= Q(place_code_id=tip.place_code_id)
    rules = list(
        RoutingRule.objects.filter(
            places, grid_id__in=depth, category_id=tip.category_id, agency__is_active=True
        ).select_related("agency")
    )
    if not rules:
        return None
    best = min(rules, key=lambda rule: (rule.place_code_id is None, depth[rule.grid_id], rule.id))
    return best.agency, best


def rule_out(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "grid": {"id": rule.grid.id, "code": rule.grid.code, "name": rule.grid.name},
        "category": rule.category.code,
        "place_code": rule.place_code.code if rule.place_code_id else None,
        "agency": {"id": rule.agency.id, "name": rule.agency.name, "kind": rule.agency.kind},
        "created_at": rule.created_at,
    }


# --- writes -----------------------------------------------------------------------------------------


def routing_rule_check(
    *, actor: User, grid_id: int, category_code: str, agency_id: int, place_code: str | None = None
) -> tuple[Grid, TipCategory, Agency, PlaceCode | None]:
    """Check a rule for this actor, writing nothing; answer its grid, category, agency and place.

    NotGridStaffError (403) for someone who is no grid staff; 404 for a grid that is not theirs (as
    for one that does not exist); 422 for an unknown category, agency or place code, or a place code
    outside the rule's grid.
    """
    grid_ids = set(staff_grid_ids(user=actor))
    grid = Grid.objects.filter(pk=grid_id).first() if grid_id in grid_ids else None
    if grid is None:
        raise NotFoundError(_("No such grid among yours."), grid=grid_id)
    category = TipCategory.objects.filter(code=category_code or "", is_active=True).first()
    if category is None:
        raise InvalidError(_("No such tip category."), field="category", category=category_code)
    agency = Agency.objects.filter(pk=agency_id, is_active=True).first()
    if agency is None:
        raise InvalidError(_("No such department."), field="agency", agency=agency_id)
    place = None
    if place_code:
        place = PlaceCode.objects.filter(code=place_code, is_active=True).select_related("grid").first()
        inside = place is not None and (place.grid_id == grid.id or grid in place.grid.ancestors())
        if not inside:
            raise InvalidError(
                _("No such place code in this grid."), field="place_code", place_code=place_code, grid=grid.code
            )
    return grid, category, agency, place


def routing_rule_create(
    *, actor: User, grid_id: int, category_code: str, agency_id: int, place_code: str | None = None
) -> RoutingRule:
    """A rule of one of the actor's grids (rules: routing_rule_check); 409 routing_rule_exists."""
    grid, category, agency, place = routing_rule_check(
        actor=actor, grid_id=grid_id, category_code=category_code, agency_id=agency_id, place_code=place_code
    )
    try:
        with transaction.atomic():
            return RoutingRule.objects.create(
                grid=grid, category=category, agency=agency, place_code=place, created_by=actor
            )
    except IntegrityError as exc:
        raise RoutingRuleExistsError(grid=grid.code, category=category.code, place_code=place_code) from exc


@transaction.atomic
def routing_rule_update(*, actor: User, rule: RoutingRule, agency_id: int) -> RoutingRule:
    """Send a rule's tips to another department."""
    rule = (
        RoutingRule.objects.select_for_update(of=("self",))
        .select_related("grid", "category", "place_code")
        .get(pk=rule.pk)
    )
    _grid, _category, agency, _place = routing_rule_check(
        actor=actor,
        grid_id=rule.grid_id,
        category_code=rule.category.code,
        agency_id=agency_id,
        place_code=rule.place_code.code if rule.place_code_id else None,
    )
    rule.agency = agency
    rule.save(update_fields=["agency", "updated_at"])
    return rule


def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    """Remove a rule of the actor's grids; cases already routed keep their department."""
    if rule.grid_id not in set(staff_grid_ids(user=actor)):
        raise RoutingRuleNotFoundError(rule_id=rule.pk)
    RoutingRule.objects.filter(pk=rule.pk).delete()


# --- the hooks of case_transition -------------------------------------------------------------------


def case_route_on_accept(*, tip: Tip, actor: User) -> Tip:
    """Right after `accept` (in its transaction, the tip locked): when a rule names a department,
    the case goes on to it as `assign` would, recorded as its own step by the accepting staff member
    (data.rule_id says which rule). Without a rule the case stays accepted."""
    from tips.department import department_clock_start

    found = routing_agency_for(tip=tip)
    if found is None:
        return tip
    agency, rule = found
    now = timezone.now()
    tip.assignee = agency
    tip.status = TipStatus.ASSIGNED
    fields = ["status", "assignee", "updated_at", *department_clock_start(tip=tip, now=now)]
    tip.save(update_fields=fields)
    CaseEvent.objects.create(
        tip=tip,
        action=CaseAction.ASSIGN,
        actor=actor,
        from_status=TipStatus.ACCEPTED,
        to_status=TipStatus.ASSIGNED,
        note="",
        data={"assignee": {"id": agency.id, "name": agency.name}, "rule_id": rule.id, "routed": True},
    )
    return tip
