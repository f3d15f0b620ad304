"""A small keep-alive HTTP/1.1 load generator on asyncio, for the HTTP benchmarks.

``fire`` opens ``concurrency`` connections to 127.0.0.1:port and sends the requests over them, each
connection taking the next request as soon as its previous answer is in (a closed loop, like
wrk). One Python thread with an event loop costs about a third of the CPU per request of a
thread-per-connection http.client client, and on a two-core machine every millisecond the load
generator burns is taken from the server it measures.
"""

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict
    body: bytes = b""


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the connection failed
    started: float  # time.perf_counter() when the request was sent
    seconds: float
    body: bytes


def _encode(request: Request) -> bytes:
    lines = [f"{request.method} {request.path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    if request.body or request.method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split(b" ", 2)[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    return status, await reader.readexactly(length) if length else b"", close


async def _fire(port: int, requests: list[Request], concurrency: int) -> tuple[float, list[Answer]]:
    answers: list[Answer | None] = [None] * len(requests)
    queue = iter(range(len(requests)))
    encoded = [_encode(request) for request in requests]
    gate = asyncio.Event()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await gate.wait()
        for index in queue:
            started = time.perf_counter()
            try:
                writer.write(encoded[index])
                status, body, close = await _read_answer(reader)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                status, body, close = 0, b"", True
            answers[index] = Answer(status, started, time.perf_counter() - started, body)
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(concurrency)]
    await asyncio.sleep(0.05)  # every connection open before the first request goes
    started = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    return time.perf_counter() - started, [answer for answer in answers if answer is not None]


def fire(port: int, requests: list[Request], concurrency: int) -> tuple[float, list[Answer]]:
    """Send every request over `concurrency` keep-alive connections; (seconds, answers in request order)."""
    return asyncio.run(_fire(port, requests, concurrency))
