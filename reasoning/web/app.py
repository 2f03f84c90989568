"""The web app behind `gamekb serve`: a JSON API with the CLI's `--json` fields, and the page.

A face, like cli.py: each route parses its request, calls reasoning.usecases (search rows, events,
ask; the same functions the CLI calls) and sends the rows, adding the ids and links the page needs.

Safety (issue 7): it binds 127.0.0.1 unless given a token; with a token every request must carry it
(`Authorization: Bearer T`, `X-Gamekb-Token: T`, `?token=T` once, after which a cookie carries it);
without one, requests must name a loopback Host, so a web page on another site cannot reach the API
by pointing a DNS name at 127.0.0.1 (DNS rebinding). Files are served by integer id only: a video's
path comes from the SQL row of a ready video, never from the request, and the page's own files from
a fixed list of names. Every error is JSON `{"error": message}` with a 4xx status, never a traceback.

Under load (issue 14 part 4): searches run on threads of their own, in parallel, so a burst of them
neither queues behind one lock nor takes the worker threads that the other routes use; the page and
its files are served from memory without a thread. Request bodies are capped, error messages are
clipped, every response carries the security headers (reasoning/web/guard.py), and a server that
others can reach (a token, or a non-loopback bind) shows file names where it would show paths.
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import json
import logging
import mimetypes
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import anyio

from kb.errors import GamekbError, MissingDependency
from kb.names import path_of

try:
    from fastapi import FastAPI, HTTPException, Query, Request, Response
    from fastapi import Path as PathParam
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from pydantic import BaseModel, Field
    from starlette.exceptions import HTTPException as StarletteHTTPException
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependency("gamekb serve needs fastapi and uvicorn; install them with: "
                            "pip install fastapi uvicorn") from exc

from kb.store import KnowledgeBase
from reasoning import timeline, usecases
from reasoning.web.guard import BodyLimit, SecurityHeaders
from reasoning.web.ranges import file_response
from retrieval.search import Filters
from retrieval.types import Moment

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
PAGE_FILES = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
TOKEN_COOKIE = "gamekb_token"
TOKEN_HEADER = "x-gamekb-token"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
MAX_ID = 2**62  # ids go into LanceDB filters as int64; larger numbers are simply unknown
NO_STORE = {"Cache-Control": "no-store"}
MAX_BODY = 64 * 1024  # bytes; the largest valid ask body (a 2000-character question, filters) is a few KiB
MAX_ERROR = 1000  # characters of an error message: a message may quote what the request named
# Searches at once. The embedder's matmuls and LanceDB's scans release the GIL, so a few threads
# per core keep the cores busy while others wait on I/O or Python (bench/web_burst.py).
SEARCH_THREADS = 2 * (os.cpu_count() or 1)


# -- binding and auth -------------------------------------------------------------------------

def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost names: only this machine can connect."""
    h = host.strip().strip("[]").rstrip(".").lower()
    if h in LOOPBACK_NAMES or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token (0.0.0.0 and LAN addresses included)."""
    if token is not None and len(token.strip()) < 8:
        raise GamekbError("--token is too short; use at least 8 characters, e.g. "
                          "--token \"$(python -c 'import secrets; print(secrets.token_urlsafe())')\"")
    if not token and not is_loopback(host):
        raise GamekbError(f"serving on {host} lets other machines read your library; add --token SECRET "
                          "(or set GAMEKB_TOKEN), or bind --host 127.0.0.1")


def _host_name(host_header: str) -> str:
    """'127.0.0.1:8765' -> '127.0.0.1', '[::1]:8765' -> '::1', 'localhost' -> 'localhost'."""
    h = host_header.strip()
    if h.startswith("["):
        return h[1:h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def given_token(request: Request) -> tuple[str | None, bool]:
    """The token a request carries, and whether it came in the query string (then set the cookie)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    if TOKEN_HEADER in request.headers:
        return request.headers[TOKEN_HEADER], False
    if "token" in request.query_params:
        return request.query_params["token"], True
    return request.cookies.get(TOKEN_COOKIE), False


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8"))


# -- response shapes (the CLI's --json fields, plus what the page needs to link things) ----------

