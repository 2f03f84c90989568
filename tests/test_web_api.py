"""`gamekb serve`'s API over a real HTTP server on 127.0.0.1 (uvicorn in a thread, a free port) and
a library ingested from the real Freedoom excerpt: search finds the angle grinder at 00:07-00:08,
video bytes come back by range, ids that do not exist and path tricks get 4xx JSON, tokens guard
anything served beyond loopback. Also `gamekb timeline --png`."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from cli import app as cli_app  # noqa: E402
from tests.conftest import EXCERPT  # noqa: E402

GRINDER_S = 7.77  # "You got the angle grinder!" / "Time for the angle grinder." (tests/data/README.md)
CLI_SEARCH_KEYS = {"video", "video_path", "start_s", "end_s", "score", "text", "match"}
CLI_EVENT_KEYS = {"video", "t_start", "t_end", "kind", "label", "value", "source"}
CLI_VIDEO_KEYS = {"id", "video", "video_path", "status", "duration_s", "segments", "game", "game_score"}
TOKEN = "correct-horse-battery"

runner = CliRunner()


# -- helpers shared with tests/test_web_browser.py ------------------------------------------------

def library_home(tmp_path_factory) -> Path:
    """A KB holding the real excerpt, ingested once per test session (both web modules use it)."""
    home = tmp_path_factory.getbasetemp() / "web-kb"
    if not (home / "ingested").exists():
        result = runner.invoke(cli_app, ["ingest", str(EXCERPT), "--home", str(home)])
        assert result.exit_code == 0, result.output
        (home / "ingested").write_text("ok")
    return home


@contextlib.contextmanager
def running(app):
    """Serve an ASGI app with uvicorn on 127.0.0.1 and a port the OS picked; yields the port."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def request(port: int, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    """(status, headers with lower-case names, body bytes); the path is sent exactly as given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def get_json(port: int, path: str, **kw):
    status, headers, body = request(port, path, **kw)
    return status, headers, json.loads(body)


# -- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    from kb.store import KnowledgeBase

    return KnowledgeBase.open(library_home(tmp_path_factory))


@pytest.fixture(scope="module")
def port(kb):
    from reasoning.web.app import create_app

    with running(create_app(kb)) as p:
        yield p


@pytest.fixture(scope="module")
def excerpt_id(port):
    _, _, rows = get_json(port, "/api/videos")
    return next(r["id"] for r in rows if r["video"] == "freedoom_excerpt")


# -- search, events, videos, ask ------------------------------------------------------------------------

def test_search_finds_the_angle_grinder(port):
    status, _, hits = get_json(port, "/api/search?q=angle%20grinder&limit=5")
    assert status == 200 and hits
    assert all(CLI_SEARCH_KEYS <= set(h) for h in hits)
    top = hits[0]
    assert top["video"] == "freedoom_excerpt" and abs(top["start_s"] - GRINDER_S) <= 2
    assert top["citation"] == "freedoom_excerpt@00:07"
    assert any("angle grinder" in line.lower() for h in hits[:2] for line in h["screen_text"] + h["transcript"])
    assert len(hits) <= 5 and all(h["end_s"] - h["start_s"] <= 15 for h in hits)


def test_search_matches_the_cli_json(port, kb, tmp_path_factory):
    cli = json.loads(runner.invoke(cli_app, ["search", "shotgun shells", "--json", "--limit", "4", "--home",
                                             str(library_home(tmp_path_factory))]).stdout)
    _, _, api = get_json(port, "/api/search?q=shotgun+shells&limit=4")
    assert [{k: h[k] for k in CLI_SEARCH_KEYS} for h in api] == cli


def test_search_filters_by_kind_and_video(port):
    _, _, hits = get_json(port, "/api/search?q=angle+grinder&kind=speech&video=freedoom_excerpt")
    assert hits and all(h["transcript"] for h in hits)
    status, _, err = get_json(port, "/api/search?q=angle+grinder&video=no-such-video")
    assert status == 400 and "freedoom_excerpt" in err["error"]  # the message lists the library


def test_search_and_events_filter_by_game(port):
    _, _, games = get_json(port, "/api/games")
    assert games == ["doom"]
    _, _, hits = get_json(port, "/api/search?q=angle+grinder&game=doom")
    assert hits and all(h["video"] == "freedoom_excerpt" for h in hits)
    _, _, rows = get_json(port, "/api/events?game=doom&kind=pickup")
    assert rows and all(r["video"] == "freedoom_excerpt" for r in rows)
    for path in ("/api/search?q=angle+grinder&game=quake", "/api/events?game=quake"):
        status, _, err = get_json(port, path)
        assert status == 400 and err["error"] == "no ready video of game 'quake'; games in the library: doom"


