"""Probe a file: is it a video we can ingest, and what are its duration, size and streams."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.errors import BadInput
from kb.integrity import sha256_file  # noqa: F401  (re-exported: a video is identified by its content)


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    fps: float
    width: int
    height: int
    has_audio: bool
    rotation: int  # display matrix angle, degrees counter-clockwise the player turns the picture (phone recordings)
    size_bytes: int

    def as_row(self) -> dict:
        return {"duration_s": self.duration_s, "fps": self.fps, "width": self.width, "height": self.height,
                "has_audio": self.has_audio, "size_bytes": self.size_bytes}


def _looks_like_mp4(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head[4:8] == b"ftyp"


def _still_image(demuxer: str, stream) -> bool:
    """FFmpeg opens a picture as a one-frame video: its image demuxers are image2 and *_pipe
    (jpeg_pipe, png_pipe, webp_pipe ...); a GIF is a still when it holds one frame."""
    return demuxer == "image2" or demuxer.endswith("_pipe") or (demuxer == "gif" and stream.frames <= 1)


def probe(path: Path) -> VideoInfo:
    """Raise BadInput, naming the cause, for anything that is not a decodable video."""
    import av

    if not path.exists():
        raise BadInput("file not found")
    if path.is_dir():
        raise BadInput("is a folder, not a video file")
    if not os.access(path, os.R_OK):
        raise BadInput("not readable (check its permissions)")
    size = path.stat().st_size
    if size == 0:
        raise BadInput("empty file (0 bytes)")
    try:
        container = av.open(str(path))
    except av.error.InvalidDataError as exc:
        if _looks_like_mp4(path):
            raise BadInput("MP4 file without its index (moov): a recording cut off before it was finished; "
                           "repair it (e.g. with untrunc) or record it again") from exc
        raise BadInput("not a video file, or its header is damaged") from exc
    except av.error.FFmpegError as exc:
        raise BadInput(f"cannot be opened ({exc.strerror or exc})") from exc
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot be opened ({exc})") from exc
    with container:
        if not container.streams.video:
            raise BadInput("audio only: no video stream to index")
        stream = container.streams.video[0]
        if _still_image(container.format.name, stream):
            raise BadInput(f"a still image ({stream.codec_context.name}), not a video")
        if stream.codec_context.width == 0:
            raise BadInput("video stream has no picture size: file is damaged")
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        rate = stream.average_rate or stream.guessed_rate or 0
        rotation = 0
        try:
            rotation = int(round(getattr(stream, "side_data", {}).get("DISPLAYMATRIX", 0) or 0))
        except (TypeError, ValueError, AttributeError):
            rotation = 0
        # Ask the decoder for one frame: a truncated MP4 (index at the end) opens but yields nothing.
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError as exc:
            raise BadInput(f"no decodable frame ({exc.strerror or exc}); the file may be truncated") from exc
        if first is None:
            raise BadInput("no decodable frame; the file may be truncated")
        if not rotation:
            try:  # PyAV >= 14 reads the display matrix off each frame (counter-clockwise degrees)
                rotation = int(round(getattr(first, "rotation", 0) or 0))
            except (TypeError, ValueError):
                rotation = 0
        return VideoInfo(duration_s=max(duration, 0.0), fps=float(rate), width=stream.codec_context.width,
                         height=stream.codec_context.height, has_audio=bool(container.streams.audio),
                         rotation=rotation, size_bytes=size)
