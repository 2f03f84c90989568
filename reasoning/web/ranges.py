"""A video file, whole or one byte range of it (RFC 9110 section 14), for the page's <video> player.

Starlette's FileResponse parses Range itself and answers a header it does not like with a plain-text
400, and an unknown range unit with 400 where RFC 9110 says to ignore it (issue 14 part 4); older
Starlette releases ignore Range altogether. So the range is read here: an unknown unit, several
ranges (which no player sends) or an If-Range that no longer matches give the whole file (200, which
the RFC allows); a range past the end is a 416 with `Content-Range: bytes */SIZE`; a bytes range that
does not parse is a 400; both are the API's JSON error.
"""

from __future__ import annotations

import hashlib
from email.utils import formatdate
from pathlib import Path
from typing import AsyncIterator

import anyio
from starlette.exceptions import HTTPException
from starlette.responses import StreamingResponse

CHUNK = 256 * 1024  # bytes read and sent at a time


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end) with end exclusive for a `Range` header, or None to send the whole file.

    Raises HTTPException 416 for a range that starts past the end, 400 for bytes that do not parse.
    """
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None  # RFC 9110 14.2: a range unit the server does not understand is ignored
    spec = spec.strip()
    if "," in spec:
        return None  # several ranges: the whole file is a valid answer, and a simpler one
    first, dash, last = spec.partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first or last) or not (first.isdigit() or not first) or not (last.isdigit() or not last):
        raise HTTPException(400, f"bad Range header {header[:100]!r}; write e.g. bytes=0-1023")
    if not first:  # bytes=-N: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise HTTPException(416, "the Range asks for no bytes", headers={"Content-Range": f"bytes */{size}"})
        return max(0, size - n), size
    start = int(first)
    end = size if not last else min(size, int(last) + 1)
    if start >= size:
        raise HTTPException(416, f"the Range starts at byte {start} of a {size}-byte file",
                            headers={"Content-Range": f"bytes */{size}"})
    if end <= start:
        raise HTTPException(400, f"bad Range header {header[:100]!r}: it ends before it starts")
    return start, end


def file_response(path: Path, media_type: str, range_header: str | None, if_range: str | None,
                  head: bool, headers: dict[str, str]) -> StreamingResponse:
    """The file, or the byte range that `range_header` asks for (206 with Content-Range)."""
    st = path.stat()
    etag = '"' + hashlib.md5(f"{st.st_mtime}-{st.st_size}".encode(), usedforsecurity=False).hexdigest() + '"'
    modified = formatdate(st.st_mtime, usegmt=True)
    if if_range is not None and if_range not in (etag, modified):
        range_header = None  # the file changed since the client's first part: send it all again
    rng = byte_range(range_header, st.st_size)
    start, end = rng or (0, st.st_size)
    out = {**headers, "Accept-Ranges": "bytes", "Content-Length": str(end - start), "ETag": etag,
           "Last-Modified": modified}
    if rng:
        out["Content-Range"] = f"bytes {start}-{end - 1}/{st.st_size}"
    body = _empty() if head else _read(path, start, end)
    return StreamingResponse(body, status_code=206 if rng else 200, media_type=media_type, headers=out)


async def _read(path: Path, start: int, end: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as f:
        await f.seek(start)
        left = end - start
        while left > 0:
            chunk = await f.read(min(CHUNK, left))
            if not chunk:  # the file shrank under us; the client sees a short body
                return
            left -= len(chunk)
            yield chunk


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator


__all__ = ["byte_range", "file_response"]
