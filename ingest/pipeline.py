"""Ingest: video files in, segments, events and vectors in the knowledge base out.

Phases, per video:
 1. identify  - SHA-256 of the content; a ready video with the same hash is skipped (renames too)
 2. probe     - is it a decodable video; duration, size, audio (BadInput names the cause)
 3. claim     - the SQL row goes to `ingesting`; leftovers of an interrupted run are deleted
 4. listen    - audio to 16 kHz mono -> VAD-gated Whisper -> phrases (a thread, beside 5)
 5. watch     - frames sampled at --fps, streamed: screen text (OCR + lexicon snapping),
                HUD game state, a visual descriptor, a thumbnail; optional entity detection
 6. segment   - windows of at most segment_s snapped to scene cuts
 7. index     - the timeline indexer turns text, speech, game state and cuts into typed events
 8. embed     - per segment: searchable text, its text embedding, pooled visual/temporal/audio
                vectors, projected vectors when a projector is configured
 9. commit    - LanceDB rows, then SQL rows and status `ready` in one transaction: only now
                does the video become visible to search, events and ask

Models are built once per run (`Models.load`), never once per video.
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ingest import events as timeline
from ingest import segment as segmenting
from ingest.probe import VideoInfo, probe, sha256_file
from ingest.sources import Source, download
from ingest.types import EventRecord, Frame, GameState
from kb import registry
from kb.config import IngestConfig
from kb.errors import BadInput, GamekbError
from kb.schema import Entity, Event, Segment, StateSample
from kb.store import KnowledgeBase, VideoRecords

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]  # (phase, fraction of this video done)
THUMB_WIDTH = 320  # keyframe JPEG width: enough to see the scene, ~10 KB each


@dataclass
class Models:
    """Every backend a run needs, built once."""

    config: IngestConfig
    ocr: Any
    speech: Any
    visual: Any
    temporal: Any | None
    audio: Any | None
    entities: Any | None
    text: Any
    projector: Any | None
    packs: dict[str, Any]

    @classmethod
    def load(cls, config: IngestConfig) -> "Models":
        from ingest.rules import get_pack
        from kb.embeddings import text_embedder

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
        return cls(config=config, ocr=make("ocr", config.ocr), speech=make("speech", config.speech),
                   visual=make("visual", config.visual), temporal=make("temporal", config.temporal or "motion"),
                   audio=make("audio", config.audio), entities=make("entities", config.entities),
                   text=text_embedder(config.text_model, config.threads), projector=projector,
                   packs={name: get_pack(name) for name in ("doom", "generic")})

    def manifest(self) -> dict[str, dict[str, Any]]:
        """LanceDB vector columns and the models that fill them (recorded in the table metadata)."""
        m = {"text_vec": {"model": self.text.model_id, "dim": self.text.dim},
             "visual_vec": {"model": self.visual.model_id, "dim": self.visual.dim},
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
               "speech": getattr(self.speech, "model_id", self.config.speech)}
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
    rows: list[dict[str, Any]]
    entities: list[Entity] = field(default_factory=list)
    game: str | None = None


def ingest_source(kb: KnowledgeBase, source: Source, models: Models, force: bool = False,
                  progress: Progress | None = None, download_dir: Path | None = None) -> Outcome:
    """Ingest one input; never raises for a bad input, returns a failed Outcome naming the cause."""
    started = time.perf_counter()
    try:
        path = source.path
        if source.url:
            path = download(source.url, download_dir or Path(tempfile.mkdtemp(prefix="gamekb-dl-")))
        out = _ingest_path(kb, path, models, force, progress or (lambda *_: None))
    except BadInput as exc:
        out = Outcome(source.label, "failed", str(exc))
    out.seconds = time.perf_counter() - started
    return out


def _ingest_path(kb: KnowledgeBase, path: Path, models: Models, force: bool, progress: Progress) -> Outcome:
    label = str(path)
    try:
        sha = sha256_file(path)
    except FileNotFoundError as exc:
        raise BadInput("file not found") from exc
    except IsADirectoryError as exc:
        raise BadInput("is a folder, not a video file") from exc
    except PermissionError as exc:
        raise BadInput("not readable (check its permissions)") from exc
    existing = kb.video_by_sha(sha)
    if existing and existing.status == "ready" and not force:
        if existing.path != str(path):
            kb.update_path(existing, path)
        return Outcome(label, "skipped", f"already ingested as {existing.name}", existing.name)
    with kb.lock(f"video-{sha[:20]}", blocking=False) as mine:
        if not mine:
            return Outcome(label, "skipped", "being ingested by another gamekb process")
        info = probe(path)
        video = kb.claim(path, sha, info.as_row(), models.config.profile)
        kb.discard_partial(video.id)  # whatever an interrupted run left in either store
        try:
            analysis = analyse(path, info, models, progress)
        except BadInput as exc:
            kb.fail_video(video.id, str(exc))
            raise
        progress("commit", 0.97)
        kb.commit_video(video.id, _records(analysis, models), models.versions())
        progress("done", 1.0)
        n_events = sum(1 for e in analysis.events if e.kind not in ("scene",))
        return Outcome(label, "ingested", f"{len(analysis.spans)} segments, {n_events} events", video.name,
                       duration_s=info.duration_s)


def analyse(path: Path, info: VideoInfo, models: Models, progress: Progress) -> Analysis:
    from ingest import decode, hud, ocr
    from ingest.audio import load_audio

    cfg = models.config
    speech_box: dict[str, Any] = {}

    def listen() -> None:
        try:
            audio = load_audio(path) if info.has_audio else np.zeros(0, np.float32)
            speech_box["audio"] = audio
            speech_box["phrases"] = models.speech.transcribe(audio, 16000) if audio.size else []
        except Exception as exc:  # reported after the frame loop, on the main thread
            speech_box["error"] = exc

    listener = threading.Thread(target=listen, name="gamekb-listen", daemon=True)
    listener.start()

    doom = models.packs["doom"]
    reads, states, times, descs, thumbs, motion_frames = [], [], [], [], [], []
    clip_frames: list[tuple[float, np.ndarray]] = []  # small copies for the full profile's clip encoder
    entity_hits: list[tuple[float, list]] = []
    duration = info.duration_s or 1.0
    cache = ocr.RegionCache()  # a HUD line that did not change is not read again
    screen_every = max(1, round(cfg.fps * cfg.screen_every_s)) if cfg.screen_every_s > 0 else 0
    for i, frame in enumerate(decode.sample_frames(path, cfg.fps, rotation=info.rotation)):
        screen = bool(screen_every) and i % screen_every == screen_every // 2
        reads.extend(ocr.read_frame(frame, models.ocr, doom, cache, screen=screen))
        state = hud.read_state(frame, doom, models.ocr)
        if state is not None and state.values:
            states.append(state)
        times.append(frame.t)
        descs.append(models.visual.encode_images([frame.image])[0])
        thumbs.append(_thumbnail(frame))
        motion_frames.append((frame.t, _tiny(frame.image)))
        if models.temporal is not None and models.temporal.name != "motion":
            clip_frames.append((frame.t, _square(frame.image, 224)))
        if models.entities is not None:
            entity_hits.append((frame.t, models.entities.detect([frame.image], doom.entity_prompts)[0]))
        progress("watch", min(0.8, 0.8 * frame.t / duration))
    if not times:
        raise BadInput("no decodable frames")
    duration = max(info.duration_s, times[-1] + 1.0 / cfg.fps) if info.duration_s else times[-1] + 1.0 / cfg.fps

    progress("listen", 0.82)
    listener.join()
    if "error" in speech_box:
        raise speech_box["error"]
    phrases = speech_box.get("phrases", [])

    descs_arr = np.stack(descs)
    from ingest.visual import scene_cuts

    cuts = scene_cuts(times, descs_arr)
    spans = segmenting.windows(duration, cuts, cfg.segment_s, cfg.min_segment_s)
    texts = ocr.merge(reads, doom)
    extra: list[EventRecord] = []
    entities: list[Entity] = []
    if entity_hits:
        from ingest.entities import events as entity_events
        from ingest.entities import track

        tracks = track([h for _, h in entity_hits], [t for t, _ in entity_hits])
        extra = entity_events(tracks, end_t=times[-1])
        entities = [Entity(track=tr.track_id, concept=tr.concept, first_seen=tr.first_seen, last_seen=tr.last_seen,
                           boxes=[[t, *map(float, box), float(score)] for t, box, score in tr.boxes]) for tr in tracks]
    events = timeline.build(texts, phrases, states, cuts, extra, aliases_for=doom.aliases_for)
    game = "doom" if any(t.kind for t in texts) or states else None

    progress("embed", 0.88)
    rows = _rows(spans, events, times, descs_arr, thumbs, motion_frames, clip_frames,
                 speech_box.get("audio"), models)
    return Analysis(spans=spans, events=events, states=states, rows=rows, entities=entities, game=game)


def _rows(spans, events, times, descs, thumbs, motion_frames, clip_frames, audio, models: Models) -> list[dict]:
    times_arr = np.asarray(times)
    rows, texts = [], []
    for idx, (a, b) in enumerate(spans):
        mine = [e for e in events if a <= e.t_start < b and e.kind != "scene"]
        moments = [[round(e.t_start, 2), round(e.t_end, 2), e.source, e.kind, e.label, timeline.searchable(e)]
                   for e in mine]
        text = " . ".join(m[5] for m in moments)
        in_seg = np.nonzero((times_arr >= a) & (times_arr < b))[0]
        if in_seg.size == 0:
            in_seg = np.array([int(np.argmin(np.abs(times_arr - a)))])
        key = int(in_seg[len(in_seg) // 2])
        visual = descs[in_seg].mean(axis=0)
        visual = visual / (np.linalg.norm(visual) or 1.0)
        seg_frames = [f for t, f in motion_frames if a <= t < b] or [motion_frames[key][1]]
        row = {"idx": idx, "start_s": a, "end_s": b, "keyframe_s": float(times_arr[key]), "text": text,
               "moments": _json(moments), "keyframe": thumbs[key], "visual_vec": visual.astype(np.float32)}
        if models.temporal.name == "motion":
            row["temporal_vec"] = models.temporal.encode_clip(seg_frames)
        else:
            clip = [f for t, f in clip_frames if a <= t < b] or [clip_frames[key][1]]
            row["temporal_vec"] = models.temporal.encode_clip(clip)
        if models.audio is not None:
            piece = audio[int(a * 16000):int(b * 16000)] if audio is not None and audio.size else np.zeros(16000, np.float32)
            row["audio_vec"] = models.audio.encode_audio(piece if piece.size else np.zeros(16000, np.float32), 16000)
        rows.append(row)
        texts.append(text or "nothing on screen or said")
    vecs = models.text.encode(texts)
    for row, vec in zip(rows, vecs):
        row["text_vec"] = vec
    if models.projector is not None:
        for row in rows:
            for modality, column in (("visual", "visual_vec"), ("temporal", "temporal_vec"), ("audio", "audio_vec")):
                if modality in models.projector.modalities and column in row:
                    row[f"proj_{modality}"] = models.projector.project(modality, row[column])
    return rows


def _records(analysis: Analysis, models: Models) -> VideoRecords:
    spans = analysis.spans
    segments = [Segment(idx=i, start_s=a, end_s=b, keyframe_s=analysis.rows[i]["keyframe_s"])
                for i, (a, b) in enumerate(spans)]
    events = [Event(segment_idx=segmenting.index_of(e.t_start, spans), t_start=round(e.t_start, 3),
                    t_end=round(e.t_end, 3), kind=e.kind, label=e.label, value=e.value,
                    confidence=round(float(e.confidence), 4), source=e.source,
                    payload={**e.payload, **({"aliases": list(e.aliases)} if e.aliases else {})})
              for e in analysis.events]
    states = [StateSample(t=round(s.t, 3), name=k, value=float(v)) for s in analysis.states for k, v in s.values.items()]
    return VideoRecords(segments=segments, events=events, entities=analysis.entities, states=states,
                        rows=analysis.rows, manifest=models.manifest(), game=analysis.game)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _thumbnail(frame: Frame) -> bytes:
    from PIL import Image

    img = Image.fromarray(frame.image)
    if img.width > THUMB_WIDTH:
        img = img.resize((THUMB_WIDTH, max(1, int(img.height * THUMB_WIDTH / img.width))))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=75)
    return buf.getvalue()


def _tiny(image: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.resize(image, (64, 48), interpolation=cv2.INTER_AREA)


def _square(image: np.ndarray, side: int) -> np.ndarray:
    import cv2

    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)


def run(kb: KnowledgeBase, sources: list[Source], config: IngestConfig, force: bool = False,
        on_start: Callable[[Source], Progress] | None = None,
        on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Ingest every source; models load once. Returns one Outcome per source, in order."""
    models = Models.load(config)
    run_id = kb.start_run(config.profile, len(sources))
    outcomes = []
    try:
        for source in sources:
            progress = on_start(source) if on_start else None
            outcome = ingest_source(kb, source, models, force=force, progress=progress)
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    finally:
        counts = {s: sum(o.status == s for o in outcomes) for s in ("ingested", "skipped", "failed")}
        kb.finish_run(run_id, counts["ingested"], counts["skipped"], counts["failed"],
                      {"failed": {o.source: o.message for o in outcomes if o.status == "failed"}})
    return outcomes


__all__ = ["Models", "Outcome", "run", "ingest_source", "analyse", "GamekbError"]
