"""Shared plumbing for the Hugging Face backends of the `full` profile.

Model resolution (hub id or local path, never a surprise download offline), device and dtype
selection, and the attention implementation. Used by the encoders in `ingest/` and by the Qwen3-VL
reasoner. It lives in kb/models/, below both: `reasoning/` must never import `ingest/`, and storage
never imports kb/models/.

Nothing here imports torch at module level; `gamekb --help` must stay fast.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kb.errors import GamekbError, MissingDependency, require_package

log = logging.getLogger(__name__)

FULL_INSTALL = "pip install 'gamekb[full]'"


def hf_offline() -> bool:
    """True when the user switched the hub off (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE)."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}:
            return True
    return False


def _hub_reachable(timeout_s: float = 2.0) -> bool:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlparse(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "huggingface.co", port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _looks_like_path(model: str) -> bool:
    # A hub id is "name" or "owner/name"; anything else is meant as a path on disk.
    return model.startswith(("/", ".", "~")) or model.count("/") > 1 or "\\" in model


def resolve_model(model: str, *, kind: str = "model", revision: str | None = None) -> str:
    """Return a local directory for `model` (a local path or a hub id), or the hub id to download.

    A local path must exist. A hub id already in the local cache resolves to its snapshot folder,
    so loading never touches the network. A hub id that is not cached downloads only when the hub is
    reachable and not switched off; otherwise this raises one MissingDependency that names the id and
    says how to provide it.
    """
    path = Path(model).expanduser()
    if path.exists():
        return str(path)
    if _looks_like_path(model):
        raise MissingDependency(f"{kind} path {model} does not exist; pass an existing directory or a Hugging Face id")

    require_package("huggingface_hub", extra="full")
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(model, revision=revision, local_files_only=True)
    except Exception:  # LocalEntryNotFoundError and friends: not in the cache
        pass
    if hf_offline() or not _hub_reachable():
        why = "HF_HUB_OFFLINE is set" if hf_offline() else "the Hugging Face hub cannot be reached"
        raise MissingDependency(
            f"{kind} {model!r} is not in the local Hugging Face cache and {why}; "
            f"pass a local directory holding it, or run `hf download {model}` "
            f"(`huggingface-cli download {model}` on older huggingface_hub) on a connected machine "
            f"and copy the cache (~/.cache/huggingface/hub) here"
        )
    log.info("downloading %s %s from the Hugging Face hub", kind, model)
    return model


def weights_here(model: str) -> bool:
    """True when `model` (a local path or a hub id) can be loaded without downloading anything."""
    path = Path(model).expanduser()
    if path.exists():
        return True
    if _looks_like_path(model) or importlib.util.find_spec("huggingface_hub") is None:
        return False
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(model, "config.json"), str)
    except Exception:  # a malformed id is simply not here
        return False


def _gpu_visible() -> bool:
    import torch  # only asked once the weights are here: importing torch costs a second or more

    return bool(torch.cuda.is_available())


def runs_here(default_model: str, *, needs_gpu: bool = False):
    """A registry `check` for a Hugging Face backend: its model (options["model"], else `default_model`)
    is on this machine, and with `needs_gpu`, a CUDA GPU is visible for the default model unless
    device="cpu" was asked for.
    "Available" in `gamekb models` means it can run here now, not merely that torch is installed; when
    the backend is created with the hub allowed, weights not yet here are left to resolve_model."""

    def check(options: dict[str, Any], creating: bool = False) -> str | None:
        model = str(options.get("model") or default_model)
        if not weights_here(model):
            if _looks_like_path(model) or Path(model).expanduser().exists():
                return f"model path {model} does not exist; pass an existing directory or a Hugging Face id"
            if creating and not hf_offline():
                return None  # resolve_model downloads it when the hub answers, or says why it cannot
            offline = " and HF_HUB_OFFLINE is set" if hf_offline() else ""
            return (f"{model} is not in the local Hugging Face cache{offline}; download it with "
                    f"`hf download {model}`, or pass a local directory ([models.<stage>] model)")
        # the default model is too big for a CPU; a model the user named (a small one, a test's) may try
        if needs_gpu and model == default_model and str(options.get("device") or "auto") in ("auto", "cuda") \
                and not _gpu_visible():
            return f"{model} needs a CUDA GPU and none is visible (device=cpu forces the CPU, very slowly)"
        return None

    return check


def resolve_device(device: str = "auto") -> str:
    """'auto' -> 'cuda' when a GPU is visible, else 'cpu'; anything else is passed through (checked)."""
    torch = require_package("torch", extra="full")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise GamekbError(f"device {device!r} asked for but no CUDA GPU is visible; use --device cpu or auto")
    return device


def resolve_dtype(dtype: str, device: str) -> Any:
    """'auto' -> bfloat16 on CUDA, float32 elsewhere (CPU bf16 matmuls are slow and lossy)."""
    torch = require_package("torch", extra="full")
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    table = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16,
             "half": torch.float16, "fp32": torch.float32, "float32": torch.float32, "float": torch.float32}
    if dtype not in table:
        raise GamekbError(f"unknown dtype {dtype!r}; choose one of: auto, {', '.join(sorted(table))}")
    return table[dtype]


def attn_implementation(device: str, *, sdpa: bool = True) -> str | None:
    """flash_attention_2 when flash-attn is importable and we run on CUDA, else sdpa (None: model default)."""
    if device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa" if sdpa else None


def load_pretrained(cls: Any, source: str, *, device: str, dtype: Any, attn: str | None = None, **kwargs: Any) -> Any:
    """`cls.from_pretrained` with our dtype/attention choices, moved to `device`, in eval mode.

    Falls back to the model's default attention when it rejects the one we asked for (some towers
    have no sdpa/flash path); that is a speed difference, never a correctness one.
    """
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a per-tensor "Loading weights" bar is noise in a CLI
    opts = dict(kwargs, dtype=dtype)
    if attn:
        opts["attn_implementation"] = attn
    try:
        model = cls.from_pretrained(source, **opts)
    except (ValueError, ImportError) as exc:
        if not attn or "attn" not in str(exc).lower() and "attention" not in str(exc).lower():
            raise
        log.warning("%s does not support attn_implementation=%s (%s); using its default", source, attn, exc)
        opts.pop("attn_implementation")
        model = cls.from_pretrained(source, **opts)
    return model.to(device).eval()


def to_numpy(tensor: Any) -> Any:
    """A torch tensor (any dtype/device) -> float32 numpy."""
    return tensor.detach().float().cpu().numpy()
