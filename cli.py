"""The `gamekb` command line: parses, calls the libraries, prints. No logic of its own."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from kb.errors import GamekbError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="gamekb: a searchable, askable knowledge base over a library of gameplay videos.")

HomeOpt = Annotated[Optional[Path], typer.Option("--home", envvar="GAMEKB_HOME",
                                                 help="Knowledge base folder (default: the user's data folder).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
VideoOpt = Annotated[Optional[list[str]], typer.Option("--video", "-v", help="Only this video (file stem); repeatable.")]
KindOpt = Annotated[Optional[list[str]], typer.Option("--kind", "-k", help="Only events of this kind (pickup, damage, death, secret, speech, text ...); repeatable.")]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="Only from this time on (seconds or MM:SS).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Only up to this time (seconds or MM:SS).")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", envvar="GAMEKB_CONFIG",
                                                   help="TOML file: [ingest] settings and [models.STAGE] model options.")]
SAMPLE = Path(__file__).resolve().parent / "tests" / "data" / "freedoom_excerpt.mp4"


def command(*args, **kwargs):
    """app.command, with every domain error turned into one clean line and exit status 2."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*a, **kw):
            try:
                return fn(*a, **kw)
            except GamekbError as exc:
                _fail(str(exc))

        return app.command(*args, **kwargs)(wrapper)

    return deco


def _ingest_config(path: Optional[Path], profile: Optional[str], device: Optional[str] = None, **flags):
    """Profile defaults, then the config file, then command-line flags."""
    from kb.config import IngestConfig, load_config_file

    data = load_config_file(path) if path else {}
    settings = {**data.get("ingest", {}), **{k: v for k, v in flags.items() if v is not None}}
    profile = profile or settings.pop("profile", None) or "lite"
    settings.pop("profile", None)
    options = {stage: dict(opts) for stage, opts in data.get("models", {}).items()}
    if device:
        for stage in ("visual", "temporal", "audio", "entities", "speech"):
            options.setdefault(stage, {})["device"] = device
    return IngestConfig.for_profile(profile, model_options=options, **settings)


def _reasoner_options(path: Optional[Path], model: Optional[str], adapter: Optional[str]) -> dict:
    from kb.config import load_config_file

    options = dict(load_config_file(path).get("models", {}).get("reasoner", {})) if path else {}
    if model:
        options["model"] = model
    if adapter:
        options["adapter"] = adapter
    return options


def _console():
    from rich.console import Console

    return Console(stderr=False, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"gamekb: {message}", err=True)
    raise typer.Exit(code)


def _open(home: Optional[Path]):
    from kb.store import KnowledgeBase

    return KnowledgeBase.open(home)


def _time(value: Optional[str], what: str) -> Optional[float]:
    if value is None:
        return None
    from retrieval.query import parse_ts

    try:
        return parse_ts(value)
    except GamekbError:
        _fail(f"bad {what} time {value!r}; write seconds or MM:SS, e.g. --{what} 01:30")


def _filters(video, kind, t_from, t_to):
    from retrieval.search import Filters

    return Filters(videos=video or None, kinds=kind or None, t_from=_time(t_from, "from"), t_to=_time(t_to, "to"))


