"""gunicorn settings for Fubi, read from the working directory (``gunicorn config.wsgi``).

Django's request handling is CPU-bound Python, so one worker process per core does the work and a
second thread in each keeps the core busy while the other waits on PostgreSQL. More threads only
trade the GIL back and forth (measured in bench/tasks.py: 2×2 beat 3×8 and 4×1 on two cores).
Keep-alive lets a load balancer or a phone reuse its connection. Every value can be overridden by
the environment (GUNICORN_WORKERS, GUNICORN_THREADS, ...) or on the command line.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 2))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 30))
backlog = int(os.environ.get("GUNICORN_BACKLOG", 2048))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))  # 0: workers are not recycled
max_requests_jitter = max_requests // 10
