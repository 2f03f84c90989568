"""`gamekb eval`: the scoring rule, checked against a direct re-statement of it, and end to end."""

import json
from types import SimpleNamespace as R

from typer.testing import CliRunner

from cli import app
from reasoning.evaluate import Question, covers, says, score_question


def independent_recall(expect, results):
    """The rule written out again, separately: widened window, same video, at most 15 s long."""
    hit = 0
    for video, t in expect:
        for r in results:
            if r.video == video and (r.end_s - r.start_s) <= 15 and r.start_s - 2 <= t <= r.end_s + 2:
                hit += 1
                break
    return hit / len(expect)


def test_rule_edges():
    assert covers("a", 10, 12, ("a", 8.0)) and covers("a", 10, 12, ("a", 14.0))
    assert not covers("a", 10, 12, ("a", 7.9)) and not covers("b", 10, 12, ("a", 11))
    assert not covers("a", 0, 16, ("a", 5))  # a window longer than 15 s is not a moment


def test_an_answer_says_a_thing_in_its_words_not_in_its_citations():
    answer = "In openarena_bots_dm: You fragged Angelyss [openarena_bots_dm@00:27]; Tied for 1st place with 8 [freedoom1_e2m3@01:07]."
    assert says(answer, "1st place") and says(answer, "YOU FRAGGED") and says(answer, "with 8")
    assert not says(answer, "7")  # only in a citation's time
    assert not says(answer, "1")  # only inside a word ("1st") or a video's name
    assert not says(answer, "Angel")  # part of a name is not the name
    assert not says("Nothing matched “when did Yellow say hello?” exactly; the closest moments: ...", "hello")
    q = Question("q", "what place?", [("v", 10.0)], "3")
    assert score_question(q, [], [], "In v, 2 places [v@00:03].").answer_correct is False


def test_scores_agree_with_independent_implementation():
    results = [R(video="a", start_s=5, end_s=9), R(video="b", start_s=30, end_s=33), R(video="a", start_s=40, end_s=60)]
    q = Question("q1", "?", [("a", 10.5), ("b", 29.0), ("a", 50.0)], answer="minigun")
    s = score_question(q, results, citations=[results[1]], answer_text="You got the MINIGUN")
    assert s.recall == independent_recall(q.expect, results) == 2 / 3
    assert s.rank == 1 and s.citation_recall == 1 / 3 and s.answer_correct is True
    assert abs(s.timestamp_error_s - (5.5 + 1.0) / 2) < 1e-9
    # precision: of the 3 citations, those covering an expected moment ((a, 5-9) covers 10.5, (b, 30-33) 29.0)
    s = score_question(q, results, citations=results, answer_text="")
    assert s.citation_precision == 2 / 3
    assert score_question(q, results, citations=[], answer_text="").citation_precision is None


def test_eval_cli_on_a_real_library(library, tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(x) for x in [
        {"id": "g", "question": "angle grinder", "expect": [["freedoom_excerpt", 7.77]], "answer": "angle grinder"},
        {"id": "s", "question": "when did I say the treasure was behind the gate", "expect": [["arena run", 6.0]]},
        {"id": "x", "question": "blue passcard", "expect": [["freedoom_excerpt", 3.0]]},
        {"id": "n", "question": "did I find any secrets?", "expect": []},
        {"id": "f", "question": "where did I get the angle grinder?", "expect": [["freedoom_excerpt", 7.77]],
         "answer": ["angle grinder", "freedoom_excerpt@00:07"], "first": True},
        {"id": "w", "question": "angle grinder", "expect": [["freedoom_excerpt", 7.77]], "answer": ["angle grinder", "minigun"]},
    ]))
    report = tmp_path / "report.md"
    r = CliRunner().invoke(app, ["eval", str(qa), "--json", "--k", "5", "--report", str(report), "--home", str(library)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    per = {p["id"]: p for p in out["per_question"]}
    assert per["g"]["recall"] == 1.0 and per["g"]["answer_correct"] and per["s"]["recall"] == 1.0
    assert out["recall_at_k"] == round((1 + 1 + per["x"]["recall"] + 1 + 1) / 5, 4)  # "n" expects no match
    assert per["n"]["no_match_correct"] is True and out["no_match_questions"] == 1 and out["no_match_accuracy"] == 1.0
    assert per["x"]["match_recall"] == 0.0 and per["g"]["match_recall"] == 1.0
    assert per["f"]["answer_correct"] is True and per["w"]["answer_correct"] is False  # every string, or not
    assert out["answer_accuracy"] == round(2 / 3, 4)
    assert "| recall@5 |" in report.read_text()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "no expect"}\n')
    r = CliRunner().invoke(app, ["eval", str(bad), "--home", str(library)])
    assert r.exit_code == 2 and "bad.jsonl:1: not a question line" in r.output


def test_eval_compares_reasoners_side_by_side(library, tmp_path):
    """Each reasoner answers the same evidence; the table shows each one's accuracy, citation
    precision and time per answer. The second reasoner is the local model, when it can run here."""
    import pytest

    from kb.models import registry

    local = registry.get("reasoner", "local")
    if not local.available({"model": "smollm2-135m"}):
        pytest.skip(f"the local reasoner cannot run here: {local.why_not({'model': 'smollm2-135m'})}")
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(x) for x in [
        {"id": "g", "question": "when did I get the angle grinder?", "expect": [["freedoom_excerpt", 7.77]],
         "answer": "angle grinder"},
        {"id": "n", "question": "did I find any secrets?", "expect": []},
    ]))
    report = tmp_path / "report.md"
    r = CliRunner().invoke(app, ["eval", str(qa), "--json", "--reasoner", "extractive", "--reasoner", "local",
                                 "--model", "smollm2-135m", "--report", str(report), "--home", str(library)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    extractive, model = out["reasoners"]
    assert (extractive["reasoner"], model["reasoner"], model["model"]) == ("extractive", "local", "smollm2-135m")
    assert extractive["answer_accuracy"] == 1.0 and extractive["citation_precision"] == 1.0
    assert out["answer_accuracy"] == extractive["answer_accuracy"]  # the first reasoner's, as before
    assert model["no_match_accuracy"] == 1.0 and model["seconds_per_answer"] > 0
    assert model["citation_precision"] is None or 0 <= model["citation_precision"] <= 1
    answers = out["per_question"][0]["answers"]
    assert set(answers) == {"extractive", "local"} and answers["local"]["seconds"] > 0
    table = report.read_text()
    assert "| reasoner | model | answer accuracy | citation precision |" in table and "| local | smollm2-135m |" in table
