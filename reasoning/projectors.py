"""Projectors: encoder embeddings -> the LLM's hidden size, injected as soft prefix tokens.

One small MLP per modality, `Linear(d_in, d_llm) -> GELU -> Linear(d_llm, d_llm)`, kept as an
`nn.Sequential` so the state-dict keys are `net.0.weight`, `net.0.bias`, `net.2.weight`, `net.2.bias`
(the original project's layout). Ingest projects every segment's vectors once and stores them
(float16) with the bank's `checkpoint_id`; the qwen3-vl reasoner feeds them to the LLM.

Modalities are named after the ingest stages: `visual` (SigLIP2), `temporal` (VideoMAE), `audio`
(Wav2Vec2). The original checkpoint's keys `siglip` / `videomae` / `audio` map onto them.

Checkpoint formats read by `ProjectorBank.load`:
- ours, `.safetensors`: tensors `<modality>.net.0.weight`, ...; header metadata `gamekb` = JSON
  {"format": "gamekb-projectors", "version": 1, "d_llm": ..., "dims": {...}, "name": ...};
- ours, `torch.save`: {"format": "gamekb-projectors", "version": 1, "d_llm", "dims", "name",
  "state_dicts": {modality: state_dict}};
- the original project's `torch.save`: {"siglip": sd, "videomae": sd, "audio": sd} (any subset).
All are read with `torch.load(weights_only=True)`: a checkpoint can never run code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from kb.errors import GamekbError, ModelMismatch, require_package
from kb.integrity import sha256_file

FORMAT = "gamekb-projectors"
ORIGINAL_KEYS = {"siglip": "visual", "videomae": "temporal", "audio": "audio"}
ALIASES = {**ORIGINAL_KEYS, "wav2vec2": "audio", "siglip2": "visual", "visual": "visual", "temporal": "temporal"}
PARAM_KEYS = ("net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias")


def canonical_modality(name: str) -> str:
    return ALIASES.get(name, name)


def _mlp(d_in: int, d_llm: int) -> Any:
    from torch import nn

    class Projector(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(d_in, d_llm), nn.GELU(), nn.Linear(d_llm, d_llm))

        def forward(self, x):
            return self.net(x)

    return Projector()


class ProjectorBank:
    """The per-modality projectors of one checkpoint."""

    def __init__(self, projectors: Mapping[str, Any], d_llm: int, checkpoint_id: str, name: str = "",
                 device: str = "cpu") -> None:
        self.projectors = {canonical_modality(m): p.to(device).eval() for m, p in projectors.items()}
        self.d_llm = int(d_llm)
        self._checkpoint_id = checkpoint_id
        self.name = name
        self.device = device

    # ---- construction -------------------------------------------------------------------------

    @classmethod
    def new(cls, dims: Mapping[str, int], d_llm: int, seed: int = 0, name: str = "untrained") -> "ProjectorBank":
        """Freshly initialised projectors (for training). Its id changes once saved."""
        torch = require_package("torch", extra="full")
        torch.manual_seed(seed)
        bank = cls({m: _mlp(d, d_llm) for m, d in dims.items()}, d_llm, checkpoint_id=f"{name}-seed{seed}", name=name)
        for p in bank.projectors.values():
            p.train()
        return bank

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu") -> "ProjectorBank":
        """Read any of the three formats (see the module docstring); the id is the file's sha256 prefix."""
        torch = require_package("torch", extra="full")
        path = Path(path).expanduser()
        if not path.is_file():
            raise GamekbError(f"projector checkpoint {path} does not exist")
        name = path.stem
        if path.suffix == ".safetensors":
            from safetensors import safe_open

            with safe_open(str(path), framework="pt") as f:
                meta = json.loads((f.metadata() or {}).get("gamekb", "{}"))
                tensors = {k: f.get_tensor(k) for k in f.keys()}
            state_dicts: dict[str, dict[str, Any]] = {}
            for key, t in tensors.items():
                modality, _, param = key.partition(".")
                state_dicts.setdefault(modality, {})[param] = t
            name = meta.get("name", name)
        else:
            try:
                obj = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as exc:
                raise GamekbError(f"cannot read projector checkpoint {path}: {exc}") from exc
            if not isinstance(obj, dict):
                raise GamekbError(f"projector checkpoint {path} holds a {type(obj).__name__}, not a dict")
            if obj.get("format") == FORMAT:
                state_dicts = dict(obj["state_dicts"])
                name = obj.get("name", name)
            elif set(obj) & set(ORIGINAL_KEYS) and set(obj) <= set(ORIGINAL_KEYS):
                state_dicts = {ORIGINAL_KEYS[k]: v for k, v in obj.items()}
            else:
                raise GamekbError(f"{path} is not a projector checkpoint: expected gamekb's format or the keys "
                                  f"{', '.join(ORIGINAL_KEYS)}; found {', '.join(map(str, list(obj)[:6]))}")
        projectors, d_llm = {}, None
        for modality, sd in state_dicts.items():
            missing = [k for k in PARAM_KEYS if k not in sd]
            if missing:
                raise GamekbError(f"projector {modality!r} in {path} lacks {', '.join(missing)}")
            d_out, d_in = sd["net.0.weight"].shape
            if d_llm is not None and d_out != d_llm:
                raise GamekbError(f"projectors in {path} disagree on the LLM hidden size ({d_llm} vs {d_out})")
            d_llm = int(d_out)
            mlp = _mlp(int(d_in), d_llm)
            mlp.load_state_dict({k: sd[k].float() for k in PARAM_KEYS})
            projectors[modality] = mlp
        if not projectors or d_llm is None:
            raise GamekbError(f"projector checkpoint {path} holds no projectors")
        return cls(projectors, d_llm, checkpoint_id=f"{name}@sha256:{sha256_file(path)[:16]}", name=name,
                   device=device)

    def save(self, path: str | Path) -> str:
        """Write our format (.safetensors, or torch.save for any other suffix); returns the new id."""
        torch = require_package("torch", extra="full")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        name = self.name or path.stem
        meta = {"format": FORMAT, "version": 1, "d_llm": self.d_llm, "dims": self.dims, "name": name}
        if path.suffix == ".safetensors":
            from safetensors.torch import save_file

            tensors = {f"{m}.{k}": v.detach().cpu().contiguous() for m, p in self.projectors.items()
                       for k, v in p.state_dict().items()}
            save_file(tensors, str(path), metadata={"gamekb": json.dumps(meta)})
        else:
            torch.save({**meta, "state_dicts": {m: {k: v.detach().cpu() for k, v in p.state_dict().items()}
                                                for m, p in self.projectors.items()}}, path)
        self._checkpoint_id = f"{name}@sha256:{sha256_file(path)[:16]}"
        return self._checkpoint_id

    # ---- use ----------------------------------------------------------------------------------

    @property
    def checkpoint_id(self) -> str:
        """Recorded with every projected vector, so a KB never mixes projector versions silently."""
        return self._checkpoint_id

    @property
    def dims(self) -> dict[str, int]:
        return {m: int(p.net[0].in_features) for m, p in self.projectors.items()}

    @property
    def modalities(self) -> list[str]:
        return sorted(self.projectors)

    def __contains__(self, modality: str) -> bool:
        return canonical_modality(modality) in self.projectors

    def project(self, modality: str, vec: np.ndarray) -> np.ndarray:
        """(d_in,) encoder vector -> (d_llm,) float16."""
        return self.project_batch(modality, np.asarray(vec)[None])[0]

    def project_batch(self, modality: str, vecs: np.ndarray) -> np.ndarray:
        """(n, d_in) -> (n, d_llm) float16."""
        torch = require_package("torch", extra="full")
        m = canonical_modality(modality)
        if m not in self.projectors:
            raise ModelMismatch(f"projector checkpoint {self.checkpoint_id} has no {modality!r} projector; "
                                f"it has: {', '.join(self.modalities)}")
        x = np.asarray(vecs, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dims[m]:
            raise ModelMismatch(f"the {m} projector of {self.checkpoint_id} takes {self.dims[m]}-d vectors, "
                                f"got shape {x.shape}; the encoder and the projector checkpoint do not match")
        with torch.inference_mode():
            y = self.projectors[m](torch.from_numpy(x).to(self.device))
        return y.float().cpu().numpy().astype(np.float16)

    def parameters(self):
        """All trainable parameters (for the training loop)."""
        for p in self.projectors.values():
            yield from p.parameters()
