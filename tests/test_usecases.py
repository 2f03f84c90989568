"""The use cases both faces call (reasoning/usecases.py, issue 15 part 4): a reasoner gets keyframes
and a progress line because it declares that it wants them, never because of its name. Two probe
backends registered like a third-party plug-in would be show it through the library, the CLI and the
web API; a check of the faces' source shows that neither compares a reasoner's name."""

from __future__ import annotations

import ast
import json
from typing import Iterator, Sequence

import pytest
from typer.testing import CliRunner

from cli import app
from reasoning.protocols import Answer, Citation
from retrieval.types import Moment
from tests.kbcheck import ROOT

runner = CliRunner()
QUESTION = "when did I get the angle grinder?"


class TextProbe:
    """A text-only backend whose constructor takes no progress (passing one would fail)."""

    name = "probe-text"
    wants_media = False
    reports_progress = False
    seen: list[list[Moment]] = []

    def __init__(self, **options) -> None:
        assert "progress" not in options
        self.options = options

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        type(self).seen.append(list(evidence))
        cites = [Citation(m.video, m.video_path, m.start_s, m.end_s) for m in evidence[:1]]
        return Answer(" ".join(f"[{c}]" for c in cites) or "nothing", cites, self.name)

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        yield self.answer(question, evidence).text


class VisionProbe(TextProbe):
    """Wants the keyframes, and says what it loads."""

    name = "probe-vision"
    wants_media = True
    reports_progress = True
    seen: list[list[Moment]] = []

    def __init__(self, progress=None, **options) -> None:
        self.progress = progress or (lambda message: None)
        self.loaded = False

    def load(self) -> None:
        self.progress("loading the probe")
        self.loaded = True


@pytest.fixture
def probes(monkeypatch):
    from kb.models import registry

    registry.backends("reasoner")  # the built-ins are in first, as on any lookup
    for cls in (TextProbe, VisionProbe):
        cls.seen.clear()
        monkeypatch.setitem(registry._REGISTRY["reasoner"], cls.name,
                            registry.Backend("reasoner", cls.name, cls, "lite", (), "", cls.__doc__))


def test_the_backend_declares_what_it_gets(library, probes):
    from kb.store import KnowledgeBase
    from reasoning import usecases

    kb = KnowledgeBase.open(library)
    lines: list[str] = []
    vision = usecases.reasoner("probe-vision", progress=lines.append)
    text = usecases.reasoner("probe-text", {"model": "x"}, progress=lines.append)
    assert vision.loaded and lines == ["loading the probe"] and text.options == {"model": "x"}
    with_media = usecases.evidence(kb, QUESTION, vision)
    plain = usecases.evidence(kb, QUESTION, text)
    assert with_media and all(m.keyframe for m in with_media if m.segment_id >= 0)
    assert [m.citation for m in plain] == [m.citation for m in with_media] and not any(m.keyframe for m in plain)
    answer = usecases.ask(kb, QUESTION, vision, limit=2)
    streamed = usecases.stream(kb, QUESTION, vision, limit=2)
    assert "".join(streamed) == answer.text and streamed.dropped == []


def test_the_cli_asks_with_what_the_backend_declares(library, probes):
    r = runner.invoke(app, ["ask", QUESTION, "--reasoner", "probe-vision", "--json", "--home", str(library)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["citations"] and set(out["citations"][0]) == {"video", "video_path", "start_s", "end_s"}
    assert VisionProbe.seen and all(m.keyframe for m in VisionProbe.seen[-1] if m.segment_id >= 0)
    r = runner.invoke(app, ["chat", "--reasoner", "probe-text", "--home", str(library)], input=f"{QUESTION}\n\n")
    assert r.exit_code == 0 and "freedoom_excerpt@" in r.stdout
    assert TextProbe.seen and not any(m.keyframe for m in TextProbe.seen[-1])


def test_the_web_api_asks_with_what_the_backend_declares(library, probes):
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    from kb.store import KnowledgeBase
    from reasoning.web.app import create_app
    from tests.test_web_api import get_json, running

    with running(create_app(KnowledgeBase.open(library), reasoner="probe-vision")) as port:
        status, _, out = get_json(port, "/api/ask", method="POST", headers={"Content-Type": "application/json"},
                                  body=json.dumps({"question": QUESTION}).encode())
    assert status == 200 and out["citations"][0]["video_id"] is not None
    assert VisionProbe.seen and all(m.keyframe for m in VisionProbe.seen[-1] if m.segment_id >= 0)


class WordProbe(TextProbe):
    """Writes its answer a word at a time, as a language model does."""

    name = "probe-words"
    seen: list[list[Moment]] = []

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        text = f"You got it at [{evidence[0].citation}] and again later." if evidence else "nothing"
        for word in text.split(" "):
            yield word + " "


def test_the_web_page_gets_the_answer_as_it_is_written(library, probes, monkeypatch):
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    from kb.models import registry
    from kb.store import KnowledgeBase
    from reasoning.web.app import create_app
    from tests.test_web_api import request, running

    monkeypatch.setitem(registry._REGISTRY["reasoner"], WordProbe.name,
                        registry.Backend("reasoner", WordProbe.name, WordProbe, "lite", (), "", WordProbe.__doc__))
    headers = {"Content-Type": "application/json"}
    with running(create_app(KnowledgeBase.open(library), reasoner="probe-words")) as port:
        status, head, raw = request(port, "/api/ask/stream", "POST", headers, json.dumps({"question": QUESTION}).encode())
        bad = request(port, "/api/ask/stream", "POST", headers,
                      json.dumps({"question": QUESTION, "video": ["no_such_video"]}).encode())
    assert status == 200 and head["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in raw.decode().splitlines()]
    chunks, final = [x["text"] for x in lines[:-1]], lines[-1]
    assert len(chunks) >= 8 and final["answer"] == "".join(chunks)  # word by word, then the whole
    (cite,) = final["citations"]
    assert f"[{cite['citation']}]" in final["answer"] and cite["video_id"] is not None and final["dropped_citations"] == []
    assert bad[0] == 400 and "no_such_video" in json.loads(bad[2])["error"]  # a bad filter: an error before any text


def _names_a_reasoner(compare: ast.Compare, names: set[str]) -> bool:
    """`reasoner not in ("extractive", "local")`, `name == "local"`, `engine.name != "openai"` ..."""
    parts = [n for side in (compare.left, *compare.comparators) for n in ast.walk(side)]
    return (any(isinstance(n, ast.Constant) and n.value in names for n in parts)
            and any(isinstance(n, ast.Name) and n.id in ("reasoner", "name", "names") or isinstance(n, ast.Attribute)
                    and n.attr == "name" for n in parts))


def test_no_face_decides_by_a_reasoner_name():
    from kb.models import registry

    names = {b.name for b in registry.backends("reasoner")}
    probe = ast.parse('if reasoner not in ("extractive", "local"): pass\nif name == "local": pass\nif ray == "local": pass')
    assert [n.lineno for n in ast.walk(probe) if isinstance(n, ast.Compare) and _names_a_reasoner(n, names)] == [1, 2]
    for face in (ROOT / "cli.py", ROOT / "reasoning" / "web" / "app.py", ROOT / "reasoning" / "usecases.py"):
        compared = [(face.name, node.lineno) for node in ast.walk(ast.parse(face.read_text(encoding="utf-8")))
                    if isinstance(node, ast.Compare) and _names_a_reasoner(node, names)]
        assert compared == [], compared
