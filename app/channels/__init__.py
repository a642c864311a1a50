"""How residents and staff reach Doorstep: the chat protocol's sessions and frames, the broker that fans
events out to every connection (in-process, or Redis across processes), the SMS bridge and the inbox's
queue. Testable without a socket; `app/api/` holds the thin WebSocket and HTTP routers over them."""
