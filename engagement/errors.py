from core.errors import ConflictError, InvalidError


class NicknameTakenError(ConflictError):
    code = "nickname_taken"
    default_message = "Someone already uses this nickname."


class NicknameInvalidError(InvalidError):
    code = "nickname_invalid"
    default_message = "A nickname has 2 to 20 characters, no @ and no control characters."


class NotificationEmailBusyError(Exception):
    """Another delivery of the same email job is sending it right now: try again later (not an API error)."""
