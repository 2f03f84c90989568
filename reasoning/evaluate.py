"""`gamekb eval`: score a library against a question file.

One question per line: {"id": ..., "question": ..., "expect": [[video_stem, seconds], ...], "answer": optional,
"first": optional}. `answer` is a string or a list of strings; `first: true` asks that the answer's
first citation cover an expected moment ("where did I get the shotgun": the weapon, before the shells).
An empty `expect` says the library holds no such moment ("did I find any secrets?").

The rule, for every expected moment (video, t): a result *covers* it when the result is from that
video, its window is at most 15 s long, and t lies inside the window widened by 2 s on each side.
 - recall@k of a question: the share of its expected moments covered by one of the top-k search
   results, the matches first, then the closest moments (`gamekb search --closest`); the overall
   `recall_at_k` is the mean over questions (each question weighs the same).
 - match recall@k: the same, counting only the results that are matches (what `gamekb search` shows).
 - hit rate@k: the share of questions with at least one expected moment covered.
 - timestamp error: for each covered moment, the smallest |start_s - t| among the results covering it.
 - citation recall: the same rule applied to the citations of `ask`'s answer.
 - answer accuracy: where "answer" is given, whether the answer text says it (each of them, when a
   list; case-insensitive; as whole words, outside the citations: a "7" is not found in "@00:27" nor
   in "demo2"), and, with "first", whether the first citation covers an expected moment.
 - no-match accuracy: of the questions with an empty `expect`, the share where search found no match
   and the answer cites nothing or says "nothing matched" before its closest moments. These
   questions are left out of the other metrics.
 - citation precision: of the citations an answer keeps, the share that cover an expected moment
   (mean over the questions whose answer cites something); dropped citations: those the reasoner
   wrote that cite no evidence moment at all (taken out of the answer, counted here).
 - seconds per answer: wall time of the reasoner's answer alone (search and evidence excluded).

With several reasoners (`gamekb eval --reasoner extractive --reasoner local`), each answers the same
evidence; the answer metrics are reported for each side by side, the first one's also at the top.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from kb.errors import GamekbError

WIDEN_S = 2.0
MAX_WINDOW_S = 15.0


@dataclass
class Question:
    id: str
    question: str
    expect: list[tuple[str, float]]
    answer: str | list[str] | None = None
    first: bool = False  # the answer's first citation must cover an expected moment


@dataclass
class Scored:
    id: str
    question: str
    recall: float
    hit: bool
    rank: int | None  # 1-based rank of the first covering result
    timestamp_error_s: float | None
    citation_recall: float
    answer_correct: bool | None
    top: list[dict[str, Any]] = field(default_factory=list)
    match_recall: float = 0.0
    no_match_correct: bool | None = None  # for a question whose expect is empty
    citation_precision: float | None = None  # share of the answer's citations covering an expected moment
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # reasoner -> its answer, scored


def load_questions(path: Path) -> list[Question]:
    out = []
    try:
        lines = Path(path).read_text().splitlines()
    except FileNotFoundError:
        raise GamekbError(f"question file {path} not found") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            expect = [(str(v), float(t)) for v, t in row["expect"]]
            answer = row.get("answer")
            if answer is not None and not isinstance(answer, str):
                answer = [str(a) for a in answer]
            out.append(Question(str(row.get("id", n)), str(row["question"]), expect, answer, bool(row.get("first"))))
        except (ValueError, KeyError, TypeError) as exc:
            raise GamekbError(f"{path}:{n}: not a question line ({exc}); expected "
                              '{"id": ..., "question": ..., "expect": [[video, seconds], ...]}') from None
    if not out:
        raise GamekbError(f"question file {path} holds no questions")
    return out


def covers(video: str, start_s: float, end_s: float, expected: tuple[str, float]) -> bool:
    v, t = expected
    return video == v and end_s - start_s <= MAX_WINDOW_S + 1e-6 and start_s - WIDEN_S <= t <= end_s + WIDEN_S


def _recall(q: Question, results: Sequence[Any]) -> tuple[int, list[float], int | None]:
    found, errors, first_rank = 0, [], None
    for exp in q.expect:
        covering = [(i, r) for i, r in enumerate(results) if covers(r.video, r.start_s, r.end_s, exp)]
        if covering:
            found += 1
            errors.append(min(abs(r.start_s - exp[1]) for _, r in covering))
            rank = covering[0][0] + 1
            first_rank = rank if first_rank is None else min(first_rank, rank)
    return found, errors, first_rank


def says(answer_text: str, wanted: str) -> bool:
    """Does the answer say `wanted`: as whole words (case aside), not inside a citation (unless a
    citation is what is wanted), a longer word or the question it echoes."""
    from reasoning.prompting import CITATION_RE

    w = wanted.lower()
    text = re.sub(r"“[^”]*”", " ", answer_text)  # the question, echoed ("Nothing matched “when did X say hello?”")
    text = (text if CITATION_RE.fullmatch(wanted.strip()) else CITATION_RE.sub(" ", text)).lower()
    pattern = (r"(?<!\w)" if w[:1].isalnum() else "") + re.escape(w) + (r"(?!\w)" if w[-1:].isalnum() else "")
    return re.search(pattern, text) is not None


def score_question(q: Question, results: Sequence[Any], citations: Sequence[Any], answer_text: str) -> Scored:
    """results/citations: anything with .video, .start_s, .end_s, in rank order; a result with
    `.closest` true is not a match (it counts for recall, not for match recall)."""
    top = [{"video": r.video, "start_s": r.start_s, "end_s": r.end_s} for r in results[:3]]
    matches = [r for r in results if not getattr(r, "closest", False)]
    if not q.expect:
        return Scored(q.id, q.question, 0.0, False, None, None, 0.0, None, top, 0.0,
                      no_match_correct=not matches and (not citations or "nothing matched" in answer_text.lower()))
    found, errors, first_rank = _recall(q, results)
    cited = sum(any(covers(c.video, c.start_s, c.end_s, exp) for c in citations) for exp in q.expect)
    correct = None
    if q.answer is not None or q.first:
        wanted = [q.answer] if isinstance(q.answer, str) else list(q.answer or [])
        correct = all(says(answer_text, a) for a in wanted)
        if q.first:
            correct = correct and bool(citations) and any(covers(citations[0].video, citations[0].start_s,
                                                                 citations[0].end_s, exp) for exp in q.expect)
    precise = sum(any(covers(c.video, c.start_s, c.end_s, exp) for exp in q.expect) for c in citations)
    return Scored(q.id, q.question, found / len(q.expect), found > 0, first_rank,
                  statistics.mean(errors) if errors else None, cited / len(q.expect), correct, top,
                  _recall(q, matches)[0] / len(q.expect),
                  citation_precision=precise / len(citations) if citations else None)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def answer_metrics(scored: Sequence[Scored]) -> dict[str, Any]:
    """The metrics of one reasoner's answers over the scored questions."""
    no_match = [s for s in scored if s.no_match_correct is not None]
    scored_with = [s for s in scored if s.no_match_correct is None]
    n = len(scored_with) or 1
    graded = [s.answer_correct for s in scored_with if s.answer_correct is not None]
    return {
        "citation_recall": round(sum(s.citation_recall for s in scored_with) / n, 4),
        "citation_precision": _mean([s.citation_precision for s in scored_with if s.citation_precision is not None]),
        "answer_accuracy": _mean(graded),
        "no_match_accuracy": _mean([s.no_match_correct for s in no_match if s.no_match_correct is not None]),
    }


