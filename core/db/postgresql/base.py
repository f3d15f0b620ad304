"""Django's PostgreSQL backend, with CONN_HEALTH_CHECKS that ping only a connection that sat idle.

Django's health check sends ``SELECT 1`` before the first query of every request: a round trip
and about 0.1 ms of CPU on each side, 10 % of a refused claim. Connections die silently while
idle (a firewall's timeout, a server restart at night), not between two requests a few
milliseconds apart, so a connection used within the last ``HEALTH_CHECK_IDLE_SECONDS`` is taken as
alive. If the server goes away in the middle of traffic, the request that finds out answers 500
and Django drops the connection at the end of it (``errors_occurred``), as without health checks.
"""

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_IDLE_SECONDS = 10.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.used_at = float("-inf")

    def connect(self) -> None:
        super().connect()
        self.used_at = time.monotonic()

    def close_if_health_check_failed(self) -> None:
        if self.connection is not None and self.health_check_enabled and not self.health_check_done:
            now = time.monotonic()
            if now - self.used_at < HEALTH_CHECK_IDLE_SECONDS:
                self.health_check_done = True
            self.used_at = now
        super().close_if_health_check_failed()
