"""`doorstep serve`: the web service."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import app, console

WS_PER_MESSAGE_DEFLATE = False
"""Chat frames are a few hundred bytes of JSON: compressing them saves little, and each connection's
deflate state cost about 45 kB of memory (measured with tracemalloc over 1,000 idle connections) and
CPU on every frame. `evals.servers` starts test and bench servers the same way."""


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help=(
                "Server processes (uvicorn workers); more than one needs REDIS_URL and PostgreSQL. "
                "Chat turns have worker processes of their own in each: DOORSTEP_TURN_PROCESSES."
            )
        ),
    ] = 1,
) -> None:
    """Serve the API, the residents' chat (/ws/chat, /demo) and the staff inbox."""
    import uvicorn

    base = f"http://{host}:{port}"
    console.print(f"Doorstep on {base}: demo portal {base}/demo, API docs {base}/docs", highlight=False)

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_level="info",
        ws_per_message_deflate=WS_PER_MESSAGE_DEFLATE,
    )