def evaluate(kb, questions: Sequence[Question], k: int = 10, reasoner=None, reasoners: Sequence[Any] = ()) -> dict[str, Any]:
    from reasoning.extractive import Extractive
    from retrieval.evidence import gather
    from retrieval.search import search

    engines = list(reasoners) or [reasoner or Extractive()]
    per_engine: dict[str, list[Scored]] = {e.name: [] for e in engines}
    seconds: dict[str, list[float]] = {e.name: [] for e in engines}
    dropped: dict[str, int] = {e.name: 0 for e in engines}
    scored: list[Scored] = []
    for q in questions:
        results = search(kb, q.question, limit=k, closest=True)
        evidence = gather(kb, q.question)
        mine: list[Scored] = []  # this question scored for each engine; the first engine's goes in the report
        for engine in engines:
            t0 = time.perf_counter()
            answer = engine.answer(q.question, evidence)
            took = time.perf_counter() - t0
            s = score_question(q, results, answer.citations, answer.text)
            per_engine[engine.name].append(s)
            seconds[engine.name].append(took)
            dropped[engine.name] += len(answer.dropped)
            mine.append(s)
            mine[0].answers[engine.name] = {"text": answer.text, "correct": s.answer_correct,
                                          "no_match_correct": s.no_match_correct,
                                          "citation_recall": s.citation_recall,
                                          "citation_precision": s.citation_precision,
                                          "dropped": answer.dropped, "seconds": round(took, 3)}
        scored.append(mine[0])
    no_match = [s for s in scored if s.no_match_correct is not None]
    scored_with = [s for s in scored if s.no_match_correct is None]
    errors = [s.timestamp_error_s for s in scored_with if s.timestamp_error_s is not None]
    n = len(scored_with) or 1
    side_by_side = [{"reasoner": e.name, "model": getattr(e, "model_id", None), **answer_metrics(per_engine[e.name]),
                     "dropped_citations": dropped[e.name],
                     "seconds_per_answer": round(statistics.mean(seconds[e.name]), 3)} for e in engines]
    top = side_by_side[0]
    return {
        "k": k,
        "questions": len(scored),
        "recall_at_k": round(sum(s.recall for s in scored_with) / n, 4),
        "match_recall_at_k": round(sum(s.match_recall for s in scored_with) / n, 4),
        "hit_rate_at_k": round(sum(s.hit for s in scored_with) / n, 4),
        "mean_timestamp_error_s": round(statistics.mean(errors), 3) if errors else None,
        "citation_recall": top["citation_recall"],
        "citation_precision": top["citation_precision"],
        "answer_accuracy": top["answer_accuracy"],
        "no_match_questions": len(no_match),
        "no_match_accuracy": top["no_match_accuracy"],
        "reasoners": side_by_side,
        "per_question": [asdict(s) for s in scored],
    }


