"""What the tips app refuses, with the contract's codes."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError, PayloadTooLargeError
from core.errors import UnsupportedMediaError as _UnsupportedMediaError


class OutsideServiceAreaError(InvalidError):
    code = "outside_service_area"
    default_message = "This location is outside every grid Fubi serves; pick a point inside the district."


class UnknownCategoryError(InvalidError):
    code = "unknown_category"
    default_message = "No such tip category."


class UnknownPlaceCodeError(InvalidError):
    code = "unknown_place_code"
    default_message = "No such place code."


class LocationRequiredError(InvalidError):
    code = "location_required"
    default_message = "Give a location: lat and lon, or a place code."


class TooManyPhotosError(PayloadTooLargeError):
    # 413 like core.uploads' refusal of a seventh file in any field: the remedy is sending less.
    code = "too_many_photos"
    default_message = "At most 6 photos per tip."


class PhotoTooLargeError(PayloadTooLargeError):
    code = "photo_too_large"
    default_message = "A photo is larger than the size limit."


class ImageTooLargeError(PayloadTooLargeError):
    # Decompression bombs: a small file that would unpack into an enormous bitmap.
    code = "image_too_large"
    default_message = "A photo has too many pixels."


class UnsupportedMediaTypeError(_UnsupportedMediaError):
    code = "unsupported_media_type"
    default_message = "A file is not a JPEG, PNG or WebP image."


class CorruptImageError(InvalidError):
    code = "corrupt_image"
    default_message = "A photo is damaged or incomplete; take or choose it again."


class InvalidTransitionError(ConflictError):
    code = "invalid_transition"
    default_message = "This action is not possible in the case's current state."


class CaseNotFoundError(NotFoundError):
    code = "not_found"
    default_message = "No such case in your grids."


class TipNotFoundError(NotFoundError):
    code = "not_found"
    default_message = "No such tip of yours."


class NotGridStaffError(ForbiddenError):
    code = "forbidden"
    default_message = "Only grid-centre staff can see the case queue."


class NotCitizenError(ForbiddenError):
    code = "forbidden"
    default_message = "Only citizens can report tips."


class RewardBudgetMissingError(ConflictError):
    code = "no_reward_budget"
    default_message = "No grid-centre agency is set up to pay rewards for this grid."


class OwnTipError(ForbiddenError):
    # Only the reporter ever receives this (it tells them nothing they do not know), so anonymity
    # holds: the message and details never name a reporter or say which tip is theirs.
    code = "own_tip"
    default_message = _("You reported this case or a tip merged into it: another staff member must handle it.")


class FourEyesRequiredError(ForbiddenError):
    code = "four_eyes_required"
    default_message = _("You asked for this reward: a second staff member must approve it.")


class InvalidPlaceCodeError(InvalidError):
    code = "invalid_place_code"
    default_message = _(
        "A place code is 3 to 40 lowercase letters, digits and single hyphens, starting and ending with a letter"
        " or digit (school-gate-2)."
    )


class PlaceOutsideGridError(InvalidError):
    # A place code's point lies inside its grid: a new code inside the staff member's grids, a moved
    # code inside the grid it belongs to (so its tips stay in that grid's queue).
    code = "place_outside_grid"
    default_message = _("This point is outside the grid the place code belongs to.")


class PlaceCodeTakenError(ConflictError):
    code = "place_code_taken"
    default_message = _("This place code is already taken; choose another one.")


class PlaceCodeNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such place code in your grids.")


class CaseClosedError(ConflictError):
    code = "case_closed"
    default_message = _("The case is closed: nobody can be dispatched to it.")


class PlaceCodeImportError(InvalidError):
    # A CSV of door plates with bad rows: nothing is imported, and details.rows lists every bad row
    # as {line, field, message} (tips.services.place_code_import).
    code = "invalid_rows"
    default_message = _("Some rows of the file are wrong; nothing was imported. Fix them and send the file again.")


class PlaceCodeSheetNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such plate sheet in your grids.")


class GridNotYoursError(NotFoundError):
    code = "not_found"
    default_message = _("No such grid of yours.")


class SosClosedError(ConflictError):
    code = "sos_closed"
    default_message = _("This SOS can no longer be added to: it is closed or too old. Send a new one if you need help.")


class PlateSheetTooLargeError(InvalidError):
    code = "sheet_too_large"
    default_message = _("This grid has too many door plates for one PDF sheet: print the grids inside it one by one.")
