"""Audio out of a video file: mono float32 samples at a fixed rate, whole or in chunks.

Decoding goes through PyAV (the FFmpeg libraries it bundles), so every container and codec FFmpeg
reads works here. Three cases that real libraries contain are handled on purpose:

- a video without an audio stream gives an empty array (and `iter_audio` yields nothing), because
  silent screen recordings are normal input, not an error;
- a file whose tail is damaged (a recording cut off mid-write) gives the audio decoded up to the
  damage, with a warning logged;
- a file FFmpeg cannot open at all (not a media file, or an MP4 cut before its index) raises
  `BadInput`.

Time 0 is the first decoded sample of the audio stream; a stream that starts late (its first
packet stamped after 0) is padded with silence so that sample index / rate is the video time.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import numpy as np

from kb.errors import BadInput

log = logging.getLogger(__name__)

# Leading silence added for a late-starting stream is capped: a bogus start_time (seen in broken
# transport streams) must not make us allocate hours of zeros.
_MAX_LEAD_PAD_S = 10.0


def _open(path: str | Path):
    import av

    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: not a readable video or audio file ({exc}); "
                       "if it is a recording that was cut off, re-export or remux it") from exc


def has_audio(path: str | Path) -> bool:
    """True when the file has at least one audio stream. Raises BadInput when it cannot be opened."""
    with _open(path) as container:
        return len(container.streams.audio) > 0


def iter_audio(path: str | Path, chunk_s: float = 30.0, sample_rate: int = 16000) -> Iterator[tuple[float, np.ndarray]]:
    """Yield `(offset_s, samples)` chunks of the first audio stream, mono float32 at `sample_rate`.

    Every chunk but the last holds exactly `round(chunk_s * sample_rate)` samples, so only one chunk
    is in memory at a time however long the video is. Yields nothing for a file without audio.
    Decoding stops with a logged warning at the first damaged packet; what came before is yielded.
    """
    import av

    if chunk_s <= 0:
        raise ValueError("chunk_s must be positive")
    chunk_len = max(1, int(round(chunk_s * sample_rate)))
    container = _open(path)
    try:
        if not container.streams.audio:
            return
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        # Keep the source channels and average them ourselves: FFmpeg's own mono downmix scales
        # stereo by 1/sqrt(2) per channel, which lifts identical channels above full scale.
        resampler = av.AudioResampler(format="fltp", rate=sample_rate)
        pending: list[np.ndarray] = []
        n_pending = 0
        emitted = 0
        first = True
        damaged = False

        def take(frames) -> None:
            nonlocal n_pending
            for out in frames:
                planes = out.to_ndarray()
                samples = (planes[0] if planes.shape[0] == 1 else planes.mean(axis=0)).astype(np.float32, copy=False)
                if samples.size:
                    pending.append(samples)
                    n_pending += samples.size

        def ready(final: bool) -> Iterator[tuple[float, np.ndarray]]:
            nonlocal pending, n_pending, emitted
            if n_pending < chunk_len and not (final and n_pending):
                return
            buf = np.concatenate(pending) if len(pending) > 1 else pending[0]
            pos = 0
            while buf.size - pos >= chunk_len:
                yield emitted / sample_rate, buf[pos:pos + chunk_len].copy()
                emitted += chunk_len
                pos += chunk_len
            rest = buf[pos:]
            if final and rest.size:
                yield emitted / sample_rate, rest.copy()
                emitted += rest.size
                rest = rest[:0]
            pending = [rest] if rest.size else []
            n_pending = rest.size

        try:
            for frame in container.decode(stream):
                if first:
                    first = False
                    start = float(frame.time) if frame.time is not None else 0.0
                    if 0 < start <= _MAX_LEAD_PAD_S:
                        pad = np.zeros(int(round(start * sample_rate)), np.float32)
                        pending.append(pad)
                        n_pending += pad.size
                take(resampler.resample(frame))
                yield from ready(final=False)
        except (av.error.FFmpegError, EOFError) as exc:
            damaged = True
            log.warning("%s: audio decoding stopped at %.1f s (%s); keeping what decoded",
                        path, (emitted + n_pending) / sample_rate, exc)
        try:
            take(resampler.resample(None))  # flush the resampler's delay line
        except av.error.FFmpegError as exc:
            log.warning("%s: could not flush the audio resampler (%s)", path, exc)
        yield from ready(final=True)
        declared = _declared_duration(stream, container)
        got = emitted / sample_rate
        if not damaged and declared is not None and got < declared - 0.5:
            log.warning("%s: audio decoding stopped at %.1f s of %.1f s declared; the file looks truncated",
                        path, got, declared)
    finally:
        container.close()


def _declared_duration(stream, container) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1e6
    return None


def load_audio(path: str | Path, sample_rate: int = 16000) -> np.ndarray:
    """The whole first audio stream as mono float32 at `sample_rate`; empty for a file without audio.

    Holds the whole track in memory (about 230 MB per hour at 16 kHz); use `iter_audio` for long
    videos.
    """
    chunks = [samples for _, samples in iter_audio(path, chunk_s=60.0, sample_rate=sample_rate)]
    if not chunks:
        return np.zeros(0, np.float32)
    return np.concatenate(chunks)
