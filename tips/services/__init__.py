"""Every write of the tips app, one module per part of the work:

- submission: tip_submit (app and Open311), photos and their thumbnails, default categories,
  partner keys;
- cases: case_transition (the states of docs/api.md, duplicates, own_tip, four eyes on large rewards);
- rewards: paying a tip's reward through the ledger, once (rewards held for a verified phone);
- escalation: case_escalate_overdue (the SLA clocks);
- alerts: who hears of a case (the reporter, merged reporters, grid staff on an SOS);
- place_codes: printed place codes and their rules; place_code_import: door plates from a CSV;
  place_code_sheets: their printable PDF, made by a job;
- sos: the one-tap SOS's follow-up (category, text, photos) and its position pings;
- dispatch: who may send volunteers to a case, and its dispatch steps (operations does the sending).
- place_codes: printed place codes and their rules;
- guests: reports by passers-by at a door plate, without an account (tracking URL, SMS-proven phone).

Callers import from here (`from tips import services`); the names below are the public ones.
"""

from tips.services.alerts import grid_staff_users, sos_alert_send
from tips.services.cases import CASE_ACTIONS, MAX_NOTE, MAX_REWARD_POINTS, TRANSITIONS, case_transition
from tips.services.dispatch import case_dispatch_check, case_dispatch_record
from tips.services.escalation import case_escalate_overdue, overdue_stage
from tips.services.guests import (
    guest_account,
    guest_phone_code_send,
    guest_tip_by_token,
    guest_tip_submit,
    guest_tips_adopt,
    guest_track_url,
)
from tips.services.place_code_import import place_code_import, place_code_import_check
from tips.services.place_code_sheets import place_code_sheet_make, place_code_sheet_request
from tips.services.place_codes import place_code_check, place_code_create, place_code_update, place_code_validate
from tips.services.rewards import (
    ANONYMOUS_REWARD_REF,
    REWARDED_STATES,
    reward_agency_for_grid,
    tip_rewards_pay_held,
)
from tips.services.sos import (
    sos_follow_up,
    sos_follow_up_minutes,
    sos_get_for_reporter,
    sos_ping_minutes,
    sos_ping_record,
)
from tips.services.submission import (
    DEFAULT_CATEGORIES,
    MAX_DESCRIPTION,
    categories_ensure,
    category_get_or_create,
    partner_api_key_issue,
    photo_orphans_delete,
    photo_thumbnail_make,
    sos_accept_minutes,
    tip_submit,
)

__all__ = [
    "ANONYMOUS_REWARD_REF",
    "CASE_ACTIONS",
    "DEFAULT_CATEGORIES",
    "MAX_DESCRIPTION",
    "MAX_NOTE",
    "MAX_REWARD_POINTS",
    "REWARDED_STATES",
    "TRANSITIONS",
    "case_dispatch_check",
    "case_dispatch_record",
    "case_escalate_overdue",
    "case_transition",
    "categories_ensure",
    "category_get_or_create",
    "grid_staff_users",
    "guest_account",
    "guest_phone_code_send",
    "guest_tip_by_token",
    "guest_tip_submit",
    "guest_tips_adopt",
    "guest_track_url",
    "overdue_stage",
    "partner_api_key_issue",
    "photo_orphans_delete",
    "photo_thumbnail_make",
    "place_code_check",
    "place_code_create",
    "place_code_import",
    "place_code_import_check",
    "place_code_sheet_make",
    "place_code_sheet_request",
    "place_code_update",
    "place_code_validate",
    "reward_agency_for_grid",
    "sos_accept_minutes",
    "sos_alert_send",
    "sos_follow_up",
    "sos_follow_up_minutes",
    "sos_get_for_reporter",
    "sos_ping_minutes",
    "sos_ping_record",
    "tip_rewards_pay_held",
    "tip_submit",
]