class VideoOut(BaseModel):
    id: int
    video: str
    video_path: str
    status: str
    duration_s: float
    segments: int
    game: Optional[str] = Field(description="the game pack the video was read with")
    game_score: Optional[float] = Field(description="0..1: how well the pack matched when chosen automatically; null when named")


class EventOut(BaseModel):
    video: str
    t_start: float
    t_end: float
    kind: str
    label: str
    value: Optional[float]
    source: str
    video_id: int


class HitOut(BaseModel):
    video: str
    video_path: str
    start_s: float
    end_s: float
    score: float
    text: str
    video_id: int
    segment_id: int
    keyframe_t: Optional[float]
    citation: str = Field(description="video@MM:SS")
    description: str = Field(description="what matched, in words (the CLI's search line)")
    screen_text: list[str] = Field(description="HUD/screen messages read in this window")
    transcript: list[str] = Field(description="what was said in this window")
    keyframe_url: str = Field(description="the segment's keyframe")
    video_url: str
    match: bool = Field(description="true for a match; false for one of the closest moments, which are not")
    at_s: float = Field(description="when the matched thing was first seen or heard")
    thumbnail_url: str = Field(description="the frame at at_s (the card's picture)")


Name = Annotated[str, Field(max_length=500)]  # a video, kind or game name in a request body


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    video: Optional[list[Name]] = Field(None, max_length=100)
    kind: Optional[list[Name]] = Field(None, max_length=100)
    game: Optional[list[Name]] = Field(None, max_length=100)
    limit: int = Field(6, ge=1, le=50)


class CitationOut(BaseModel):
    video: str
    video_path: str
    start_s: float
    end_s: float
    video_id: Optional[int]
    citation: str


class AskOut(BaseModel):
    answer: str
    citations: list[CitationOut]


def hit_row(kb: KnowledgeBase, m: Moment, show_paths: bool = True) -> dict[str, Any]:
    """The CLI's search row and the card's details (reasoning.usecases), and where the page finds its media."""
    return {**usecases.hit_row(m, show_paths), **usecases.hit_details(kb, m),
            "keyframe_url": f"/api/keyframe/{m.video_id}/{m.segment_id}", "video_url": f"/api/video/{m.video_id}",
            "thumbnail_url": f"/api/frame/{m.video_id}?t={m.at_s:.2f}"}


# -- the app ------------------------------------------------------------------------------------

def _time(value: str | None, what: str) -> float | None:
    if value is None or value == "":
        return None
    from retrieval.query import parse_ts

    try:
        return parse_ts(value)
    except GamekbError:
        raise GamekbError(f"bad {what} time {value!r}; write seconds or MM:SS, e.g. {what}=01:30") from None


def _filters(video: list[str] | None, kind: list[str] | None, t_from: str | None = None, to: str | None = None,
             game: list[str] | None = None) -> Filters:
    return Filters(videos=video or None, kinds=kind or None, t_from=_time(t_from, "from"), t_to=_time(to, "to"),
                   games=game or None)


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
              for e in exc.errors()]
    parts = [f"{'.'.join(e['loc'][1:] or e['loc'])}: {e['msg']}" for e in errors]
    return "bad request: " + "; ".join(parts), errors


VideoList = Annotated[Optional[list[str]], Query(description="Only this video (file stem); repeatable.")]
KindList = Annotated[Optional[list[str]], Query(description="Only events of this kind; repeatable.")]
GameList = Annotated[Optional[list[str]], Query(description="Only videos read with this game pack; repeatable.")]
FromQ = Annotated[Optional[str], Query(alias="from", description="From this time on (seconds or MM:SS).")]
ToQ = Annotated[Optional[str], Query(description="Up to this time (seconds or MM:SS).")]
VideoId = Annotated[int, PathParam(ge=0, le=MAX_ID)]


def _clip(message: str) -> str:
    return message if len(message) <= MAX_ERROR else message[:MAX_ERROR] + f"... ({len(message)} characters)"


