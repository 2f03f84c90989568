"""Generate tiny test videos whose content is known exactly.

Tests plant facts ("SCORE 1200" on screen from 1.0 to 3.0 s, "grab the shotgun" spoken at 1.5 s)
and check that ingest finds them. Everything is synthesised on the fly, so the repository carries no
binary fixtures beyond the one real gameplay clip:

- frames: a background that drifts and changes colour every frame plus a moving box (so scene-cut,
  motion and visual-descriptor code see real change), with each planted text drawn large in the
  centre while it is active;
- speech: `espeak-ng -w` (Debian package `espeak-ng`), trimmed of its own leading/trailing silence
  so the planted time is the true onset, mixed over optional white noise;
- muxing: PyAV, H.264 (libx264, yuv420p) + AAC in MP4. The MP4 index (`moov`) is written at the end,
  as most recorders do, so `make_truncated` produces a file whose index is really gone.

Keep clips a few seconds long at small sizes; the whole test suite generates many of them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

AUDIO_RATE = 22050  # espeak-ng's native rate; AAC handles it and no resampling blurs the onsets
HAVE_ESPEAK = shutil.which("espeak-ng") is not None
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/Library/Fonts/Arial Bold.ttf",
)


@dataclass(frozen=True)
class PlantedSpeech:
    """A spoken line as it really lies in the clip after silence trimming."""

    t_start: float  # onset, seconds (the time asked for)
    t_end: float  # offset, seconds
    text: str


@dataclass
class Clip:
    """What `make_clip` wrote: the file and the facts planted in it."""

    path: Path
    duration_s: float
    size: tuple[int, int]
    fps: int
    has_audio: bool
    texts: list[tuple[float, float, str]] = field(default_factory=list)
    speech: list[PlantedSpeech] = field(default_factory=list)


# ---- speech ---------------------------------------------------------------------------------------

def synth_speech(text: str, *, voice: str = "en-us", words_per_minute: int = 150,
                 sample_rate: int = AUDIO_RATE) -> np.ndarray:
    """Speak `text` with espeak-ng; mono float32 at `sample_rate`, silence trimmed at -40 dBFS."""
    if not HAVE_ESPEAK:
        raise RuntimeError("espeak-ng is not installed; install it with: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
                       check=True, capture_output=True)
        samples, rate = read_wav(wav)
    if rate != sample_rate:
        n = int(round(samples.size * sample_rate / rate))
        samples = np.interp(np.arange(n) * rate / sample_rate, np.arange(samples.size), samples).astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > 10 ** (-40 / 20))
    return samples[loud[0]:loud[-1] + 1] if loud.size else samples[:0]


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV -> (mono float32 in [-1, 1], sample rate)."""
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * width}-bit")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, channels).mean(axis=1), rate


def make_soundtrack(duration_s: float, speech: Sequence[tuple[float, str]] = (), *, noise_db: float | None = None,
                    sample_rate: int = AUDIO_RATE, seed: int = 0) -> tuple[np.ndarray, list[PlantedSpeech]]:
    """Mono float32 track of `duration_s`: each `(t, text)` spoken from t, over white noise at
    `noise_db` dBFS RMS (None: digital silence). Speech that would run past the end is cut."""
    n = int(round(duration_s * sample_rate))
    track = np.zeros(n, np.float32)
    if noise_db is not None:
        track += np.random.default_rng(seed).normal(0.0, 10 ** (noise_db / 20), n).astype(np.float32)
    planted = []
    for t, text in speech:
        voice = synth_speech(text, sample_rate=sample_rate)
        i = int(round(t * sample_rate))
        voice = voice[:max(0, n - i)]
        track[i:i + voice.size] += voice
        planted.append(PlantedSpeech(t, round(t + voice.size / sample_rate, 3), text))
    np.clip(track, -1.0, 1.0, out=track)
    return track, planted


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = AUDIO_RATE) -> Path:
    """Mono float32 samples -> 16-bit PCM WAV."""
    path = Path(path)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return path


# ---- frames ---------------------------------------------------------------------------------------

def _font(px: int):
    from PIL import ImageFont

    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, px)
    try:
        return ImageFont.load_default(size=px)  # Pillow >= 10.1 scales its bundled font
    except TypeError:
        return ImageFont.load_default()


