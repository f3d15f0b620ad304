"""What the fault tests (and bench/faults.py) break for real: a Redis server of their own on a spare
port (stopped, restarted, frozen with SIGSTOP), a TCP proxy in front of PostgreSQL whose cut is what
a PostgreSQL restart looks like to its clients (every open connection dies, new ones are refused
until it is back), and real Celery workers."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class RedisServer:
    """redis-server on a spare port, with an append-only file as in production (deploy/)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--logfile", "redis.log",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=self.workdir)
        client = redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        if not wait_for(lambda: _pings(client), 10):
            raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """A clean stop (SIGTERM: Redis writes its append-only file and exits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers, as with a hung host or network path."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


class TcpProxy:
    """A TCP proxy to PostgreSQL. cut(): every connection through it dies and new ones are refused
    (a PostgreSQL restart, as its clients see it); resume(): it accepts again on the same port.
    upstream: (host, port), or a Unix socket's path (the embedded server's socket)."""

    def __init__(self, upstream: tuple[str, int] | str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = self._connect_upstream()
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _connect_upstream(self) -> socket.socket:
        if isinstance(self.upstream, str):
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.connect(self.upstream)
            return server
        return socket.create_connection(self.upstream)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
                with self._lock:
                    self._sockets.discard(sock)

    def cut(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def resume(self) -> None:
        self.start()

    def close(self) -> None:
        self.cut()


def start_worker(
    *, broker_url: str, database_url: str, logfile: Path, name: str, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """A real Celery worker (prefork, 2 processes) in a process group of its own, logging to logfile."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "PYTHONWARNINGS": "ignore",
        **(env or {}),
    }
    environment.pop("REDIS_URL", None)
    command = [
        str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-P", "prefork", "-c", "2",
        "-n", f"{name}@%h", "-I", "tests.celery_probe", "--without-gossip", "--without-mingle", "-l", "info",
    ]  # fmt: skip
    with logfile.open("ab") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
        )


def worker_ready(logfile: Path, since: int = 0) -> bool:
    return b" ready." in logfile.read_bytes()[since:]


def stop_worker(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
