"""Racing real PostgreSQL connections from threads: the one helper every race test uses.

A test that races needs `@pytest.mark.django_db(transaction=True)`: every thread opens its own
connection, which sees only committed rows, so the test's setup must really be committed (no test
transaction around it) and the database is flushed after the test.

    results = race(fn, items, threads=12, expected=(OutOfStockError,))  # fn(item) for every item
    results = race([first, second])                                     # each callable, no arguments
    result = elsewhere(fn)                                               # fn on another connection, waited for
    thread = background(fn, name="relay")                               # fn on another connection, meanwhile

`race` returns the results in the order of the calls; an exception of a class in `expected` is an
answer (it stands in its call's place), any other is re-raised in the test once every thread ended.
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections

BARRIER_TIMEOUT = 60  # seconds: a racer that never reaches the start line breaks the race, not the suite


def race(
    work: Callable[[Any], Any] | Iterable[Callable[[], Any]],
    items: Iterable[Any] | None = None,
    *,
    threads: int | None = None,
    expected: type[BaseException] | tuple[type[BaseException], ...] = (),
) -> list[Any]:
    """Run the calls on real threads that all start at once, each on its own database connection.

    `race(fn, items)` calls fn(item) for every item; `race([f, g])` calls every callable. `threads`
    (default: one a call) caps the threads, so the connections: with fewer threads than calls, thread i
    takes calls i, i + threads, ... in turn (PostgreSQL allows 100 connections and other runs share
    it). Every thread waits at one barrier before its first call, and closes its connections when it
    ends. Returns the results in the calls' order, an exception of an `expected` class in its call's
    place; any other exception is re-raised here (the first call's) once every thread has ended.
    """
    if items is None:
        calls: list[Any] = list(work)  # type: ignore[arg-type]

        def call(callable_: Any) -> Any:
            return callable_()
    else:
        calls = list(items)
        call = work  # type: ignore[assignment]
    if not calls:
        return []
    count = len(calls)
    width = min(threads or count, count)
    barrier = threading.Barrier(width)
    results: list[Any] = [None] * count
    failures: dict[int, BaseException] = {}

    def racer(first: int) -> None:
        index = first
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
            for index in range(first, count, width):
                try:
                    results[index] = call(calls[index])
                except expected as answer:
                    results[index] = answer
        except BaseException as error:  # re-raised in the test's thread below
            failures[index] = error
        finally:
            connections.close_all()

    racers = [threading.Thread(target=racer, args=(i,), name=f"racer-{i}") for i in range(width)]
    for thread in racers:
        thread.start()
    for thread in racers:
        thread.join()
    if failures:
        raise failures[min(failures)]
    return results


def elsewhere(fn: Callable[[], Any]) -> Any:
    """fn() on another thread with its own connection (another session, as another request would be);
    waits for it and returns its result, re-raising what it raised."""
    return race([fn])[0]


class Background(threading.Thread):
    """fn() on a thread of its own with its own database connection, closed when fn ends, while the
    test goes on; join() re-raises what fn raised."""

    def __init__(self, fn: Callable[[], Any], *, name: str | None = None, daemon: bool = False) -> None:
        super().__init__(name=name, daemon=daemon)
        self._fn = fn
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._fn()
        except BaseException as error:  # re-raised by join() in the test's thread
            self.error = error
        finally:
            connections.close_all()

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error is not None:
            raise self.error


def background(fn: Callable[[], Any], *, name: str | None = None, daemon: bool = False) -> Background:
    """Start fn() on a Background thread (its own connection) and return the thread to join."""
    thread = Background(fn, name=name, daemon=daemon)
    thread.start()
    return thread
