"""What makes the site installable: the service worker at the site's root (its scope is the folder
it is served from, so it cannot live under /static/), read from static/js/sw.js once per process,
and the web app manifest."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET

SERVICE_WORKER = Path(settings.BASE_DIR) / "static" / "js" / "sw.js"


@lru_cache(maxsize=1)
def _service_worker_source() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: never cached by the browser's HTTP cache, so a new version is picked up at once."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """/manifest.webmanifest: name, icons and colours for "add to home screen"."""
    body = {
        "name": "e福币 Fubi",
        "short_name": "e福币",
        "description": "平安志愿 · 随手拍 · 福币商城 — volunteer tasks, tips and the points shop",
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#c8102e",
        "icons": [
            {"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ]
        + [{"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"}],
    }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "max-age=3600"
    return response
