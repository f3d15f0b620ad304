"""The ASGI application: GET /api/v1/live (live.stream) and, for every other path, Django.

`make run` serves it with uvicorn (core/management/commands/devserver.py): pages, the API, static
files and the stream on one port. In production the JSON API stays on gunicorn (config.wsgi) and a
uvicorn process serves this application for the stream path behind the same proxy (docs/scaling.md).
"""

import gc
import os
from typing import Any

from django.core.asgi import get_asgi_application

# As config.wsgi: without DJANGO_SETTINGS_MODULE the production settings, which refuse to start
# without a real secret key.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 - after Django is set up

from live.hub import hubs_close  # noqa: E402
from live.stream import PATH, live_stream  # noqa: E402

if settings.DEBUG:
    # Development: static files from the apps' folders, as runserver serves them.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    django_application = ASGIStaticFilesHandler(django_application)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Route the stream to live.stream, the server's lifespan here, everything else to Django."""
    if scope["type"] == "http" and scope["path"].rstrip("/") == PATH:
        await live_stream(scope, receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        await django_application(scope, receive, send)


async def _lifespan(receive: Any, send: Any) -> None:
    """Django has no lifespan events; on shutdown the open streams end (their clients reconnect)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            hubs_close()
            await send({"type": "lifespan.shutdown.complete"})
            return


gc.freeze()  # as config.wsgi: what is loaded now lives as long as the process
