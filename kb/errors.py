"""Domain errors. The CLI turns each into one clean line; none of them should print a traceback."""

from __future__ import annotations

import errno
from pathlib import Path


class GamekbError(Exception):
    """A problem the user can fix; the message says how."""


class MissingDependency(GamekbError):
    """An optional package or a model file is not installed."""


class ModelMismatch(GamekbError):
    """The knowledge base was built with other models than the ones configured now."""


class BadInput(GamekbError):
    """An input file or URL cannot be ingested."""


class DiskFull(GamekbError):
    """A write found no space (issue 14): the run stops at once, with one line, and nothing written
    so far is lost; freeing space and running the command again carries on where it stopped."""

    def __init__(self, message: str, where: str = "", outcomes: list | None = None, left: int = 0):
        super().__init__(message)
        self.where = where  # the folder (or server) that is full
        self.outcomes = outcomes or []  # what a stopped ingest run did before it stopped
        self.left = left  # inputs it did not get to


# How a full disk reads once it has passed through Lance (Rust), SQLite or PostgreSQL: the errno is
# lost on the way and only the words of strerror(ENOSPC) / SQLITE_FULL / EDQUOT are left.
DISK_FULL_TEXT = ("No space left on device", "database or disk is full", "Disk quota exceeded")


# Below this many free bytes a generic I/O error counts as a full disk: SQLite in WAL mode cannot
# even open its database on a full disk (it must grow the -shm file) and says only "disk I/O error".
FULL_BELOW = 1 << 20


def is_disk_full(exc: BaseException | None, where: str | Path | None = None) -> bool:
    """Whether `exc`, or an exception it was raised from, means the disk is full: OSError ENOSPC or
    EDQUOT, PostgreSQL's disk_full (SQLSTATE 53100), a library error that says so, or, when
    `where` (the KB home) is given and its filesystem has (almost) no free space left, an I/O error."""
    seen: set[int] = set()
    io_error = False
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull):
            return True
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(exc, "sqlstate", None) == "53100" or getattr(getattr(exc, "orig", None), "sqlstate", None) == "53100":
            return True
        text = str(exc)
        if any(t in text for t in DISK_FULL_TEXT):
            return True
        io_error = io_error or isinstance(exc, OSError) or "I/O error" in text or "LanceError(IO)" in text
        exc = exc.__cause__ or exc.__context__
    return io_error and where is not None and free_bytes(where) < FULL_BELOW


def free_bytes(where: str | Path) -> int:
    """Bytes an unprivileged writer may still use on the filesystem that holds `where` (or the
    nearest folder above it that exists); a large number when that cannot be told."""
    import shutil

    path = Path(where)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return 1 << 62


def full_path(exc: BaseException | None) -> str | None:
    """The file name an OSError in the chain names, if any (where the full disk is)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.filename:
            return str(exc.filename)
        exc = exc.__cause__ or exc.__context__
    return None


def require_package(module: str, extra: str | None = None, pip_name: str | None = None):
    """Import `module` or raise MissingDependency saying what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        hint = f"pip install 'gamekb[{extra}]'" if extra else f"pip install {pip_name or module}"
        raise MissingDependency(f"{module} is not installed; install it with: {hint}") from exc
