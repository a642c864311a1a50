"""Servers a test starts on 127.0.0.1 and stops: Redis, and Doorstep itself (`evals.servers`)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evals.servers import doorstep_server as _doorstep_server
from evals.servers import free_port, wait_for_port


@contextmanager
def redis_server(root: Path) -> Iterator[str]:
    """A throwaway Redis on loopback, no persistence; its URL. RuntimeError when not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, seconds=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def logs_on_failure(*logs: Path, tail: int = 4000) -> Iterator[None]:
    """Re-raise a failure with the end of each server log attached: a server's traceback is the only
    clue when a connection drops, and CI keeps nothing but the test's output."""
    try:
        yield
    except Exception as exc:
        parts = [
            f"--- {log.name} ---\n{log.read_text(errors='replace')[-tail:]}" for log in logs if log.exists()
        ]
        exc.add_note("\n".join(parts) or "(no server logs)")
        raise


@contextmanager
def doorstep_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """Doorstep under uvicorn in its own process; its base URL once /healthz answers."""
    with _doorstep_server(env, log) as served:
        yield served.base
