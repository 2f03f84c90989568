"""Turn what the user typed (files, folders, globs, URLs) into a list of inputs."""

from __future__ import annotations

import errno
import glob
import os
from dataclasses import dataclass
from pathlib import Path

from kb.errors import BadInput, require_package
from kb.names import text

VIDEO_EXTS = {".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".flv", ".ts", ".mpg", ".mpeg", ".wmv", ".3gp"}


@dataclass(frozen=True)
class Source:
    label: str  # what to call it in messages
    path: Path | None = None  # a local file
    url: str | None = None  # a URL still to download


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def expand(items: list[str]) -> tuple[list[Source], list[tuple[str, str]]]:
    """-> (sources, problems). Folders are walked recursively for video extensions, following
    symlinked folders (each real folder once, so a link back up the tree is harmless); a link to a
    video that is broken or loops is a problem, one line each. An explicitly named file is taken
    whatever its extension (probe decides whether it is a video). BadInput for an empty item: it is
    an unset shell variable, never "this folder"."""
    sources: list[Source] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            sources.append(Source(label=text(str(p)), path=p.absolute()))  # stored paths must work from any folder

    def add_link(p: Path, label: str) -> None:
        """A symbolic link: its target, or a problem when it has none."""
        why = _broken_link(p)
        if why:
            problems.append((label, why))
        else:
            add(p)

    for item in items:
        if not item.strip():
            raise BadInput("an empty name was given to ingest (an unset shell variable?); name files, folders, "
                           "globs or URLs; for this folder write .")
        if is_url(item):
            sources.append(Source(label=item, url=item))
            continue
        p = Path(item).expanduser()
        if p.is_dir():
            found, broken = _walk(p)
            problems += [(text(str(f)), why) for f, why in broken]
            if not found and not broken:
                problems.append((text(item), "folder holds no video files (" + ", ".join(sorted(VIDEO_EXTS)[:5]) + ", ...)"))
            for f in found:
                add(f)
        elif p.is_symlink():
            add_link(p, text(item))
        elif p.exists():
            add(p)
        elif any(ch in item for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(str(p), recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                problems.append((text(item), "pattern matches no files"))
            for f in files:
                add(f)
        else:
            problems.append((text(item), "file not found"))
    return sources, problems


def _broken_link(p: Path) -> str | None:
    """Why the symbolic link p leads to no file, or None when it does."""
    try:
        p.resolve(strict=True)
    except (RuntimeError, OSError) as exc:  # RuntimeError: Python < 3.13 reports a loop that way
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            return "symbolic link loop: it leads back to itself"
        return f"broken symbolic link: its target {text(os.readlink(p))} does not exist"
    return None


def _walk(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Video files under folder, and (link, why) for each broken or looping link named like a video."""
    found: list[Path] = []
    broken: list[tuple[Path, str]] = []
    walked: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        st = os.stat(root)
        if (st.st_dev, st.st_ino) in walked:  # reached again through a link: already walked
            dirs[:] = []
            continue
        walked.add((st.st_dev, st.st_ino))
        dirs.sort()
        for name in sorted(files):
            f = Path(root) / name
            if f.suffix.lower() not in VIDEO_EXTS:
                continue
            why = _broken_link(f) if f.is_symlink() else None
            if why:
                broken.append((f, why))
            elif f.is_file():
                found.append(f)
    return sorted(found), broken


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
