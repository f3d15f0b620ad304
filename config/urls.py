from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("", include("tasks_app.urls")),
    path("", include("ledger.urls")),
    path("", include("tips.urls")),
    path("", include("engagement.urls")),
    path("", include("rewards.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def api_not_found(request, rest: str = ""):
    """Unknown paths under /api/ answer in the contract's error shape, not Django's HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"code": "not_found", "message": "No such API endpoint.", "details": {}}, status=404)


urlpatterns.append(path("api/<path:rest>", api_not_found))
