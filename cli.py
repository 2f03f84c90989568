"""The `gamekb` command line: parses, calls the libraries, prints. No logic of its own."""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from kb.errors import GamekbError, is_disk_full
from kb.names import path_of, shown

if TYPE_CHECKING:
    from kb.config import IngestConfig

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="gamekb: a searchable, askable knowledge base over a library of gameplay videos.")

# The global options: accepted before the command name (gamekb --home X ingest) and after it
# (gamekb ingest --home X). The environment fills them before the command name only, so that a
# value typed before the command name is not overridden by the environment after it.
_HOME_HELP = "Knowledge base folder (default: GAMEKB_HOME, else the user's data folder)."
_DB_HELP = ("SQL store: any SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/gamekb "
            "(default: GAMEKB_DB_URL, else SQLite in --home).")
_VERBOSE_HELP = "Log what each stage does."
GlobalHomeOpt = Annotated[Optional[Path], typer.Option("--home", envvar="GAMEKB_HOME", help=_HOME_HELP)]
GlobalDbOpt = Annotated[Optional[str], typer.Option("--db", envvar=["GAMEKB_DB_URL", "GAMEKB_DB"], help=_DB_HELP)]
GlobalVerboseOpt = Annotated[bool, typer.Option("--verbose", help=_VERBOSE_HELP)]
HomeOpt = Annotated[Optional[Path], typer.Option("--home", help=_HOME_HELP)]
GLOBAL_OPTIONS = {
    "home": HomeOpt,
    "db": Annotated[Optional[str], typer.Option("--db", help=_DB_HELP)],
    "verbose": Annotated[Optional[bool], typer.Option("--verbose", help=_VERBOSE_HELP)],
}
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
VideoOpt = Annotated[Optional[list[str]], typer.Option("--video", "-v", help="Only this video (file stem); repeatable.")]
# The kinds come from kb/kinds.py and the game packs; naming a few keeps --help from loading the packs.
KindOpt = Annotated[Optional[list[str]], typer.Option(
    "--kind", "-k", help="Only events of this kind (pickup, kill, death, damage, objective, speech, text ...; "
                         "gamekb events --kinds lists them all); repeatable.")]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="Only from this time on (seconds or MM:SS).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Only up to this time (seconds or MM:SS).")]
GameOpt = Annotated[Optional[list[str]], typer.Option("--game", metavar="NAME", help="Only videos read with this game pack (the game column "
                                                                                     "of gamekb videos); repeatable.")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", envvar="GAMEKB_CONFIG",
                                                   help="TOML file: [ingest] settings and [models.STAGE] model options.")]
SAMPLE = Path(__file__).resolve().parent / "tests" / "data" / "freedoom_excerpt.mp4"
SAMPLE_OTHER = SAMPLE.with_name("hedgewars_excerpt.mp4")  # a second game, read with its own pack


