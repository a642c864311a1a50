"""Starting a server of ours on 127.0.0.1 in its own process, for the benches and the tests. Every wait is
bounded; nothing listens beyond loopback."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {seconds} s")


@dataclass(frozen=True)
class Served:
    base: str
    """http://127.0.0.1:PORT"""
    pid: int

    def rss_bytes(self, field: str = "VmRSS") -> int:
        """The server process's resident memory now: all of it (VmRSS), or only its anonymous memory
        (RssAnon), leaving out file pages it maps, such as SQLite's memory-mapped database."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no {field} for the server process")

    def tree_rss_bytes(self, field: str = "VmRSS") -> int:
        """`rss_bytes` of the server and every process it started (the workers that answer chat turns,
        `app.channels.turn_processes`), each counted whole: shared pages are counted once per process."""
        total = 0
        for pid in (self.pid, *descendants(self.pid)):
            try:
                total += Served(self.base, pid).rss_bytes(field)
            except (OSError, RuntimeError):  # a process that has just exited
                continue
        return total


def descendants(pid: int) -> list[int]:
    """The processes `pid` started, and theirs, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


@contextmanager
def uvicorn_server(
    target: str, env: dict[str, str], log: Path, *, factory: bool = False, health: str | None = None
) -> Iterator[Served]:
    """`uvicorn TARGET` in its own process with `env` added; yields once it listens (and `health`, a
    path, answers 200 when given). UVICORN_LOG_LEVEL=trace in the environment logs every frame."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    command += [
        "--log-level",
        os.environ.get("UVICORN_LOG_LEVEL", "warning"),
        *(["--factory"] if factory else []),
        *("--ws-per-message-deflate", "false"),  # as `doorstep serve` runs (app/cli/serve.py)
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, process, seconds=60)
            base = f"http://127.0.0.1:{port}"
            if health:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                try:
                    connection.request("GET", health)
                    status = connection.getresponse().status
                finally:
                    connection.close()
                if status != 200:
                    raise RuntimeError(f"{health} answered {status}")
            yield Served(base, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextmanager
def doorstep_server(env: dict[str, str], log: Path) -> Iterator[Served]:
    """Doorstep (`app.main:create_app`) with `env`, once /healthz answers."""
    with uvicorn_server("app.main:create_app", env, log, factory=True, health="/healthz") as served:
        yield served
