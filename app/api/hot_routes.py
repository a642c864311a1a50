"""The app's outermost layer: the busiest requests go straight to their handlers (`HotRoutesFirst`)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send


class HotRoutesFirst:
    """A socket on one of `sockets`, and a POST to one of `posts` (path -> ASGI app), go straight to
    their handlers; everything else goes through the whole stack (`app`) as before.

    The chat socket: the HTTP middleware (body limits, error pages, exception handlers) has nothing to
    do for it, since it limits its own frames and answers its own errors, yet each layer would stay on
    the connection's stack for as long as it is open: hours, for thousands of idle residents.

    Stripe's webhook is the busiest request a server answers, and on one process the event loop's share
    of it bounds how many a second it takes: its handler answers as the stack would (its errors
    included, `app.api.stripe.webhook_first`) without the layers and the route matching in between.
    Only POST, and only without a `root_path` (where the router would read the path otherwise): another
    method on the same path goes through the stack, for its 405. A middleware added to the app does not
    see these requests."""

    def __init__(self, app: ASGIApp, *, sockets: Mapping[str, ASGIApp], posts: Mapping[str, ASGIApp]) -> None:
        self.app = app
        self.sockets = dict(sockets)
        self.posts = dict(posts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            if scope["method"] == "POST" and not scope.get("root_path"):
                hot = self.posts.get(scope["path"])
                if hot is not None:
                    await hot(scope, receive, send)
                    return
        elif kind == "websocket":
            socket = self.sockets.get(scope["path"])
            if socket is not None:
                await socket(scope, receive, send)
                return
        await self.app(scope, receive, send)
