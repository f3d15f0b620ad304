"""A local map tile server for browser tests: answers any /{z}/{x}/{y}.png with a real 256×256 PNG
(the slippy-map protocol Leaflet speaks), or with 503 when `failing`. It counts the requests."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (214, 232, 214)).save(buffer, format="PNG")
    return buffer.getvalue()


class TileServer:
    def __init__(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.requests = 0
        tile, server = _png(), self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if server.failing:
                    self.send_error(503)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.url = self.origin + "/{z}/{x}/{y}.png"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
