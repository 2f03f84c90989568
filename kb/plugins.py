"""Plug-ins found through Python entry points, read without importing any of them.

gamekb's own backends, game packs and stages are declared in its `pyproject.toml` exactly as a
third-party distribution declares its own (groups `gamekb.backends`, `gamekb.games`,
`gamekb.stages`), so storage never names a module of ingest or reasoning: it loads what the
installed metadata lists. In a source checkout gamekb's own entries are read from the checkout's
`pyproject.toml` instead, so an edited one (no `pip install -e .` since) or a second worktree run
with PYTHONPATH finds the backends its code declares.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

OWN_DISTRIBUTION = "gamekb"
_PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


@dataclass(frozen=True)
class Entry:
    name: str
    value: str  # "module" or "module:attribute"
    distribution: str  # "gamekb" for gamekb's own
    version: str | None = None

    @property
    def own(self) -> bool:
        """Declared by gamekb itself (its built-ins), not by a plug-in's distribution."""
        return self.distribution.lower().replace("_", "-") == OWN_DISTRIBUTION

    def load(self):
        from importlib.metadata import EntryPoint

        return EntryPoint(self.name, self.value, "").load()


@functools.cache
def _all_installed():
    from importlib.metadata import entry_points

    return entry_points()


def installed(group: str) -> list:
    """The installed entry points of `group` (importlib.metadata EntryPoint objects). All groups are
    read once per process: reading them opens every installed distribution's metadata (~30 ms with
    190 of them), and one `gamekb ask` asks for three groups."""
    return list(_all_installed().select(group=group))


def entries(group: str) -> list[Entry]:
    """Every entry of `group`: gamekb's own first, then the others by distribution and name."""
    try:
        eps = installed(group)
    except Exception as exc:  # one unreadable installed distribution must not stop gamekb
        log.warning("could not read the installed plug-ins (entry points %s): %s", group, exc)
        eps = []
    out = []
    for ep in eps:
        dist = getattr(ep, "dist", None)
        name = (dist.metadata["Name"] if dist is not None else None) or "unknown distribution"
        out.append(Entry(ep.name, ep.value, name, dist.version if dist is not None else None))
    # A source checkout's pyproject.toml describes the code that is running; the installed metadata
    # may be another checkout's (a git worktree run with PYTHONPATH) or stale, so it wins when present.
    own = _own(group)
    if own or not any(e.own for e in out):
        out = [e for e in out if not e.own]
        out += [Entry(k, v, OWN_DISTRIBUTION) for k, v in own.items()]
    return sorted(out, key=lambda e: (not e.own, e.distribution.lower(), e.name))


def _own(group: str) -> dict[str, str]:
    """gamekb's own entries of `group` from the source checkout's pyproject.toml (none when installed
    from a wheel: then the installed metadata has them)."""
    try:
        project = tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return {}
    return dict(project.get("entry-points", {}).get(group, {}))
