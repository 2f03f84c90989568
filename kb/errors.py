"""Domain errors. The CLI turns each into one clean line; none of them should print a traceback."""

from __future__ import annotations


class GamekbError(Exception):
    """A problem the user can fix; the message says how."""


class MissingDependency(GamekbError):
    """An optional package or a model file is not installed."""


class ModelMismatch(GamekbError):
    """The knowledge base was built with other models than the ones configured now."""


class BadInput(GamekbError):
    """An input file or URL cannot be ingested."""


def require_package(module: str, extra: str | None = None, pip_name: str | None = None):
    """Import `module` or raise MissingDependency saying what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        hint = f"pip install 'gamekb[{extra}]'" if extra else f"pip install {pip_name or module}"
        raise MissingDependency(f"{module} is not installed; install it with: {hint}") from exc