def _ts(seconds: float) -> str:
    from retrieval.types import format_ts

    return format_ts(seconds)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", help="Log what each stage does.")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no stage downloads anything unless given a URL
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Video files, folders (recursive), globs or URLs.")],
    home: HomeOpt = None,
    profile: Annotated[Optional[str], typer.Option(help="lite (CPU, packaged models; the default) or full (GPU, the original model stack).")] = None,
    fps: Annotated[Optional[float], typer.Option(help="Frames sampled per second (default 1: a HUD message lasts 4 s).")] = None,
    ocr: Annotated[Optional[str], typer.Option(help="OCR backend (see gamekb models).")] = None,
    speech: Annotated[Optional[str], typer.Option(help="Speech backend (see gamekb models).")] = None,
    visual: Annotated[Optional[str], typer.Option(help="Visual encoder backend (colour-layout, siglip2).")] = None,
    temporal: Annotated[Optional[str], typer.Option(help="Clip encoder backend (motion, videomae).")] = None,
    audio: Annotated[Optional[str], typer.Option(help="Audio encoder backend (wav2vec2).")] = None,
    entities: Annotated[Optional[str], typer.Option(help="Entity detector backend (sam3).")] = None,
    device: Annotated[Optional[str], typer.Option(help="Device for the full profile's models: auto, cpu, cuda.")] = None,
    config: ConfigOpt = None,
    projector: Annotated[Optional[Path], typer.Option(help="ProjectorBank checkpoint: store projected vectors.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-ingest videos that are already in the library.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add videos to the knowledge base.

    Example: gamekb ingest ~/Videos/doom/ "clips/*.mp4"
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest import pipeline
    from ingest.sources import expand
    from kb.config import IngestConfig

    if fps is not None and not (0.05 <= fps <= 30):
        _fail(f"--fps {fps} is out of range; use a value between 0.05 and 30")
    sources, problems = expand(inputs)
    config = _ingest_config(config, profile, fps=fps, ocr=ocr, speech=speech, visual=visual, temporal=temporal,
                            audio=audio, entities=entities, device=device,
                            projector=str(projector) if projector else None)
    kb = _open(home)
    console = _console()
    outcomes = [pipeline.Outcome(src, "failed", why) for src, why in problems]
    if sources:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=_console() if not as_json else None,
                      disable=as_json or not sys.stderr.isatty(), transient=False) as bar:
            def on_start(source):
                task = bar.add_task(Path(source.label).name[:40], total=1.0)
                return lambda phase, frac: bar.update(task, completed=frac, description=f"{Path(source.label).name[:32]} {phase}")

            def on_done(o):
                if not as_json:
                    mark = {"ingested": "ok  ", "skipped": "skip", "failed": "FAIL"}[o.status]
                    console.print(f"{mark} {o.source}: {o.message}" + (f" ({o.seconds:.1f} s)" if o.status == "ingested" else ""),
                                  markup=False)

            outcomes += pipeline.run(kb, sources, config, force=force, on_start=on_start, on_done=on_done)
    for o in outcomes[: len(problems)]:
        if not as_json:
            console.print(f"FAIL {o.source}: {o.message}", markup=False)
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        typer.echo(json.dumps([{"source": o.source, "status": o.status, "message": o.message, "video": o.video,
                                "seconds": round(o.seconds, 2)} for o in outcomes], indent=2))
    else:
        n = {s: sum(o.status == s for o in outcomes) for s in ("ingested", "skipped", "failed")}
        console.print(f"{n['ingested']} ingested, {n['skipped']} skipped, {n['failed']} failed", markup=False)
    if failed or not outcomes:
        raise typer.Exit(1)


@command()
def videos(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the videos in the library with status and duration.

    Example: gamekb videos --json
    """
    kb = _open(home)
    counts = kb.segment_counts()
    rows = [{"id": v.id, "video": v.name, "video_path": v.path, "status": v.status,
             "duration_s": round(v.duration_s, 2), "segments": counts.get(v.id, 0)} for v in kb.videos()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("The library is empty: add videos with gamekb ingest PATH")
        return
    from rich.table import Table

    table = Table("id", "video", "status", "duration", "segments", "path")
    for r in rows:
        table.add_row(str(r["id"]), r["video"], r["status"], _ts(r["duration_s"]), str(r["segments"]), r["video_path"])
    _console().print(table)


@command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words; @MM:SS or video@MM:SS restricts to a moment.")],
    home: HomeOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="How many moments to return.")] = 10,
    video: VideoOpt = None, kind: KindOpt = None, t_from: FromOpt = None, t_to: ToOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find the best moments across all videos.

    Example: gamekb search "blue passcard" --limit 5
    """
    from retrieval.search import search as run_search

    kb = _open(home)
    hits = run_search(kb, query, limit=limit, filters=_filters(video, kind, t_from, t_to))
    if as_json:
        typer.echo(json.dumps([{"video": m.video, "video_path": m.video_path, "start_s": m.start_s, "end_s": m.end_s,
                                "score": round(m.score, 5), "text": m.text} for m in hits], indent=2))
        return
    if not hits:
        typer.echo("No matching moments." + ("" if kb.videos(status="ready") else " The library is empty: run gamekb ingest PATH"))
        return
    from reasoning.extractive import describe

    console = _console()
    for i, m in enumerate(hits, 1):
        console.print(f"{i:>2}. {m.citation}-{_ts(m.end_s)}  {describe(m)}", markup=False)


@command()
def events(
    home: HomeOpt = None, video: VideoOpt = None, kind: KindOpt = None, t_from: FromOpt = None, t_to: ToOpt = None,
    text: Annotated[Optional[str], typer.Option("--text", help="Only events whose label contains this.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="At most this many events.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List what happened when: the event table, filtered.

    Example: gamekb events --kind pickup --video demo1
    """
    kb = _open(home)
    ids = kb.ready_ids(video) if video else None
    rows = kb.events(ids, kind, _time(t_from, "from"), _time(t_to, "to"), text, limit)
    out = [{"video": v.name, "t_start": e.t_start, "t_end": e.t_end, "kind": e.kind, "label": e.label,
            "value": e.value, "source": e.source} for e, v in rows]
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    if not out:
        known = ", ".join(kb.event_kinds()) or "none yet"
        typer.echo(f"No matching events. Kinds in the library: {known}")
        return
    console = _console()
    for r in out:
        console.print(f"{r['video']}@{_ts(r['t_start'])}  {r['kind']:<10} {r['label']}", markup=False)


def _reasoner(name: str, options: dict):
    from kb import registry

    return registry.create("reasoner", name, **options)


ModelOpt = Annotated[Optional[str], typer.Option("--model", help="The reasoner's model: hub id, local path or server model name.")]
AdapterOpt = Annotated[Optional[str], typer.Option("--adapter", help="A LoRA adapter folder for the qwen3-vl reasoner.")]


@command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about your videos; @MM:SS or video@MM:SS anchors it.")],
    home: HomeOpt = None,
    reasoner: Annotated[str, typer.Option(help="extractive (no model), qwen3-vl or openai.")] = "extractive",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="Moments handed to the reasoner.")] = 6,
    video: VideoOpt = None, kind: KindOpt = None, t_from: FromOpt = None, t_to: ToOpt = None,
    model: ModelOpt = None, adapter: AdapterOpt = None, config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the library, citing video@MM:SS for every claim.

    Example: gamekb ask "when did I get the missile launcher in each video?"
    """
    from retrieval.evidence import gather

    kb = _open(home)
    engine = _reasoner(reasoner, _reasoner_options(config, model, adapter))
    evidence = gather(kb, question, limit=limit, filters=_filters(video, kind, t_from, t_to),
                      with_media=reasoner != "extractive")
    answer = engine.answer(question, evidence)
    if as_json:
        typer.echo(json.dumps({"answer": answer.text, "citations": [
            {"video": c.video, "video_path": c.video_path, "start_s": c.start_s, "end_s": c.end_s} for c in answer.citations]},
            indent=2))
        return
    typer.echo(answer.text)


@command()
def chat(
    home: HomeOpt = None,
    reasoner: Annotated[str, typer.Option(help="extractive (no model), qwen3-vl or openai.")] = "extractive",
    video: VideoOpt = None,
    model: ModelOpt = None, adapter: AdapterOpt = None, config: ConfigOpt = None,
) -> None:
    """Ask questions one after another; "@01:23 what just happened?" anchors a question in time.

    Example: gamekb chat --video demo1
    """
    from retrieval.evidence import gather

    kb = _open(home)
    engine = _reasoner(reasoner, _reasoner_options(config, model, adapter))
    typer.echo("Ask about your videos (empty line or Ctrl-D to quit). Anchor with @MM:SS or video@MM:SS.")
    filters = _filters(video, None, None, None)
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            break
        if not line or line in {"quit", "exit", ":q"}:
            break
        try:
            evidence = gather(kb, line, filters=filters, with_media=reasoner != "extractive")
            for chunk in engine.stream(line, evidence):
                typer.echo(chunk, nl=False)
            typer.echo("")
        except GamekbError as exc:
            typer.echo(f"gamekb: {exc}", err=True)


@command()
def doctor(
    home: HomeOpt = None,
    repair: Annotated[bool, typer.Option("--repair", help="Fix what is found: delete orphan rows, reset inconsistent videos so the next ingest redoes them, rebuild the full-text index.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check the SQL store and the LanceDB table against each other; exit 1 while problems remain.

    Example: gamekb doctor --repair
    """
    from kb.doctor import check

    kb = _open(home)
    found = check(kb, repair=repair)
    if as_json:
        typer.echo(json.dumps({"ok": not found, "repaired": repair,
                               "problems": [f.as_dict() for f in found]}, indent=2))
    elif not found:
        typer.echo("ok: both stores agree")
    else:
        console = _console()
        for f in found:
            mark = "fixed" if f.repaired else "found"
            console.print(f"{mark} {f.check}: " + (f"{f.video}: " if f.video else "") + f.detail, markup=False)
        if repair:
            redo = sorted({f.video for f in found if f.video and f.check not in ("lance-orphan",)})
            typer.echo(f"{len(found)} problems repaired" + (f"; ingest these again to redo them: {', '.join(redo)}" if redo else ""))
        else:
            typer.echo(f"{len(found)} problems; run gamekb doctor --repair to fix them")
    if found and not repair:
        raise typer.Exit(1)


@command()
def models(as_json: JsonOpt = False) -> None:
    """List every backend, its profile, and whether it can run on this machine.

    Example: gamekb models
    """
    from kb import registry

    rows = [{"stage": b.stage, "name": b.name, "profile": b.profile, "available": b.available(),
             "install": "" if b.available() else b.install, "description": b.description} for b in registry.backends()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("stage", "name", "profile", "available", "to install / about")
    for r in rows:
        table.add_row(r["stage"], r["name"], r["profile"], "yes" if r["available"] else "no",
                      r["install"] or r["description"])
    _console().print(table)


@command(name="eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(help='JSONL: {"id", "question", "expect": [[video, seconds], ...], "answer"?} per line.')],
    home: HomeOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Score the top k search results.")] = 10,
    report: Annotated[Optional[Path], typer.Option("--report", help="Also write a markdown report here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score the library against a question file: recall@k, timestamp error, citation recall, answers.

    Example: gamekb eval eval/dev.jsonl --k 10 --report eval-report.md
    """
    from reasoning.evaluate import evaluate as run_eval
    from reasoning.evaluate import load_questions, markdown

    result = run_eval(_open(home), load_questions(questions), k=k)
    if report:
        report.write_text(markdown(result))
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(markdown(result))


@command()
def demo(home: HomeOpt = None) -> None:
    """Ingest the included Freedoom sample clip, then search it and ask it.

    Example: gamekb demo
    """
    if not SAMPLE.exists():
        _fail(f"the sample clip {SAMPLE} is missing; run gamekb demo from a checkout of the gamekb repository")
    if home is None:
        from kb.config import default_home

        home = default_home() / "demo"
    typer.echo(f"Knowledge base: {home}\nIngesting the sample clip {SAMPLE.name} (Freedoom, BSD licence) ...")
    try:
        ingest([str(SAMPLE)], home=home)
    except typer.Exit as exc:
        if exc.exit_code:
            raise
    for q in ("angle grinder", "shotgun shells"):
        typer.echo(f"\n$ gamekb search {q!r} --limit 3")
        search(q, home=home, limit=3)
    for q in ("when did I get the angle grinder?", "what did I say about the angle grinder?"):
        typer.echo(f"\n$ gamekb ask {q!r}")
        ask(q, home=home)


if __name__ == "__main__":
    app()
