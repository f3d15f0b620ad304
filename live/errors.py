from django.utils.translation import gettext_lazy as _

from core.errors import ForbiddenError


class NotLiveStaffError(ForbiddenError):
    code = "forbidden"
    default_message = _("The live map is for grid-centre and agency staff.")
