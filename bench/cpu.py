"""CPU used by the processes of a bench: gunicorn's master and workers, and PostgreSQL's backends.

Unlike a wall-clock rate this does not depend on what else the machine is doing:
capacity = cores / CPU per request.
"""

import os
import subprocess
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (those that have exited count zero)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def machine_times() -> list[int]:
    """The whole machine's CPU time so far, in clock ticks: [user+nice, system+irq, idle+iowait, steal]."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return [user + nice, system + irq + softirq, idle + iowait, steal]


def machine_split(before: list[int], after: list[int]) -> str:
    """How the machine's CPUs spent a stretch of time: busy, idle and stolen by the hypervisor."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    total = max(1, sum(spent))
    busy, idle, steal = (spent[0] + spent[1]) / total, spent[2] / total, spent[3] / total
    return f"busy {busy:.0%}, idle {idle:.0%}, stolen by the hypervisor {steal:.0%}"


def gunicorn_pids(server: subprocess.Popen) -> list[int]:
    """gunicorn's master and its workers."""
    pids = [server.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server.pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def postgres_pids(server_url: str, db: str) -> list[int]:
    """The PostgreSQL backends serving the bench database."""
    query = f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}'"  # db is our own argument
    out = subprocess.run(["psql", f"{server_url}/postgres", "-Atc", query], capture_output=True, text=True)
    return [int(line) for line in out.stdout.split() if line.strip().isdigit()]


def server_pids(server: subprocess.Popen, server_url: str, db: str) -> list[int]:
    """gunicorn's master and workers, and the PostgreSQL backends serving the bench database."""
    return gunicorn_pids(server) + postgres_pids(server_url, db)


def settle(connection) -> None:
    """After a bulk setup: VACUUM ANALYZE and a CHECKPOINT, so autovacuum and the checkpointer do not
    run during the measurement (a live system is in that steady state, not just after a bulk load)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def machine_speed(server_url: str) -> str:
    """How fast this machine is right now, to compare runs across days: the same VM has run twice as
    slow for hours at a time. Best of 5 for a fixed Python loop (1,000,000 steps, CPU time) and for a
    PostgreSQL round trip (SELECT 1 over one connection, 500 times)."""
    import time

    import psycopg

    def python_loop() -> float:
        started = time.process_time()
        total = 0
        for step in range(1_000_000):
            total += step
        return time.process_time() - started

    loop_ms = min(python_loop() for _ in range(5)) * 1000
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        trips = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(500):
                conn.execute("SELECT 1").fetchone()
            trips.append((time.perf_counter() - started) / 500)
    return f"Python loop of 10^6 steps {loop_ms:.0f} ms, PostgreSQL round trip {min(trips) * 1e6:.0f} µs"
