"""A small Server-Sent Events client for the tests: reads a real stream on a thread of its own."""

import http.client
import json
import queue
import threading
from urllib.parse import urlsplit


class SseClient:
    """GET /api/v1/live on a real server; events and comments arrive on queues as they are read."""

    def __init__(
        self, base_url: str, *, token: str | None = None, headers: dict | None = None, query: str = ""
    ) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        sent = {"Accept": "text/event-stream", **(headers or {})}
        if token:
            sent["X-Session-Token"] = token
        self.connection.request("GET", "/api/v1/live" + (f"?{query}" if query else ""), headers=sent)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.events: queue.Queue[dict] = queue.Queue()
        self.comments: queue.Queue[str] = queue.Queue()
        self.ended = threading.Event()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
            self.comments.get(timeout=10)  # the opening comment: the server has joined us to its hub
        else:
            self.body = json.loads(self.response.read())

    def _read(self) -> None:
        frame: dict = {}
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                text = line.decode().rstrip("\n")
                if not text:
                    if "event" in frame:
                        frame["data"] = json.loads(frame["data"])
                        self.events.put(frame)
                    frame = {}
                elif text.startswith(":"):
                    self.comments.put(text[1:].strip())
                else:
                    name, _, value = text.partition(": ")
                    frame[name] = value
        except (OSError, ValueError, AttributeError):  # closed under us (AttributeError: http.client's)
            pass
        finally:
            self.ended.set()

    def next_event(self, timeout: float = 2.0) -> dict:
        """The next event; raises queue.Empty when none came within `timeout` seconds."""
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        self.connection.close()