def markdown(report: dict[str, Any]) -> str:
    k = report["k"]
    names = [e["reasoner"] for e in report.get("reasoners") or []] or ["extractive"]
    lines = ["| metric | value |", "|---|---|",
             f"| questions | {report['questions']} |",
             f"| recall@{k} (matches, then closest) | {report['recall_at_k']:.2f} |",
             f"| match recall@{k} | {report.get('match_recall_at_k', 0.0):.2f} |",
             f"| hit rate@{k} | {report['hit_rate_at_k']:.2f} |",
             f"| mean timestamp error | {report['mean_timestamp_error_s']} s |",
             f"| citation recall (ask) | {report['citation_recall']:.2f} |",
             f"| answer accuracy | {report['answer_accuracy']} |",
             f"| no-match accuracy ({report.get('no_match_questions', 0)} questions) | {report.get('no_match_accuracy')} |", ""]
    engines = report.get("reasoners") or []
    if engines:
        lines += ["| reasoner | model | answer accuracy | citation precision | citation recall | no-match accuracy | "
                  "dropped citations | s per answer |", "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {e['reasoner']} | {e['model'] or '-'} | {_cell(e['answer_accuracy'])} | {_cell(e['citation_precision'])} | "
                  f"{_cell(e['citation_recall'])} | {_cell(e['no_match_accuracy'])} | {e['dropped_citations']} | "
                  f"{e['seconds_per_answer']:.2f} |" for e in engines]
        lines.append("")
    lines += [
             f"| id | question | recall@{k} | match recall | first rank | timestamp error (s) | "
             + " | ".join(f"cited, answer ({name})" for name in names) + " |",
             "|---|---|---|---|---|---|" + "---|" * len(names)]
    for s in report["per_question"]:
        answers = s.get("answers") or {names[0]: {"correct": s["answer_correct"], "no_match_correct": s.get("no_match_correct"),
                                                  "citation_recall": s["citation_recall"]}}
        if s.get("no_match_correct") is not None:
            cells = " | ".join(_yes(answers.get(n, {}).get("no_match_correct")) for n in names)
            lines.append(f"| {s['id']} | {s['question']} | (expects no match) | | | | {cells} |")
            continue
        err = "" if s["timestamp_error_s"] is None else f"{s['timestamp_error_s']:.2f}"
        cells = " | ".join(f"{answers[n]['citation_recall']:.2f}, {_yes(answers[n]['correct'])}" if n in answers else ""
                           for n in names)
        lines.append(f"| {s['id']} | {s['question']} | {s['recall']:.2f} | {s['match_recall']:.2f} | {s['rank'] or '-'} | "
                     f"{err} | {cells} |")
    return "\n".join(lines) + "\n"


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")
