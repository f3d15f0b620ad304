"""Errors of the published safety index's editions."""

from core.errors import ConflictError, ForbiddenError, NotFoundError


class EditionNotFoundError(NotFoundError):
    default_message = "No such edition."


class EditionPublishedError(ConflictError):
    code = "edition_published"
    default_message = "This edition is published (or being computed): it can no longer be changed."


class EditionExistsError(ConflictError):
    code = "edition_exists"
    default_message = "This grid already has an edition for that half year."


class NotGridStaffError(ForbiddenError):
    default_message = "Only grid-centre staff make editions of the safety index."