def test_keyframe_of_a_hit_is_a_jpeg(port):
    from PIL import Image

    _, _, hits = get_json(port, "/api/search?q=angle+grinder&limit=1")
    status, headers, body = request(port, hits[0]["keyframe_url"])
    assert status == 200 and headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(body)).size[0] > 0


def test_search_keeps_the_closest_apart(port):
    assert get_json(port, "/api/search?q=secret")[2] == []  # nothing matched, nothing shares a word
    _, _, hits = get_json(port, "/api/search?q=secret&closest=true&limit=3")
    assert 1 <= len(hits) <= 3 and not any(h["match"] for h in hits)
    _, _, hits = get_json(port, "/api/search?q=angle+grinder&closest=true&limit=8")
    flags = [h["match"] for h in hits]
    assert flags[0] and False in flags and flags == sorted(flags, reverse=True)


def test_a_hit_shows_the_matched_moment(port):
    from PIL import Image

    _, _, hits = get_json(port, "/api/search?q=angle+grinder&limit=1")
    hit = hits[0]
    assert abs(hit["at_s"] - GRINDER_S) <= 1 and hit["thumbnail_url"].endswith(f"t={hit['at_s']:.2f}")
    assert abs(hit["keyframe_t"] - hit["at_s"]) > 1  # the segment's keyframe is another moment
    status, headers, body = request(port, hit["thumbnail_url"])
    assert status == 200 and headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(body)).size[0] == 320
    _, _, first = request(port, f"/api/frame/{hit['video_id']}?t=0")
    assert first != body  # another time, another frame
    assert request(port, f"/api/frame/{hit['video_id']}?t=9999")[0] == 404
    assert request(port, f"/api/frame/{hit['video_id']}?t=-1")[0] == 422


def test_events_match_the_cli_and_page(port):
    _, _, rows = get_json(port, "/api/events?kind=pickup")
    assert rows and all(CLI_EVENT_KEYS <= set(r) and r["kind"] == "pickup" for r in rows)
    assert any(r["label"] == "angle grinder" and abs(r["t_start"] - GRINDER_S) <= 1 for r in rows)
    _, headers, first = get_json(port, "/api/events?limit=3")
    _, _, second = get_json(port, "/api/events?limit=3&offset=3")
    _, _, both = get_json(port, "/api/events?limit=6")
    assert headers["x-next-offset"] == "3" and first + second == both
    _, _, late = get_json(port, "/api/events?from=00:10")
    assert late and all(r["t_end"] >= 10 for r in late)


def test_videos_page(port):
    status, headers, rows = get_json(port, "/api/videos?limit=1")
    assert status == 200 and headers["x-total-count"] == "1" and "x-next-offset" not in headers
    assert set(rows[0]) == CLI_VIDEO_KEYS and rows[0]["status"] == "ready"
    _, _, empty = get_json(port, "/api/videos?offset=1")
    assert empty == []


def test_ask_cites_the_moment(port, excerpt_id):
    status, _, out = get_json(port, "/api/ask", method="POST", headers={"Content-Type": "application/json"},
                              body=json.dumps({"question": "when did I get the angle grinder?"}).encode())
    assert status == 200 and "angle grinder" in out["answer"]
    cite = next(c for c in out["citations"] if abs(c["start_s"] - GRINDER_S) <= 2)
    assert cite["video_id"] == excerpt_id and f"[{cite['citation']}]" in out["answer"]


def test_timeline_has_events_and_hud_curves(port, excerpt_id):
    _, _, data = get_json(port, f"/api/timeline/{excerpt_id}")
    kinds = [lane["kind"] for lane in data["lanes"]]
    assert kinds[0] == "pickup" and "speech" in kinds
    health = next(s for s in data["series"] if s["name"] == "health")
    assert all(0 <= v <= 200 for _, v in health["points"])
    assert [t for t, _ in health["points"]] == sorted(t for t, _ in health["points"])
    status, headers, png = request(port, f"/api/timeline/{excerpt_id}/png")
    assert status == 200 and png.startswith(b"\x89PNG")


def test_openapi_is_served_and_docs_need_no_cdn(port):
    status, _, spec = get_json(port, "/openapi.json")
    assert status == 200
    assert {"/api/search", "/api/events", "/api/videos", "/api/ask"} <= set(spec["paths"])
    assert request(port, "/docs")[0] == 404  # Swagger UI would load from a CDN