def create_app(kb: KnowledgeBase, token: str | None = None, reasoner: str = "extractive",
               reasoner_options: dict[str, Any] | None = None, host: str = "127.0.0.1") -> FastAPI:
    """The app over one knowledge base. With a token every request must carry it (see module doc).

    `host` is the interface it is served on: with a token or off loopback other machines may read
    the answers, so they carry file names instead of this machine's paths."""
    # /docs and /redoc would load Swagger UI from a CDN; the schema itself is served at /openapi.json
    app = FastAPI(title="gamekb", version="1", docs_url=None, redoc_url=None,
                  description="Search, events, ask and media of a gamekb library; the same fields as the CLI's --json.")
    show_paths = token is None and is_loopback(host)
    # Worker threads by kind of work. Searches share the text embedder (stateless per call), the
    # LanceDB table handle and the SQL engine, all safe to use from several threads, so they run in
    # parallel (one lock serialised them: a 200-search burst took 9-11 s each and starved every
    # other route of threads). The reasoner and matplotlib's pyplot keep global state: one at a time.
    limiters: dict[str, anyio.CapacityLimiter] = {}

    def limiter(name: str) -> anyio.CapacityLimiter:
        if name not in limiters:  # made on first use, inside the server's event loop
            limiters[name] = anyio.CapacityLimiter(SEARCH_THREADS if name == "search" else 1)
        return limiters[name]

    engines: dict[str, Any] = {}
    page_files = {name: (STATIC / name).read_bytes() for name in ("index.html", *PAGE_FILES)}

    def engine():
        if "r" not in engines:  # built on the first question, under the reasoner's limiter
            engines["r"] = usecases.reasoner(reasoner, reasoner_options)
        return engines["r"]

    def ready_video(video_id: int):
        for v in kb.videos(status="ready"):
            if v.id == video_id:
                return v
        raise HTTPException(404, f"no ready video with id {video_id}")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if token:
            given, via_query = given_token(request)
            if not _same(given, token):
                return JSONResponse({"error": "this server needs its token: send 'Authorization: Bearer TOKEN' "
                                              "or open /?token=TOKEN once"}, 401, headers={"WWW-Authenticate": "Bearer"})
            response = await call_next(request)
            if via_query:
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", path="/")
            return response
        if not is_loopback(_host_name(request.headers.get("host", ""))):
            return JSONResponse({"error": "this server answers only to localhost/127.0.0.1; serve it with "
                                          "--token to reach it under another name"}, 403)
        return await call_next(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, exc: StarletteHTTPException):
        return JSONResponse({"error": _clip(str(exc.detail))}, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request, exc: RequestValidationError):
        message, errors = _validation_message(exc)
        return JSONResponse({"error": _clip(message), "detail": errors[:20]}, 422)

    @app.exception_handler(GamekbError)
    async def domain_error(_request, exc: GamekbError):
        return JSONResponse({"error": _clip(str(exc))}, 400)

    @app.exception_handler(Exception)
    async def crash(_request, exc: Exception):
        log.error("request failed", exc_info=exc)
        return JSONResponse({"error": "internal error; the server log has the details"}, 500)

    # -- API -------------------------------------------------------------------------------
    @app.get("/api/search", response_model=list[HitOut], summary="Find the best moments across all videos")
    async def api_search(q: Annotated[str, Query(min_length=1, max_length=500, description="What to look for; @MM:SS anchors.")],
                   video: VideoList = None, kind: KindList = None, t_from: FromQ = None, to: ToQ = None,
                   game: GameList = None, limit: Annotated[int, Query(ge=1, le=100)] = 10,
                   closest: Annotated[bool, Query(description="After the matches, the closest moments that are not "
                                                              "matches (match: false), up to limit in all.")] = False):
        from retrieval.search import search

        f = _filters(video, kind, t_from, to, game)

        def run() -> list[dict[str, Any]]:
            return [hit_row(kb, m, show_paths) for m in search(kb, q, limit=limit, filters=f, closest=closest)]

        return await anyio.to_thread.run_sync(run, limiter=limiter("search"))

    @app.get("/api/events", response_model=list[EventOut], summary="The event table, filtered and paged",
             description="The X-Next-Offset header is set when there are more rows after this page.")
    def api_events(response: Response, video: VideoList = None, kind: KindList = None, t_from: FromQ = None,
                   to: ToQ = None, game: GameList = None, text: Annotated[Optional[str], Query(max_length=200)] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
        f = _filters(video, kind, t_from, to, game)
        # one row past the page says whether another page follows; the database skips `offset`
        rows = usecases.events(kb, f, text, limit + 1, offset)
        if len(rows) > limit:
            response.headers["X-Next-Offset"] = str(offset + limit)
        return [{**usecases.event_row(e, v), "video_id": v.id} for e, v in rows[:limit]]

    @app.get("/api/videos", response_model=list[VideoOut], summary="The library, paged",
             description="X-Total-Count holds the number of videos; X-Next-Offset is set when more follow.")
    def api_videos(response: Response, status: Annotated[Optional[str], Query(pattern="^(pending|ingesting|ready|failed)$")] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
        rows = usecases.video_rows(kb, status, show_paths)
        response.headers["X-Total-Count"] = str(len(rows))
        if len(rows) > offset + limit:
            response.headers["X-Next-Offset"] = str(offset + limit)
        return rows[offset:offset + limit]

    @app.get("/api/kinds", response_model=list[str], summary="Event kinds present in the library")
    def api_kinds():
        return kb.event_kinds()

    @app.get("/api/games", response_model=list[str], summary="Game packs the library's ready videos were read with")
    def api_games():
        return kb.games()

    @app.post("/api/ask", response_model=AskOut, summary="Answer a question, citing video@MM:SS")
    async def api_ask(body: AskIn):
        def run():
            f = _filters(body.video, body.kind, game=body.game)
            return usecases.ask(kb, body.question, engine(), body.limit, f)

        answer = await anyio.to_thread.run_sync(run, limiter=limiter("reasoner"))
        return {"answer": answer.text, "citations": cited(answer.citations)}

    def cited(citations) -> list[dict[str, Any]]:
        """The answer's citations as the page links them: each with its video's id."""
        ids = {v.name: v.id for v in kb.videos(status="ready")}
        return [{**usecases.citation_row(c, show_paths), "video_id": ids.get(c.video), "citation": str(c)} for c in citations]

    @app.post("/api/ask/stream", summary="Answer a question as it is written (NDJSON)",
              response_class=StreamingResponse,
              description='One JSON object per line: {"text": CHUNK} as the reasoner writes, then '
                          '{"answer": TEXT, "citations": [...], "dropped_citations": [...]} once it is done; '
                          'an error midway ends the stream with {"error": MESSAGE}.')
    async def api_ask_stream(body: AskIn):
        # the reasoner answers one question at a time: the limiter is held until the last line
        holder = object()
        lim = limiter("reasoner")
        await lim.acquire_on_behalf_of(holder)
        try:
            f = _filters(body.video, body.kind, game=body.game)
            streamed = await anyio.to_thread.run_sync(lambda: usecases.stream(kb, body.question, engine(), body.limit, f))
        except BaseException:
            lim.release_on_behalf_of(holder)
            raise

        async def lines():
            parts: list[str] = []
            chunks = iter(streamed)
            try:
                while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
                    parts.append(chunk)
                    yield json.dumps({"text": chunk}) + "\n"
                text = "".join(parts)
                citations = await anyio.to_thread.run_sync(cited, streamed.citations(text))
                yield json.dumps({"answer": text, "dropped_citations": streamed.dropped, "citations": citations}) + "\n"
            except Exception as exc:  # the status line is sent: say it in the stream, and log it
                log.exception("answer stream failed")
                message = str(exc) if isinstance(exc, GamekbError) else "internal error; the server log has the details"
                yield json.dumps({"error": _clip(message)}) + "\n"
            finally:
                lim.release_on_behalf_of(holder)

        return StreamingResponse(lines(), media_type="application/x-ndjson", headers=NO_STORE)

    @app.get("/api/timeline/{video_id}", summary="One video's events in lanes by kind, and its HUD curves")
    def api_timeline(video_id: VideoId) -> dict[str, Any]:
        return timeline.for_video(kb, ready_video(video_id))

    @app.get("/api/timeline/{video_id}/png", summary="The timeline as a PNG (the same as gamekb timeline --png)",
             response_class=Response, responses={200: {"content": {"image/png": {}}}})
    async def api_timeline_png(video_id: VideoId):
        def run() -> bytes:
            buf = io.BytesIO()
            timeline.render_png(timeline.for_video(kb, ready_video(video_id)), buf)
            return buf.getvalue()

        return Response(await anyio.to_thread.run_sync(run, limiter=limiter("pyplot")), media_type="image/png",
                        headers=NO_STORE)

    @app.get("/api/keyframe/{video_id}/{idx}", summary="A segment's keyframe (JPEG)",
             response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
    def api_keyframe(video_id: VideoId, idx: Annotated[int, PathParam(ge=0, le=MAX_ID)]):
        ready_video(video_id)
        jpeg = usecases.keyframe(kb, video_id, idx)
        if jpeg is None:
            raise HTTPException(404, f"video {video_id} has no keyframe {idx}")
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/api/frame/{video_id}", summary="The video's frame at a time (JPEG, 320 px wide): a result's picture",
             response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
    def api_frame(video_id: VideoId, t: Annotated[float, Query(ge=0, le=10_000_000, description="seconds")]):
        v = ready_video(video_id)
        if t > v.duration_s + 1.0:
            raise HTTPException(404, f"video {v.name} is {v.duration_s:.1f} s long; no frame at {t:g} s")
        path = Path(v.path).expanduser()
        if not path.is_file():
            raise HTTPException(404, f"the file of video {v.name} is no longer at {usecases.shown_path(v.path, show_paths)}")
        jpeg = frame_jpeg(path, t)  # PyAV: a container of its own per call, nothing shared
        if jpeg is None:
            raise HTTPException(404, f"video {v.name} has no frame at {t:g} s")
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/api/video/{video_id}", summary="The video file, with HTTP range requests (206, Content-Range)",
             response_class=Response, responses={200: {"content": {"video/mp4": {}}}, 206: {"description": "Partial Content"},
                                                     416: {"description": "Range Not Satisfiable"}})
    @app.head("/api/video/{video_id}", include_in_schema=False)
    def api_video(video_id: VideoId, request: Request):
        v = ready_video(video_id)
        path = path_of(v.path).expanduser()  # a path that is not UTF-8 is stored as a file:// URI
        if not path.is_file():
            raise HTTPException(404, f"the file of video {v.name} is no longer at {usecases.shown_path(v.path, show_paths)}; "
                                     "ingest it again from where it is now")
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return file_response(path, media, request.headers.get("range"), request.headers.get("if-range"),
                             head=request.method == "HEAD", headers={"Cache-Control": "private, max-age=60"})

    # -- the page: from memory, on the event loop, so a burst of searches cannot hold it up ------
    @app.get("/", include_in_schema=False)
    async def page():
        return Response(page_files["index.html"], media_type="text/html; charset=utf-8", headers=NO_STORE)

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str):
        if name not in PAGE_FILES:  # a fixed list: nothing from the request is joined to a path
            raise HTTPException(404, f"no static file {name[:100]!r}")
        return Response(page_files[name], media_type=PAGE_FILES[name], headers=NO_STORE)

    # outermost last: the headers go on everything, the guard's 401/403 and the 413 included
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY)
    app.add_middleware(SecurityHeaders)
    return app


def frame_jpeg(path: Path, t: float, width: int = 320) -> bytes | None:
    """The first frame shown at or after t seconds, as a JPEG `width` pixels wide (PyAV); None past the end."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.time_base is not None:  # else: decode from the start
            container.seek(int(max(0.0, t) / stream.time_base), stream=stream, backward=True)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time + 1e-3 >= t:
                break
        if chosen is None:
            return None
        image = chosen.to_image()
    image.thumbnail((width, width * 4))
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


def serve(kb: KnowledgeBase, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          reasoner: str = "extractive", reasoner_options: dict[str, Any] | None = None) -> None:
    """Run the app until Ctrl-C. The access log stays off: it would print ?token= query strings."""
    check_bind(host, token)
    import uvicorn

    uvicorn.run(create_app(kb, token=token, reasoner=reasoner, reasoner_options=reasoner_options, host=host),
                host=host, port=port, log_level="info", access_log=False, server_header=False)


def url(host: str, port: int) -> str:
    """How to reach a server bound to host:port (0.0.0.0 and :: are reached through localhost)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


__all__ = ["create_app", "serve", "check_bind", "is_loopback", "url"]
