"""What the safe-house app refuses, with the contract's codes."""

from core.errors import ConflictError, InvalidError


class RollCallMissedError(ConflictError):
    code = "roll_call_missed"
    default_message = "This roll call's time to answer is over: it counts as missed."


class RollCallAnsweredError(ConflictError):
    code = "roll_call_answered"
    default_message = "This roll call has been answered already."


class GuardNotStationStaffError(InvalidError):
    code = "guard_not_station_staff"
    default_message = "The guard must be staff of the station that keeps the safe house."
