"""Every write of the community app; `from community import services` keeps one import for callers."""

from community.services.broadcasts import broadcast_fan_out, broadcast_send, broadcasts_mark_read
from community.services.escalation import request_escalate_overdue
from community.services.groups import (
    circle_create,
    community_group_ensure,
    desk_shift_add,
    group_join,
    group_leave,
    invitation_by_email,
    invitation_create,
    officer_set,
)
from community.services.moderation import directory_add, directory_remove, post_moderate, post_report
from community.services.posts import post_create, reply_create
from community.services.requests import request_forward, request_rate, request_resolve

__all__ = [
    "broadcast_fan_out",
    "broadcast_send",
    "broadcasts_mark_read",
    "circle_create",
    "community_group_ensure",
    "desk_shift_add",
    "directory_add",
    "directory_remove",
    "group_join",
    "group_leave",
    "invitation_by_email",
    "invitation_create",
    "officer_set",
    "post_create",
    "post_moderate",
    "post_report",
    "reply_create",
    "request_escalate_overdue",
    "request_forward",
    "request_rate",
    "request_resolve",
]
