"""Turn what the user typed (files, folders, globs, URLs) into a list of inputs."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from kb.errors import BadInput, require_package

VIDEO_EXTS = {".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".flv", ".ts", ".mpg", ".mpeg", ".wmv", ".3gp"}


@dataclass(frozen=True)
class Source:
    label: str  # what to call it in messages
    path: Path | None = None  # a local file
    url: str | None = None  # a URL still to download


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def expand(items: list[str]) -> tuple[list[Source], list[tuple[str, str]]]:
    """-> (sources, problems). Folders are walked recursively for video extensions; an explicitly named
    file is taken whatever its extension (probe decides whether it is a video)."""
    sources: list[Source] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            sources.append(Source(label=str(p), path=p.absolute()))  # stored paths must work from any folder

    for item in items:
        if is_url(item):
            sources.append(Source(label=item, url=item))
            continue
        p = Path(item).expanduser()
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in VIDEO_EXTS)
            if not found:
                problems.append((item, "folder holds no video files (" + ", ".join(sorted(VIDEO_EXTS)[:5]) + ", ...)"))
            for f in found:
                add(f)
        elif p.exists() or p.is_symlink():
            add(p)
        elif any(ch in item for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(p), recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                problems.append((item, "pattern matches no files"))
            for f in files:
                add(f)
        else:
            problems.append((item, "file not found"))
    return sources, problems


# What yt-dlp's errors say when there is no network (DNS fails first on an offline machine).
_OFFLINE_HINTS = ("resolve", "name resolution", "temporary failure", "getaddrinfo", "nodename nor servname",
                  "network", "connection", "timed out", "unreachable", "no route to host")


def download(url: str, dest: Path) -> Path:
    """Fetch a URL with yt-dlp into dest; a clear BadInput when offline or unsupported."""
    yt_dlp = require_package("yt_dlp", extra="url")
    dest.mkdir(parents=True, exist_ok=True)
    opts = {"outtmpl": str(dest / "%(title).80s [%(id)s].%(ext)s"), "quiet": True, "no_warnings": True,
            "format": "bv*[height<=720]+ba/b[height<=720]/b", "noprogress": True, "socket_timeout": 20,
            "retries": 1}
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(url, download=True)
            return Path(ydl.prepare_filename(info))
    except Exception as exc:  # yt-dlp raises its own DownloadError for every network/site problem
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if any(k in msg.lower() for k in _OFFLINE_HINTS):
            raise BadInput("cannot download: no network connection (download it elsewhere and ingest the file)") from exc
        raise BadInput(f"cannot download: {msg}") from exc
