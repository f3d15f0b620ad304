"""What the tips app refuses, with the contract's codes."""

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


class TooManyPhotosError(InvalidError):
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
