"""Backends chosen by name.

Each stage (ocr, speech, visual, temporal, audio, entities, reasoner, ...) has a registry. A module
that defines backends registers them with the `register` decorator when it is imported, and is
named in the entry-point group `gamekb.backends` (gamekb's own modules in its pyproject.toml, a
third-party distribution's in its own) under a name that starts with the stages it holds
("visual+temporal.mine" = "gamekb_mine.encoders"): a lookup of a stage imports the modules listed
for it (a name without a known stage: every lookup), so storage names no module of ingest or
reasoning and `gamekb search` imports no OCR or speech module. Such modules must not import heavy packages
(torch, transformers, onnxruntime) at module level.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any, Callable

from kb.errors import GamekbError


@dataclass(frozen=True)
class Backend:
    stage: str
    name: str
    factory: Callable[..., Any]
    profile: str  # "lite" or "full"
    requires: tuple[str, ...]  # importable modules it needs
    install: str  # what to run when they are missing
    description: str
    # check(options, creating): why it cannot run here with these options beyond missing packages
    # (weights not on this machine, no GPU), or None; called only when the packages are there. Must be
    # cheap and load nothing. `creating` is true when create() asks: a fact that may change before use
    # (a server not started yet, weights the hub can still send) is reported by `gamekb models` only.
    check: Callable[[dict[str, Any], bool], str | None] | None = None

    def why_not(self, options: dict[str, Any] | None = None, *, creating: bool = False) -> str | None:
        """Why this backend cannot run on this machine with `options`, with the remedy; None when it can."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            return f"needs {', '.join(missing)}; install it with: {self.install}"
        return self.check(dict(options or {}), creating) if self.check else None

    def available(self, options: dict[str, Any] | None = None) -> bool:
        return self.why_not(options) is None


_REGISTRY: dict[str, dict[str, Backend]] = {}

ENTRY_POINT_GROUP = "gamekb.backends"
_loaded: set[str] = set()  # stages whose modules were imported ("*": all of them)


def register(stage: str, name: str, *, profile: str = "lite", requires: tuple[str, ...] = (),
             install: str = "", description: str = "",
             check: Callable[[dict[str, Any], bool], str | None] | None = None):
    """Class or function decorator: make `factory(**options)` the backend `name` of `stage`.

    `check(options, creating)` says why it cannot run here beyond missing packages (weights absent, no GPU)."""

    def deco(factory):
        _REGISTRY.setdefault(stage, {})[name] = Backend(stage, name, factory, profile, tuple(requires),
                                                        install, description or (factory.__doc__ or "").strip().split("\n")[0],
                                                        check)
        return factory

    return deco


def _stages_of(entry_name: str) -> set[str]:
    return set(entry_name.split(".", 1)[0].split("+"))


def _load_builtins(stage: str | None = None) -> None:
    """Import the modules that register backends of `stage` (None: of every stage), once each."""
    key = stage or "*"
    if key in _loaded or "*" in _loaded:
        return
    _loaded.add(key)
    from kb.plugins import entries

    for entry in entries(ENTRY_POINT_GROUP):
        if stage is not None and stage not in _stages_of(entry.name) and entry.own:
            continue
        if entry.own:
            importlib.import_module(entry.value)  # a broken built-in is a bug: let it raise
            continue
        try:
            importlib.import_module(entry.value.split(":")[0])
        except Exception as exc:  # a broken plug-in must not stop gamekb
            import logging

            logging.getLogger(__name__).warning("backends of %s (%s) skipped: they do not load: %s",
                                                entry.distribution, entry.value, exc)


def backends(stage: str | None = None) -> list[Backend]:
    _load_builtins(stage)
    stages = [stage] if stage else sorted(_REGISTRY)
    return [b for s in stages for b in _REGISTRY.get(s, {}).values()]


def get(stage: str, name: str) -> Backend:
    _load_builtins(stage)
    options = _REGISTRY.get(stage, {})
    if name not in options:
        valid = ", ".join(sorted(options)) or "none registered"
        raise GamekbError(f"unknown {stage} backend {name!r}; choose one of: {valid}")
    return options[name]


def create(stage: str, name: str, **options: Any) -> Any:
    """Build the backend, raising MissingDependency (with the install hint) when it cannot run here."""
    from kb.errors import MissingDependency

    backend = get(stage, name)
    if (why := backend.why_not(options, creating=True)) is not None:
        raise MissingDependency(f"{stage} backend {name!r} cannot run here: {why}")
    return backend.factory(**options)