def command(*args, group: typer.Typer | None = None, **kwargs):
    """app.command (or `group`.command), with every domain error, and any error that means a full
    disk, turned into one clean line and exit status 2, and the global options (GLOBAL_OPTIONS:
    --home, --db, --verbose) accepted after the command name as well as before it."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*a, **kw):
            ctx = kw.pop("global_ctx", None)
            given = {name: kw.pop(f"global_{name}", None) for name in GLOBAL_OPTIONS}
            try:
                if "home" in kw:
                    kw["home"] = _globals(ctx, **{**given, "home": kw["home"]}).get("home")
                else:
                    _globals(ctx, **given)
                return fn(*a, **kw)
            except GamekbError as exc:
                _fail(str(exc))
            except typer.Exit:
                raise
            except Exception as exc:
                # any command on a full disk (issue 14): one line, never a traceback
                from kb.config import default_home

                home = kw.get("home") or default_home()
                if not is_disk_full(exc, home):
                    raise
                _fail(f"disk full at {home}: free space and rerun")

        signature = inspect.signature(fn, eval_str=True)
        params = list(signature.parameters.values())
        params += [inspect.Parameter(f"global_{name}", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=opt)
                   for name, opt in GLOBAL_OPTIONS.items() if name not in signature.parameters]
        params.append(inspect.Parameter("global_ctx", inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=typer.Context))
        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]  # typeshed's functools._Wrapped declares no __signature__; inspect reads it
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return (group or app).command(*args, **kwargs)(wrapper)

    return deco


def _globals(ctx: Optional[typer.Context], home: Optional[Path] = None, db: Optional[str] = None,
             verbose: Optional[bool] = None) -> dict:
    """Apply the global options given at this level (before the command name, or after it) and
    return them all: a value given after the command name wins over one given before it."""
    if ctx is None:  # called as a function (gamekb demo calls ingest): nothing to apply
        return {"home": home}
    state = ctx.find_root().ensure_object(dict)
    if home is not None:
        state["home"] = home
    if verbose:
        logging.getLogger().setLevel(logging.INFO)
    if db and state.get("db") != db:  # Settings.load reads GAMEKB_DB_URL; restored afterwards so an in-process caller is unaffected
        if "db" not in state:
            before = os.environ.get("GAMEKB_DB_URL")
            ctx.find_root().call_on_close(lambda: os.environ.pop("GAMEKB_DB_URL", None) if before is None
                                          else os.environ.update(GAMEKB_DB_URL=before))
        state["db"] = db
        os.environ["GAMEKB_DB_URL"] = db
    return state


def _ingest_config(path: Optional[Path], profile: Optional[str], device: Optional[str] = None, **flags) -> "IngestConfig":
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


def _plain(*values) -> list:
    """Table cells shown as written: a file named "run [abc].mp4" or "gamekb[full]" is not markup,
    and control characters in a name are shown escaped."""
    from rich.text import Text

    return [Text(shown(v)) for v in values]


def _say(console, line: str) -> None:
    """Print one line that holds file or video names: never markup, control characters escaped (a
    file name may carry ANSI/OSC escapes or a newline; issue 14)."""
    console.print(shown(line), markup=False)


def _console():
    from rich.console import Console

    return Console(stderr=False, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(shown(f"gamekb: {message}"), err=True)
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
    except GamekbError as exc:
        _fail(f"--{what}: {exc}; write seconds or MM:SS, e.g. --{what} 01:30")


def _filters(video, kind, t_from, t_to, game=None):
    from retrieval.search import Filters

    return Filters(videos=video or None, kinds=kind or None, t_from=_time(t_from, "from"), t_to=_time(t_to, "to"),
                   games=game or None)


def _ts(seconds: float) -> str:
    from retrieval.types import format_ts

    return format_ts(seconds)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"gamekb {version('gamekb')}")
        except PackageNotFoundError:  # run from a checkout that pip never installed
            typer.echo("gamekb (not installed: run pip install -e . for its version)")
        raise typer.Exit()


@app.callback()
def main(ctx: typer.Context,
         home: GlobalHomeOpt = None, db: GlobalDbOpt = None, verbose: GlobalVerboseOpt = False,
         version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                               help="Print gamekb's version and exit.")] = False) -> None:
    """gamekb: a searchable, askable knowledge base over a library of gameplay videos.

    The global options (--home, --db, --verbose) go before or after the command name.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no stage downloads anything unless given a URL
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _globals(ctx, home=home, db=db, verbose=verbose)