def test_page_and_its_files(port):
    status, headers, html = request(port, "/")
    assert status == 200 and headers["content-type"].startswith("text/html") and b'id="q"' in html
    for name in ("app.js", "style.css"):
        assert request(port, f"/static/{name}")[0] == 200
    assert b"http" not in html.replace(b"http://www.w3.org", b"")  # nothing from another host


# -- video bytes by range -------------------------------------------------------------------------------

def test_video_range_requests(port, excerpt_id):
    data = EXCERPT.read_bytes()
    status, headers, body = request(port, f"/api/video/{excerpt_id}")
    assert status == 200 and body == data
    assert headers["accept-ranges"] == "bytes" and headers["content-type"] == "video/mp4"
    status, headers, body = request(port, f"/api/video/{excerpt_id}", headers={"Range": "bytes=1000-1999"})
    assert status == 206 and body == data[1000:2000]
    assert headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    status, headers, body = request(port, f"/api/video/{excerpt_id}", headers={"Range": "bytes=-100"})
    assert status == 206 and body == data[-100:]
    status, headers, body = request(port, f"/api/video/{excerpt_id}", headers={"Range": f"bytes={len(data) - 10}-"})
    assert status == 206 and body == data[-10:]
    status, headers, _ = request(port, f"/api/video/{excerpt_id}", headers={"Range": f"bytes={len(data) + 5}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{len(data)}"
    status, headers, body = request(port, f"/api/video/{excerpt_id}", method="HEAD")
    assert status == 200 and body == b"" and headers["content-length"] == str(len(data))


# -- errors: 4xx JSON with a message, never a traceback -------------------------------------------------

@pytest.mark.parametrize("path, status", [
    ("/api/video/999999", 404),
    ("/api/video/-1", 422),
    ("/api/video/99999999999999999999999", 422),
    ("/api/keyframe/999999/0", 404),
    ("/api/keyframe/1/999999", 404),
    ("/api/timeline/999999", 404),
    ("/api/search", 422),
    ("/api/search?q=", 422),
    ("/api/search?q=x&limit=0", 422),
    ("/api/search?q=x&limit=many", 422),
    ("/api/search?q=x&from=soon", 400),
    ("/api/events?limit=-3", 422),
    ("/api/videos?status=lost", 422),
    ("/api/nothing-here", 404),
])
def test_bad_requests_get_json_errors(port, path, status):
    got, headers, body = request(port, path)
    assert got == status, body
    assert headers["content-type"] == "application/json"
    message = json.loads(body)["error"]
    assert message and "Traceback" not in message


@pytest.mark.parametrize("body", [b"", b"not json", b'{"question": ""}', b'{"question": "x", "limit": 500}', b"[]"])
def test_bad_ask_bodies(port, body):
    status, _, out = get_json(port, "/api/ask", method="POST", headers={"Content-Type": "application/json"}, body=body)
    assert status == 422 and out["error"]


@pytest.mark.parametrize("path", [
    "/api/video/../../../../etc/passwd",
    "/api/video/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/video/1%2F..%2F..%2Fetc%2Fpasswd",
    "/api/video/%2Fetc%2Fpasswd",
    "/api/video/1/../../../etc/passwd",
    "/api/keyframe/1/..%2F..%2Fetc%2Fpasswd",
    "/static/../app.py",
    "/static/..%2Fapp.py",
    "/static/%2E%2E%2Fapp.py",
    "/static/index.html/../../app.py",
    "/static/app.js%00.py",
    "/static/%2Fetc%2Fpasswd",
    "/../../../../etc/passwd",
])
def test_path_tricks_never_reach_the_filesystem(port, path):
    status, _, body = request(port, path)
    assert 400 <= status < 500, (path, status)
    assert b"root:" not in body and b"import" not in body and b"def " not in body


# -- safe by default: loopback only, or a token ---------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_needs_no_token(host):
    from reasoning.web.app import check_bind, is_loopback

    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.com", "localhost.example.com"])
def test_other_interfaces_need_a_token(host):
    from kb.errors import GamekbError
    from reasoning.web.app import check_bind, is_loopback

    assert not is_loopback(host)
    with pytest.raises(GamekbError, match="--token"):
        check_bind(host, None)
    check_bind(host, TOKEN)
    with pytest.raises(GamekbError, match="too short"):
        check_bind(host, "abc")


def test_cli_refuses_to_serve_beyond_loopback_without_a_token(tmp_path, monkeypatch):
    monkeypatch.delenv("GAMEKB_TOKEN", raising=False)
    result = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0", "--home", str(tmp_path / "kb")])
    assert result.exit_code == 2 and "--token" in result.output and "Traceback" not in result.output


def test_without_a_token_only_loopback_host_names_are_answered(port):
    assert request(port, "/api/videos", headers={"Host": f"localhost:{port}"})[0] == 200
    status, _, body = request(port, "/api/videos", headers={"Host": "attacker.example"})
    assert status == 403 and json.loads(body)["error"]  # DNS rebinding: a page on another site


def test_token_is_required_when_set(kb):
    from reasoning.web.app import create_app

    with running(create_app(kb, token=TOKEN)) as p:
        assert request(p, "/api/videos")[0] == 401
        assert request(p, "/")[0] == 401
        assert request(p, "/api/videos", headers={"Authorization": "Bearer wrong-token-123"})[0] == 401
        assert request(p, "/api/videos?token=wrong-token-123")[0] == 401
        assert request(p, "/api/videos", headers={"Authorization": f"Bearer {TOKEN}"})[0] == 200
        assert request(p, "/api/videos", headers={"X-Gamekb-Token": TOKEN})[0] == 200
        status, headers, _ = request(p, f"/?token={TOKEN}")
        assert status == 200 and "httponly" in headers["set-cookie"].lower()
        cookie = headers["set-cookie"].split(";")[0]
        assert request(p, "/api/videos", headers={"Cookie": cookie})[0] == 200
        # with a token the Host name is free: the server is meant to be reached by other names
        assert request(p, "/api/videos", headers={"Host": "gamebox.lan", "Authorization": f"Bearer {TOKEN}"})[0] == 200


# -- gamekb timeline ---------------------------------------------------------------------------------------

def test_cli_timeline_png(tmp_path_factory, tmp_path):
    from PIL import Image

    home = str(library_home(tmp_path_factory))
    out = tmp_path / "timeline.png"
    result = runner.invoke(cli_app, ["timeline", "freedoom_excerpt", "--png", str(out), "--home", home])
    assert result.exit_code == 0, result.output
    assert Image.open(out).size[0] >= 800
    result = runner.invoke(cli_app, ["timeline", "freedoom_excerpt", "--json", "--home", home])
    data = json.loads(result.stdout)
    assert data["video"] == "freedoom_excerpt" and {s["name"] for s in data["series"]} >= {"health", "ammo"}
    result = runner.invoke(cli_app, ["timeline", "nope", "--home", home])
    assert result.exit_code == 2 and "freedoom_excerpt" in result.output


# -- under a burst, and hostile bodies (issue 14 part 4) --------------------------------------------------

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def test_searches_run_side_by_side_and_the_page_stays_fast(port, kb, monkeypatch):
    """80 searches at once: they overlap inside LanceDB (one lock used to queue them), all answer,
    and the page and its script answer in well under the seconds the queue takes."""
    inside, most, guard = [0], [0], threading.Lock()
    real_fts = kb.segments.fts

    def counted_fts(*args, **kw):  # the real full-text search, counting how many run at once
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            return real_fts(*args, **kw)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(kb.segments, "fts", counted_fts)
    statuses: list[int] = []
    page_s: list[float] = []

    def search(i: int) -> None:
        statuses.append(request(port, f"/api/search?q={['shotgun', 'angle%20grinder', 'health'][i % 3]}")[0])

    threads = [threading.Thread(target=search, args=(i,)) for i in range(80)]
    for t in threads:
        t.start()
    time.sleep(0.3)  # the burst is in flight
    for path in ("/", "/static/app.js", "/", "/static/style.css"):
        t0 = time.perf_counter()
        assert request(port, path)[0] == 200
        page_s.append(time.perf_counter() - t0)
    for t in threads:
        t.join()
    assert statuses == [200] * 80
    assert most[0] >= 2, "searches ran one at a time"
    assert max(page_s) < 1.5, page_s


def _post_ask(port: int, body: bytes, chunked: bool = False, announce: int | None = None):
    """(status, body) of POST /api/ask; `announce` sends only the headers, claiming that length."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if announce is not None:
            conn.putrequest("POST", "/api/ask")
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(announce))
            conn.endheaders()
        elif chunked:  # written in one go, so the server's early answer cannot cut the upload short
            conn.connect()
            chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 8192]), body[i:i + 8192])
                              for i in range(0, len(body), 8192))
            conn.sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
            res = http.client.HTTPResponse(conn.sock, method="POST")
            res.begin()
            return res.status, res.headers.get("content-type"), res.read()
        else:
            conn.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
        res = conn.getresponse()
        return res.status, res.headers.get("content-type"), res.read()
    finally:
        conn.close()


def test_ask_body_is_capped_and_never_echoed(port):
    # 10 MB announced: refused from the headers alone, before a byte of it is read
    status, kind, body = _post_ask(port, b"", announce=10_000_000)
    assert status == 413 and kind == "application/json" and len(body) < 500 and json.loads(body)["error"]
    # chunked, no length up front: refused once the body passes the cap
    over = json.dumps({"question": "x", "video": ["a" * 100_000]}).encode()
    status, kind, body = _post_ask(port, over, chunked=True)
    assert status == 413 and kind == "application/json" and len(body) < 500 and json.loads(body)["error"]
    # under the cap, with a long name: the name is bounded, and the error does not echo it
    status, kind, body = _post_ask(port, json.dumps({"question": "x", "video": ["b" * 20_000]}).encode())
    assert status == 422 and len(body) < 3000 and json.loads(body)["error"]


def test_error_messages_are_clipped(port):
    status, _, body = request(port, "/api/search?q=x&video=" + "v" * 12_000)
    assert status == 400 and len(body) < 2000 and json.loads(body)["error"].startswith("no ready video")


def test_a_deep_events_page_reads_one_page_from_the_database(port, kb):
    from sqlalchemy import event

    _, _, everything = get_json(port, "/api/events?limit=1000")
    assert len(everything) > 6
    paged, offset = [], 0
    while True:
        _, headers, rows = get_json(port, f"/api/events?limit=4&offset={offset}")
        paged += rows
        if "x-next-offset" not in headers:
            break
        offset = int(headers["x-next-offset"])
    assert paged == everything

    numbers: list[int] = []

    def seen(_conn, _cursor, _statement, parameters, _context, _many):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        numbers.extend(v for v in values if isinstance(v, int))

    event.listen(kb.engine, "before_cursor_execute", seen)
    try:
        status, headers, rows = get_json(port, "/api/events?offset=10000000&limit=5")
    finally:
        event.remove(kb.engine, "before_cursor_execute", seen)
    assert status == 200 and rows == [] and "x-next-offset" not in headers
    # the database is asked for one page (and one row to know if more follow), from the offset on
    assert numbers and all(n <= 6 or n == 10_000_000 for n in numbers), numbers


def test_every_response_carries_the_security_headers(port, excerpt_id):
    for path, headers in [("/", {}), ("/static/app.js", {}), ("/api/videos", {}), ("/api/nothing-here", {}),
                          (f"/api/video/{excerpt_id}", {"Range": "bytes=0-9"}), ("/api/videos", {"Host": "evil.example"})]:
        status, got, _ = request(port, path, headers=headers)
        for name, value in SECURITY_HEADERS.items():
            assert got.get(name) == value, (path, status, name)
        csp = got["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_range_errors_are_json_and_unknown_units_are_ignored(port, excerpt_id):
    data = EXCERPT.read_bytes()
    status, headers, body = request(port, f"/api/video/{excerpt_id}", headers={"Range": "items=0-5"})
    assert status == 200 and body == data  # RFC 9110 14.2: an unknown range unit is ignored
    for value, want in [("bytes=9-3", 400), ("bytes=abc", 400), (f"bytes={len(data) + 5}-", 416)]:
        status, headers, body = request(port, f"/api/video/{excerpt_id}", headers={"Range": value})
        assert status == want and headers["content-type"] == "application/json", (value, status, body)
        assert json.loads(body)["error"]
    assert headers["content-range"] == f"bytes */{len(data)}"


def test_a_server_others_can_reach_shows_no_server_paths(kb):
    from reasoning.web.app import create_app

    auth = {"Authorization": f"Bearer {TOKEN}"}
    folder = str(EXCERPT.resolve().parent)
    with running(create_app(kb, token=TOKEN)) as p:
        bodies = [request(p, path, headers=auth)[2] for path in ("/api/videos", "/api/search?q=angle%20grinder")]
        bodies.append(request(p, "/api/ask", method="POST", headers={**auth, "Content-Type": "application/json"},
                              body=b'{"question": "when did I get the angle grinder?"}')[2])
    videos, hits, answer = (json.loads(b) for b in bodies)
    assert {v["video_path"] for v in videos if v["video"] == "freedoom_excerpt"} == {"freedoom_excerpt.mp4"}
    assert hits and all(not h["video_path"].startswith("/") for h in hits)
    assert answer["citations"] and all(not c["video_path"].startswith("/") for c in answer["citations"])
    assert not any(folder.encode() in b for b in bodies)
