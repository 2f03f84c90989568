"""Two ASGI layers around the whole app (issue 14 part 4), so that they hold for every response,
the auth guard's 401/403 and errors included:

- `SecurityHeaders`: a Content-Security-Policy that allows only this server's own files (the page
  has no inline script or style attribute; its icon is a `data:` URL), no framing, `nosniff` and no
  Referer (a `?token=` address must not leak to another site).
- `BodyLimit`: a request body over `max_bytes` is refused with 413 before it is read into memory,
  whether it announces its length or arrives chunked.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # data: for the page's empty icon (<link rel=icon href="data:,">)
    "media-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *((k, v) for k, v in HEADERS if k not in names)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Reads a request's body (up to `max_bytes`) before the app sees it, then hands it on whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if scope["type"] != "http" or ("content-length" not in headers and "transfer-encoding" not in headers):
            return await self.app(scope, receive, send)
        too_big = JSONResponse({"error": f"the request body is over {self.max_bytes // 1024} KiB; send a shorter "
                                         "question"}, 413, headers={"Connection": "close"})
        length = headers.get("content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_bytes):
            return await too_big(scope, receive, send)  # refused on the header, nothing read
        chunks, size = [], 0
        while True:  # chunked bodies announce no length: count as they come
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return await too_big(scope, receive, send)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


__all__ = ["BodyLimit", "SecurityHeaders", "CSP"]
