from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from config.api import api
from core.middleware import api_error_body, is_api_request

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
    path("", include("insight.urls")),
    path("", include("rewards.urls")),
    path("", include("safehouses.urls")),
    path("", include("live.urls")),
    path("", include("community.urls")),
    path("", include("quizzes.urls")),
    path("", include("reports.urls")),
    path("", include("notify.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


@csrf_exempt  # nothing to protect: an unknown path answers 404 for every method, before any CSRF check
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Unknown paths under /api/ (and /api/ itself) answer in the contract's error shape."""
    return HttpResponse(api_error_body(404), status=404, content_type="application/json")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/, Django's page (templates/404.html when present) elsewhere."""
    if is_api_request(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


handler404 = page_not_found
urlpatterns.append(re_path(r"^api/(?P<rest>.*)\Z", api_not_found))  # last: after every real API path