@command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Video files, folders (recursive), globs or URLs.")],
    home: HomeOpt = None,
    profile: Annotated[Optional[str], typer.Option(help="lite (CPU, packaged models; the default) or full (GPU, the original model stack).")] = None,
    fps: Annotated[Optional[float], typer.Option(help="Frames sampled per second (default 2: a HUD message can be replaced after 0.5 s).")] = None,
    ocr: Annotated[Optional[str], typer.Option(help="OCR backend (see gamekb models).")] = None,
    speech: Annotated[Optional[str], typer.Option(help="Speech backend (see gamekb models).")] = None,
    visual: Annotated[Optional[str], typer.Option(help="Visual encoder backend (colour-layout, siglip2).")] = None,
    temporal: Annotated[Optional[str], typer.Option(help="Clip encoder backend (motion, videomae).")] = None,
    audio: Annotated[Optional[str], typer.Option(help="Audio encoder backend (wav2vec2).")] = None,
    entities: Annotated[Optional[str], typer.Option(help="Entity detector backend (sam3).")] = None,
    game: Annotated[Optional[str], typer.Option("--game", metavar="NAME|auto",
                                                help="The game pack to read the videos with: auto (the default: chosen by what the screen "
                                                     "shows) or a name from gamekb games.")] = None,
    device: Annotated[Optional[str], typer.Option(help="Device for the full profile's models: auto, cpu, cuda.")] = None,
    config: ConfigOpt = None,
    projector: Annotated[Optional[Path], typer.Option(help="ProjectorBank checkpoint: store projected vectors.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-ingest videos that are already in the library.")] = False,
    ray: Annotated[Optional[str], typer.Option("--ray", metavar="ADDRESS",
                                               help="Fan videos out on a Ray cluster: local (join the cluster running here, or start one), "
                                                    "auto, or ray://host:10001. Needs gamekb[ray].")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add videos to the knowledge base.

    Example: gamekb ingest ~/Videos/doom/ "clips/*.mp4"
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest import pipeline
    from ingest.rules import check_game
    from ingest.sources import expand
    from kb.config import default_home
    from kb.errors import DiskFull

    if fps is not None and not (0.05 <= fps <= 30):
        _fail(f"--fps {fps} is out of range; use a value between 0.05 and 30")
    settings = _ingest_config(config, profile, fps=fps, ocr=ocr, speech=speech, visual=visual, temporal=temporal,
                            audio=audio, entities=entities, device=device, game=game,
                            projector=str(projector) if projector else None)
    check_game(settings.game)  # a misspelt --game (or [ingest] game) fails now, before any model loads
    sources, problems = expand(inputs)
    console = _console()
    outcomes = [pipeline.Outcome(src, "failed", why) for src, why in problems]
    full: DiskFull | None = None
    try:
        kb = _open(home)
    except Exception as exc:  # on a full disk SQLite cannot even open the library
        where = home or default_home()
        if not is_disk_full(exc, where):
            raise
        full = DiskFull(f"disk full at {where}: 0 videos done, {len(sources)} left; free space and rerun",
                        where=str(where), left=len(sources))
    if sources and full is None:
        with Progress(TextColumn("{task.description}", markup=False), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=_console() if not as_json else None,
                      disable=as_json or not sys.stderr.isatty(), transient=False) as bar:
            def on_start(source):
                name = shown(Path(source.label).name)
                task = bar.add_task(name[:40], total=1.0)
                return lambda phase, frac: bar.update(task, completed=frac, description=f"{name[:32]} {phase}")

            def on_done(o):
                if not as_json:
                    mark = {"ingested": "ok  ", "skipped": "skip", "failed": "FAIL"}[o.status]
                    _say(console, f"{mark} {o.source}: {o.message}" + (f" ({o.seconds:.1f} s)" if o.status == "ingested" else ""))

            try:
                if ray is not None:
                    from ingest import distributed

                    outcomes += distributed.run(kb, sources, settings, address=None if ray == "local" else ray,
                                                force=force, on_start=on_start, on_done=on_done)
                else:
                    outcomes += pipeline.run(kb, sources, settings, force=force, on_start=on_start, on_done=on_done)
            except DiskFull as exc:  # the run stopped at the first write that found no space
                full = exc
                outcomes += exc.outcomes
    if full is not None:
        typer.echo(f"gamekb: {full}", err=True)
    for o in outcomes[: len(problems)]:
        if not as_json:
            _say(console, f"FAIL {o.source}: {o.message}")
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        typer.echo(json.dumps([{"source": o.source, "status": o.status, "message": o.message, "video": o.video,
                                "seconds": round(o.seconds, 2)} for o in outcomes], indent=2))
    else:
        n = {s: sum(o.status == s for o in outcomes) for s in ("ingested", "skipped", "failed")}
        console.print(f"{n['ingested']} ingested, {n['skipped']} skipped, {n['failed']} failed"
                      + (f", {full.left} left (disk full)" if full is not None else ""), markup=False)
    if failed or not outcomes or full is not None:
        raise typer.Exit(1)


@command()
def videos(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the videos in the library with status, duration and game (with how well its pack matched).

    Example: gamekb videos --json
    """
    from reasoning import usecases

    rows = usecases.video_rows(_open(home))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("The library is empty: add videos with gamekb ingest PATH")
        return
    from rich.table import Table

    table = Table("id", "video", "status", "duration", "segments", "game", "path")
    for r in rows:
        game = r["game"] or "-"
        if r["game_score"] is not None and r["game"] != "generic":  # generic's score is how sure no pack fits
            game += f" ({r['game_score']:.2f})"
        table.add_row(*_plain(r["id"], r["video"], r["status"], _ts(r["duration_s"]), r["segments"], game,
                              path_of(r["video_path"])))
    _console().print(table)


@command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words; @MM:SS or video@MM:SS restricts to a moment.")],
    home: HomeOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="How many moments to return.")] = 10,
    video: VideoOpt = None, kind: KindOpt = None, t_from: FromOpt = None, t_to: ToOpt = None, game: GameOpt = None,
    closest: Annotated[bool, typer.Option("--closest", help="After the matches, list the closest moments that are not matches (up to --limit "
                                                            "in all).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Find the moments that match, across all videos; the closest ones only with --closest or when nothing matched.

    Example: gamekb search "blue passcard" --limit 5
    """
    from reasoning import usecases
    from retrieval.search import search as run_search

    kb = _open(home)
    hits = run_search(kb, query, limit=limit, filters=_filters(video, kind, t_from, t_to, game), closest=closest)
    if as_json:
        typer.echo(json.dumps([usecases.hit_row(m) for m in hits], indent=2))
        return
    if not kb.videos(status="ready"):
        typer.echo("No matching moments. The library is empty: run gamekb ingest PATH")
        return
    console = _console()
    matches = [m for m in hits if not m.closest]
    shown = " ".join(query.split())
    if matches:
        console.print(f"{len(matches)} match{'' if len(matches) == 1 else 'es'} for “{shown}”:", markup=False)
    else:
        console.print(f"No match for “{shown}”." + ("" if hits or closest else " gamekb search --closest lists the closest moments anyway."),
                      markup=False)
    for i, m in enumerate(hits, 1):
        if m.closest and (i == 1 or not hits[i - 2].closest):
            console.print("Closest moments (not matches):", markup=False)
        _say(console, f"{i:>2}. {m.citation}-{_ts(m.end_s)}  {usecases.describe(m)}")


@command()
def events(
    home: HomeOpt = None, video: VideoOpt = None, kind: KindOpt = None, t_from: FromOpt = None, t_to: ToOpt = None,
    game: GameOpt = None,
    text: Annotated[Optional[str], typer.Option("--text", help="Only events whose label contains this.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="At most this many events.")] = None,
    list_kinds: Annotated[bool, typer.Option("--kinds", help="List the event kinds instead: the generic ones, the game packs' and those in "
                                                             "the library.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List what happened when: the event table, filtered.

    Example: gamekb events --kind pickup --video demo1
    """
    from reasoning import usecases

    kb = _open(home)
    if list_kinds:
        _print_kinds(kb.event_kinds(), as_json)
        return
    out = [usecases.event_row(e, v) for e, v in usecases.events(kb, _filters(video, kind, t_from, t_to, game), text, limit)]
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    if not out:
        known = ", ".join(kb.event_kinds()) or "none yet"
        typer.echo(f"No matching events. Kinds in the library: {known}")
        return
    console = _console()
    for r in out:
        _say(console, f"{r['video']}@{_ts(r['t_start'])}  {r['kind']:<10} {r['label']}")


def _print_kinds(in_library: list[str], as_json: bool) -> None:
    from kb import kinds

    present = set(in_library)
    rows = [{"kind": k.name, "in_library": k.name in present, "description": k.description}
            for k in [*kinds.all_kinds(), *(kinds.get(n) for n in sorted(present - set(kinds.names())))]]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    console = _console()
    for r in rows:
        console.print(f"{'*' if r['in_library'] else ' '} {r['kind']:<12} {r['description']}", markup=False)
    console.print("(* : the library holds events of this kind)", markup=False)


def _reasoner(name: str, options: dict):
    """The reasoner, loaded: a model that takes a while to read says so on stderr meanwhile."""
    from reasoning import usecases

    return usecases.reasoner(name, options, progress=lambda message: typer.echo(shown(message) + " ...", err=True))


ModelOpt = Annotated[Optional[str], typer.Option("--model", help="The reasoner's model: hub id, local path or server model name.")]
AdapterOpt = Annotated[Optional[str], typer.Option("--adapter", help="A LoRA adapter folder for the qwen3-vl reasoner.")]


@command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about your videos; @MM:SS or video@MM:SS anchors it.")],
    home: HomeOpt = None,
    reasoner: Annotated[str, typer.Option(help="extractive (no model), local (a GGUF model on the CPU), qwen3-vl or openai.")] = "extractive",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="Moments handed to the reasoner.")] = 6,
    video: VideoOpt = None, kind: KindOpt = None, t_from: FromOpt = None, t_to: ToOpt = None, game: GameOpt = None,
    model: ModelOpt = None, adapter: AdapterOpt = None, config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the library, citing video@MM:SS for every claim.

    Example: gamekb ask "when did I get the missile launcher in each video?"
    """
    from reasoning import usecases

    kb = _open(home)
    engine = _reasoner(reasoner, _reasoner_options(config, model, adapter))
    filters = _filters(video, kind, t_from, t_to, game)
    if not as_json:
        _print_stream(usecases.stream(kb, question, engine, limit, filters))
        return
    answer = usecases.ask(kb, question, engine, limit, filters)
    typer.echo(json.dumps({"answer": answer.text, "citations": [usecases.citation_row(c) for c in answer.citations],
                           "dropped_citations": answer.dropped}, indent=2))


def _print_stream(answer) -> None:
    """The answer as the reasoner writes it, then how many citations of no evidence were taken out."""
    for chunk in answer:
        typer.echo(shown(chunk, keep_newlines=True), nl=False)
    typer.echo("")
    dropped = answer.dropped
    if dropped:
        typer.echo(shown(f"({len(dropped)} citations of no evidence moment were left out: {', '.join(dropped)})"), err=True)


@command()
def chat(
    home: HomeOpt = None,
    reasoner: Annotated[str, typer.Option(help="extractive (no model), local (a GGUF model on the CPU), qwen3-vl or openai.")] = "extractive",
    video: VideoOpt = None,
    model: ModelOpt = None, adapter: AdapterOpt = None, config: ConfigOpt = None,
) -> None:
    """Ask questions one after another; "@01:23 what just happened?" anchors a question in time.

    Example: gamekb chat --video demo1
    """
    from reasoning import usecases

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
            _print_stream(usecases.stream(kb, line, engine, filters=filters))
        except GamekbError as exc:
            typer.echo(shown(f"gamekb: {exc}"), err=True)


@command()
def doctor(
    home: HomeOpt = None,
    repair: Annotated[bool, typer.Option("--repair", help="Fix what is found: reclaim dead space, delete orphan rows, reset inconsistent "
                                                          "videos so the next ingest redoes them, rebuild the full-text index.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check the SQL store and the LanceDB table against each other, and report dead space; exit 1 while problems remain.

    Example: gamekb doctor --repair
    """
    from kb.config import Settings
    from kb.doctor import check, reclaim_without_sql, space

    try:
        kb = _open(home)
    except Exception as exc:
        settings = Settings.load(home)
        if not (repair and settings.db_url is None and is_disk_full(exc, settings.home)):
            raise
        freed = reclaim_without_sql(settings)  # old versions may be what filled the disk
        typer.echo(f"reclaimed {freed / 1e6:.1f} MB of LanceDB dead space on the full disk", err=True)
        kb = _open(home)
    found = check(kb, repair=repair)
    if as_json:
        typer.echo(json.dumps({"ok": not found, "repaired": repair, "problems": [f.as_dict() for f in found],
                               "lance_space": space(kb).as_dict()}, indent=2))
    elif not found:
        typer.echo("ok: both stores agree")
    else:
        console = _console()
        for f in found:
            mark = "fixed" if f.repaired else "found"
            _say(console, f"{mark} {f.check}: " + (f"{f.video}: " if f.video else "") + f.detail)
        if repair:
            redo = sorted({f.video for f in found if f.video and f.check not in ("lance-orphan",)})
            typer.echo(shown(f"{len(found)} problems repaired" + (f"; ingest these again to redo them: {', '.join(redo)}" if redo else "")))
        else:
            typer.echo(f"{len(found)} problems; run gamekb doctor --repair to fix them")
    if found and not repair:
        raise typer.Exit(1)


@command()
def models(as_json: JsonOpt = False) -> None:
    """List every backend, its profile, and whether it can run on this machine now: its packages and
    weights are here (and a GPU, where it needs one), else why not and what to do.

    Example: gamekb models
    """
    from kb.models import registry

    rows = []
    for b in registry.backends():
        why = b.why_not()
        rows.append({"stage": b.stage, "name": b.name, "profile": b.profile, "available": why is None,
                     "why_not": why or "", "install": b.install if why else "", "description": b.description})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("stage", "name", "profile", "available", "about / why not here")
    for r in rows:
        table.add_row(*_plain(r["stage"], r["name"], r["profile"], "yes" if r["available"] else "no",
                              r["why_not"] or r["description"]))
    _console().print(table)


@command()
def games(as_json: JsonOpt = False) -> None:
    """List the game packs: built in, or installed as plugins (entry-point group gamekb.games).

    Example: gamekb games --json
    """
    from ingest.rules import pack_summary, packs

    rows = [pack_summary(name) for name in packs()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    # two lines a pack rather than a table: titles are sentences, and a table at 80 columns wraps them
    # (and the names a user types) into towers
    console = _console()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        console.print(f"{r['name']:<{width}}  {r['source']}: {r['lexicon']} lexicon entries; HUD values: "
                      f"{', '.join(r['hud_values']) or '-'}; own event kinds: {', '.join(r['kinds']) or '-'}", markup=False)
        console.print(f"{'':<{width}}  {r['title']}", markup=False)


@command(name="eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(help='JSONL: {"id", "question", "expect": [[video, seconds], ...], "answer"?} per line.')],
    home: HomeOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Score the top k search results.")] = 10,
    report: Annotated[Optional[Path], typer.Option("--report", help="Also write a markdown report here.")] = None,
    reasoner: Annotated[Optional[list[str]], typer.Option(
        "--reasoner", help="A reasoner to answer with; repeat it to compare them side by side (default: extractive).")] = None,
    model: ModelOpt = None, config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score the library against a question file: recall@k, timestamp error, and for each reasoner
    answer accuracy, citation recall and precision, and the time per answer.

    Example: gamekb eval eval/dev.jsonl --reasoner extractive --reasoner local --report eval-report.md
    """
    from reasoning.evaluate import evaluate as run_eval
    from reasoning.evaluate import load_questions, markdown

    kb, asked = _open(home), load_questions(questions)
    names = list(dict.fromkeys(reasoner or ["extractive"]))
    engines = [_reasoner(name, _reasoner_options(config, model, None)) for name in names]
    result = run_eval(kb, asked, k=k, reasoners=engines)
    if report:
        report.write_text(markdown(result))
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(markdown(result))


@command()
def demo(home: HomeOpt = None) -> None:
    """Ingest the included sample clips (Freedoom, and Hedgewars when present), then search and ask.

    Example: gamekb demo
    """
    if not SAMPLE.exists():
        _fail(f"the sample clip {SAMPLE} is missing; run gamekb demo from a checkout of the gamekb repository")
    if home is None:
        from kb.config import default_home

        home = default_home() / "demo"
    clips = [SAMPLE, *([SAMPLE_OTHER] if SAMPLE_OTHER.exists() else [])]
    typer.echo(f"Knowledge base: {home}\nIngesting the sample clips: {SAMPLE.name} (Freedoom, BSD licence)"
               + (f", {SAMPLE_OTHER.name} (Hedgewars, GPL-2)" if len(clips) > 1 else "") + "; each is read with its game's pack, chosen "
                                                                                           "automatically ...")
    try:
        ingest([str(c) for c in clips], home=home)
    except typer.Exit as exc:
        if exc.exit_code:
            raise
    for q in ("angle grinder", "shotgun shells"):
        typer.echo(f"\n$ gamekb search {q!r} --limit 3")
        search(q, home=home, limit=3)
    questions = ["when did I get the angle grinder?", "what did I say about the angle grinder?"]
    if len(clips) > 1:
        questions.append("who drowned?")
    for q in questions:
        typer.echo(f"\n$ gamekb ask {q!r}")
        ask(q, home=home)



# -- web app (issue 7; the face is reasoning/web/) and timeline picture (reasoning/timeline.py) -----

@command()
def serve(
    home: HomeOpt = None,
    host: Annotated[str, typer.Option(help="Interface to bind; anything but loopback needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8765,
    token: Annotated[Optional[str], typer.Option(envvar="GAMEKB_TOKEN", help="Secret every request must carry (Authorization: Bearer, or "
                                                                             "/?token= once); required off loopback.")] = None,
    reasoner: Annotated[str, typer.Option(help="Reasoner for the ask box: extractive (no model), local, qwen3-vl or openai.")] = "extractive",
    model: ModelOpt = None, adapter: AdapterOpt = None, config: ConfigOpt = None,
) -> None:
    """Serve the library: a page to search, watch the moment and ask, and its JSON API (/openapi.json).

    Example: gamekb serve --port 8765
    """
    from reasoning.web.app import check_bind, url
    from reasoning.web.app import serve as run_server

    check_bind(host, token)
    kb = _open(home)
    typer.echo(f"gamekb: serving {kb.settings.home} at {url(host, port)} (Ctrl-C to stop)", err=True)
    run_server(kb, host=host, port=port, token=token, reasoner=reasoner,
               reasoner_options=_reasoner_options(config, model, adapter))


@command()
def timeline(
    video: Annotated[str, typer.Argument(help="The video: its name (file stem) or id, as gamekb videos lists it.")],
    home: HomeOpt = None,
    png: Annotated[Optional[Path], typer.Option("--png", help="Write the timeline picture to this PNG file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """One video's events in lanes by kind, and its HUD curves (health, armor, ammo).

    Example: gamekb timeline demo1 --png demo1.png
    """
    from reasoning import timeline as tl

    kb = _open(home)
    data = tl.for_video(kb, tl.find_video(kb, video))
    if png is not None:
        tl.render_png(data, png)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    elif png is not None:
        typer.echo(f"wrote {png}")
    else:
        console = _console()
        _say(console, f"{data['video']}  ({_ts(data['duration_s'])})")
        for lane in data["lanes"]:
            marks = ", ".join(f"{_ts(e['t_start'])} {e['label']}" for e in lane["events"])
            _say(console, f"  {lane['kind']:<10} {marks}")
        for s in data["series"]:
            values = [p[1] for p in s["points"]]
            console.print(f"  {s['name']:<10} {min(values):g}..{max(values):g} over {len(values)} readings", markup=False)


# -- gamekb train (issue 6): training data, LoRA, projectors; the code lives in reasoning/training/ --

train_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                        help="Build grounded Q&A data from the library; train the qwen3-vl reasoner's LoRA and projectors.")
app.add_typer(train_app, name="train")


train_command = functools.partial(command, group=train_app)


def _train_progress(as_json: bool):
    """A rich progress bar and the on_step callback the trainers call: (step, total, loss, phase)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), disable=as_json or not sys.stderr.isatty())
    task = bar.add_task("train", total=None, loss="-")

    def on_step(step: int, total: int, loss: float, phase: str) -> None:
        bar.update(task, completed=step, total=total, description=phase,
                   loss=f"{loss:.4f}" if loss == loss else "-")

    return bar, on_step


def _loss(value) -> str:
    return "-" if value is None else f"{value:.4f}"


DeviceOpt = Annotated[Optional[str], typer.Option("--device", help="Where to train: auto, cpu, cuda (default: [models.reasoner] device, else auto).")]
EpochsOpt = Annotated[int, typer.Option("--epochs", min=1, help="Passes over the training pairs.")]
BatchOpt = Annotated[int, typer.Option("--batch-size", min=1, help="Pairs per optimizer step.")]
EvalSplitOpt = Annotated[float, typer.Option("--eval-split", min=0.0, max=0.9, help="Share of pairs held out for the eval loss (0: none).")]
MaxStepsOpt = Annotated[Optional[int], typer.Option("--max-steps", min=1, help="Stop after this many steps in all.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for the split, the shuffling and the initial weights.")]


@train_command("data")
def train_data(
    out: Annotated[Path, typer.Argument(help="The JSONL file to write, one Q&A pair a line.")],
    home: HomeOpt = None, video: VideoOpt = None,
    inputs: Annotated[Optional[list[Path]], typer.Option("--input", "-i", help="Convert this file too: {\"question\",\"answer\"} lists or "
                                                                               "JSONL, or chat \"messages\" records; repeatable.")] = None,
    from_kb: Annotated[Optional[bool], typer.Option("--kb/--no-kb", help="Include pairs built from the library (default: yes, unless --input "
                                                                         "is given).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write grounded Q&A pairs (what was picked up when, what the HUD showed, what was said, damage and deaths).

    Every pair carries its video, time, segment and evidence window, so the trainers can put that
    segment's evidence and keyframe in the prompt.

    Example: gamekb train data pairs.jsonl --input old_pairs.json --kb
    """
    from reasoning.training import data as td

    use_kb = from_kb if from_kb is not None else not inputs
    pairs = td.build(_open(home) if use_kb else None, video, inputs or [])
    if not pairs:
        _fail("no pairs: the library has no ready videos with events; run gamekb ingest first, or give --input FILE")
    td.write_pairs(pairs, out)
    info = {"out": str(out), **td.summary(pairs)}
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    kinds = ", ".join(f"{k} {n}" for k, n in info["kinds"].items())
    typer.echo(f"wrote {info['pairs']} pairs ({info['grounded']} tied to a video moment; {kinds}) to {out}")


@train_command("lora")
def train_lora_cmd(
    data: Annotated[Path, typer.Argument(help="Pairs from gamekb train data (or any format it converts).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the adapter, its checkpoints and gamekb_train.json.")],
    home: HomeOpt = None, model: ModelOpt = None, config: ConfigOpt = None, device: DeviceOpt = None,
    r: Annotated[int, typer.Option("--r", min=1, help="LoRA rank.")] = 16,
    alpha: Annotated[int, typer.Option("--alpha", min=1, help="LoRA alpha (the update is scaled by alpha/r).")] = 32,
    target: Annotated[str, typer.Option("--target", help="The language model's modules to adapt, comma-separated.")] = "q_proj,k_proj,v_proj,o_proj",
    lr: Annotated[float, typer.Option("--lr", min=0.0, help="AdamW learning rate.")] = 2e-4,
    epochs: EpochsOpt = 3, batch_size: BatchOpt = 1, eval_split: EvalSplitOpt = 0.1, max_steps: MaxStepsOpt = None,
    save_every: Annotated[Optional[int], typer.Option("--save-every", min=1, help="Checkpoint every N steps (default: each epoch's end).")] = None,
    seed: SeedOpt = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the last checkpoint in --out.")] = False,
    checkpointing: Annotated[bool, typer.Option("--gradient-checkpointing", help="Recompute activations to save GPU memory.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fine-tune a LoRA on the qwen3-vl reasoner, evidence and keyframes in the prompt, loss on answers only.

    Example: gamekb train lora pairs.jsonl --out runs/lora1 --epochs 3 --config gamekb.toml
    """
    from reasoning.training import lora

    options = _reasoner_options(config, model, None)
    if device:
        options["device"] = device
    opts = lora.LoraOptions(r=r, alpha=alpha, target=tuple(target.split(",")), lr=lr, epochs=epochs,
                            batch_size=batch_size, eval_split=eval_split, max_steps=max_steps, save_every=save_every,
                            seed=seed, gradient_checkpointing=checkpointing)
    bar, on_step = _train_progress(as_json)
    with bar:
        result = lora.run(data, out, home, options, opts, resume=resume, on_step=on_step)
    info = {"out": str(result.out), "step": result.step, "train_loss": result.train_loss, "eval_loss": result.eval_loss,
            "eval_loss_before": result.eval_loss_before, "resumed_from": result.resumed_from}
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    typer.echo(f"step {result.step}: train loss {_loss(result.train_loss)}, eval loss {_loss(result.eval_loss_before)} "
               f"before -> {_loss(result.eval_loss)} after; adapter in {result.out} (use: gamekb ask --adapter {result.out})")


@train_command("projectors")
def train_projectors_cmd(
    data: Annotated[Path, typer.Argument(help="Pairs from gamekb train data (those tied to a video segment are used).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The projector checkpoint to write (.safetensors, or .pt); a .train.json report "
                                                          "goes beside it.")],
    home: HomeOpt = None, model: ModelOpt = None, adapter: AdapterOpt = None, config: ConfigOpt = None,
    device: DeviceOpt = None,
    lr: Annotated[float, typer.Option("--lr", min=0.0, help="AdamW learning rate.")] = 1e-3,
    epochs: EpochsOpt = 5, batch_size: BatchOpt = 4, eval_split: EvalSplitOpt = 0.1, max_steps: MaxStepsOpt = None,
    seed: SeedOpt = 0,
    modality: Annotated[Optional[list[str]], typer.Option("--modality", help="Train only this modality (visual, temporal, audio); "
                                                                             "repeatable.")] = None,
    init: Annotated[Optional[Path], typer.Option("--init", help="Start from this projector checkpoint (ours or the original project's).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Train the projectors with the LLM frozen, on answers the prompt text does not hold; report the prefix ablation.

    Example: gamekb train projectors pairs.jsonl --out projector.safetensors --config gamekb.toml
    """
    from reasoning.training import projectors

    options = _reasoner_options(config, model, adapter)
    if device:
        options["device"] = device
    opts = projectors.ProjectorOptions(lr=lr, epochs=epochs, batch_size=batch_size, eval_split=eval_split,
                                       max_steps=max_steps, seed=seed, modalities=tuple(modality) if modality else None,
                                       init=str(init) if init else None)
    bar, on_step = _train_progress(as_json)
    with bar:
        result = projectors.run(data, out, home, options, opts, on_step=on_step)
    info = {"out": str(result.out), "checkpoint_id": result.checkpoint_id, "step": result.step,
            "train_loss": result.train_loss, "ablation": result.ablation, "report": str(result.report)}
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    typer.echo(f"wrote {result.out} ({result.checkpoint_id}) after {result.step} steps; report: {result.report}")
    typer.echo("answer loss by prefix  " + "".join(f"{h:>9}" for h in ("trained", "initial", "zero", "none")))
    for split_name, row in result.ablation.items():
        typer.echo(f"  {split_name:<20} " + "".join(f"{_loss(row[k]):>9}" for k in
                                                    ("trained_prefix", "initial_prefix", "zero_prefix", "no_prefix")))


if __name__ == "__main__":
    app()
