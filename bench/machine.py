"""What the figures were measured on: they mean little without it."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime

import psycopg


def describe(admin_url: str) -> dict[str, str]:
    with psycopg.connect(admin_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "python": sys.version.split()[0],
        "postgresql": row[0] if row else "?",
        "sqlite": __import__("sqlite3").sqlite_version,
        "platform": platform.platform(),
    }


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM: the process's peak resident set size so far."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
