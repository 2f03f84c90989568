"""Backends chosen by name.

Each stage (ocr, speech, visual, temporal, audio, entities, reasoner, ...) has a registry. Built-in
backends register exactly as a third-party one would, with the `register` decorator; modules that
define backends must not import heavy packages (torch, transformers, onnxruntime) at module level.
"""

from __future__ import annotations

import importlib
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

    def available(self) -> bool:
        import importlib.util

        return all(importlib.util.find_spec(m) is not None for m in self.requires)


_REGISTRY: dict[str, dict[str, Backend]] = {}

# Modules holding the built-in backends; imported on first lookup (they import nothing heavy).
BUILTIN_MODULES = [
    "kb.embeddings",
    "ingest.ocr_engines",
    "ingest.paddle_ocr",
    "ingest.speech",
    "ingest.visual",
    "ingest.full_encoders",
    "ingest.entities",
    "reasoning.extractive",
    "reasoning.qwen3vl",
    "reasoning.openai_api",
]
_loaded = False


def register(stage: str, name: str, *, profile: str = "lite", requires: tuple[str, ...] = (),
             install: str = "", description: str = ""):
    """Class or function decorator: make `factory(**options)` the backend `name` of `stage`."""

    def deco(factory):
        _REGISTRY.setdefault(stage, {})[name] = Backend(stage, name, factory, profile, tuple(requires),
                                                        install, description or (factory.__doc__ or "").strip().split("\n")[0])
        return factory

    return deco


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in BUILTIN_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            # A built-in module that is not written yet, or an optional one; never fatal here.
            if exc.name != mod:
                raise


def backends(stage: str | None = None) -> list[Backend]:
    _load_builtins()
    stages = [stage] if stage else sorted(_REGISTRY)
    return [b for s in stages for b in _REGISTRY.get(s, {}).values()]


def get(stage: str, name: str) -> Backend:
    _load_builtins()
    options = _REGISTRY.get(stage, {})
    if name not in options:
        valid = ", ".join(sorted(options)) or "none registered"
        raise GamekbError(f"unknown {stage} backend {name!r}; choose one of: {valid}")
    return options[name]


def create(stage: str, name: str, **options: Any) -> Any:
    """Build the backend, raising MissingDependency (with the install hint) when it cannot run here."""
    from kb.errors import MissingDependency

    backend = get(stage, name)
    if not backend.available():
        missing = [m for m in backend.requires if importlib.util.find_spec(m) is None]
        raise MissingDependency(f"{stage} backend {name!r} needs {', '.join(missing)}; install it with: {backend.install}")
    return backend.factory(**options)


import importlib.util  # noqa: E402  (used by create)