def render_frame(t: float, size: tuple[int, int], texts: Sequence[tuple[float, float, str]] = ()) -> np.ndarray:
    """The frame at time `t`: drifting colour gradient, a moving box, and every text active at `t`
    (t0 <= t < t1) in white on a dark band, large and centred, one line per text."""
    from PIL import Image, ImageDraw

    w, h = size
    x = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    phase = 0.7 * t
    rgb = np.stack([
        0.35 + 0.25 * np.sin(2 * np.pi * (x + phase)) + 0 * y,
        0.35 + 0.25 * np.sin(2 * np.pi * (y + 0.5 * phase)) + 0 * x,
        0.35 + 0.25 * np.cos(2 * np.pi * (x * y + 0.3 * phase)),
    ], axis=-1)
    image = Image.fromarray((rgb * 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    bw = max(8, w // 8)
    bx = int((0.5 + 0.45 * np.sin(1.3 * t)) * (w - bw))
    by = int((0.5 + 0.4 * np.cos(0.9 * t)) * (h - bw))
    draw.rectangle([bx, by, bx + bw, by + bw], fill=(200, 60, 40))
    active = [text for t0, t1, text in texts if t0 <= t < t1]
    if active:
        font = _font(max(12, h // 8))
        line_h = int(h // 8 * 1.5)
        top = (h - line_h * len(active)) // 2
        for k, text in enumerate(active):
            box = draw.textbbox((0, 0), text, font=font)
            tw, th = box[2] - box[0], box[3] - box[1]
            ty = top + k * line_h
            draw.rectangle([0, ty, w, ty + line_h], fill=(10, 10, 10))
            draw.text(((w - tw) // 2 - box[0], ty + (line_h - th) // 2 - box[1]), text, font=font, fill=(255, 255, 255))
    return np.asarray(image)


# ---- containers -----------------------------------------------------------------------------------

def _mux(path: Path, duration_s: float, size: tuple[int, int], fps: int, texts, track: np.ndarray | None,
         sample_rate: int, faststart: bool) -> None:
    import av

    if size[0] % 2 or size[1] % 2:
        raise ValueError(f"size {size}: width and height must be even for yuv420p")
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": "23", "g": str(2 * fps)}
        aus = None
        if track is not None:
            aus = out.add_stream("aac", rate=sample_rate, layout="mono")
            aus.time_base = Fraction(1, sample_rate)
        for i in range(int(round(duration_s * fps))):
            frame = av.VideoFrame.from_ndarray(render_frame(i / fps, size, texts), format="rgb24")
            frame.pts = i
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
        if aus is not None:
            step = 1024
            for i in range(0, track.size, step):
                chunk = track[i:i + step]
                frame = av.AudioFrame.from_ndarray(chunk[None, :].astype(np.float32), format="fltp", layout="mono")
                frame.sample_rate, frame.pts = sample_rate, i
                out.mux(aus.encode(frame))
            out.mux(aus.encode(None))


def make_clip(path: str | Path, duration_s: float = 4.0, texts: Sequence[tuple[float, float, str]] = (),
              speech: Sequence[tuple[float, str]] = (), size: tuple[int, int] = (640, 360), fps: int = 10,
              audio: bool = True, noise_db: float | None = None, faststart: bool = False) -> Clip:
    """Write an H.264 + AAC MP4 with known on-screen text and speech; return what was planted.

    texts: `(t0, t1, text)`: `text` is drawn from t0 (inclusive) to t1 (exclusive), seconds.
    speech: `(t, text)`: `text` spoken by espeak-ng (en-us, 150 wpm) with its onset at t seconds.
    audio: False writes no audio stream at all (speech must then be empty).
    noise_db: white-noise floor under the speech, dBFS RMS (-30 is loud hiss, -20 drowns tiny.en).
    faststart: put the MP4 index first (then `make_truncated` keeps a decodable head).
    """
    path = Path(path)
    if speech and not audio:
        raise ValueError("speech needs audio=True")
    track, planted = (make_soundtrack(duration_s, speech, noise_db=noise_db) if audio else (None, []))
    _mux(path, duration_s, size, fps, list(texts), track, AUDIO_RATE, faststart)
    return Clip(path, duration_s, size, fps, audio, list(texts), planted)


def make_silent_video(path: str | Path, duration_s: float = 3.0, *, texts: Sequence[tuple[float, float, str]] = (),
                      size: tuple[int, int] = (320, 180), fps: int = 10, silent_track: bool = False) -> Clip:
    """A video with nothing to hear: no audio stream at all, or (silent_track=True) an all-zero AAC track."""
    return make_clip(path, duration_s, texts=texts, size=size, fps=fps, audio=silent_track)


def make_audio_only(path: str | Path, duration_s: float = 3.0, speech: Sequence[tuple[float, str]] = (),
                    noise_db: float | None = None) -> Clip:
    """An audio file without video: `.wav` (16-bit PCM) or `.m4a` (AAC), chosen by the suffix."""
    import av

    path = Path(path)
    track, planted = make_soundtrack(duration_s, speech, noise_db=noise_db)
    if path.suffix.lower() == ".wav":
        write_wav(path, track)
    elif path.suffix.lower() in (".m4a", ".mp4", ".aac"):
        with av.open(str(path), "w", format="ipod" if path.suffix.lower() == ".m4a" else None) as out:
            aus = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
            for i in range(0, track.size, 1024):
                frame = av.AudioFrame.from_ndarray(track[None, i:i + 1024], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = AUDIO_RATE, i
                out.mux(aus.encode(frame))
            out.mux(aus.encode(None))
    else:
        raise ValueError(f"{path.suffix}: use .wav or .m4a")
    return Clip(path, duration_s, (0, 0), 0, True, [], planted)


def make_truncated(src: str | Path, dst: str | Path | None = None, fraction: float = 0.5) -> Path:
    """Copy the first `fraction` of `src`'s bytes to `dst` (default: `<stem>.truncated<suffix>` beside it).

    For an MP4 from `make_clip` (index at the end) the result has no index and cannot be opened,
    like a recording cut off before it was finalised; with `faststart=True` the index survives and
    only the tail of the media data is lost.
    """
    src = Path(src)
    dst = Path(dst) if dst else src.with_name(f"{src.stem}.truncated{src.suffix}")
    data = src.read_bytes()
    dst.write_bytes(data[:int(len(data) * fraction)])
    return dst


def make_not_a_video(path: str | Path, content: bytes = b"this is not a video, just text with a .mp4 name\n") -> Path:
    """A file with a video suffix whose bytes are not media (default: a line of text)."""
    path = Path(path)
    path.write_bytes(content)
    return path


def probe(path: str | Path) -> dict:
    """Container facts for assertions: duration_s, has_video, has_audio, width, height, fps."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0] if c.streams.video else None
        return dict(duration_s=(c.duration or 0) / 1e6, has_video=v is not None, has_audio=bool(c.streams.audio),
                    width=v.width if v else 0, height=v.height if v else 0,
                    fps=float(v.average_rate) if v and v.average_rate else 0.0)
