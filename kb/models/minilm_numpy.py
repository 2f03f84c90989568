"""all-MiniLM-L6-v2 forward pass in numpy: the same weights and numbers as sentence-transformers,
without importing torch, so `gamekb search` starts in a fraction of a second instead of ~5 s.

A BERT encoder (6 layers, 384 wide, 12 heads), mean pooling over real tokens, L2 normalisation,
exactly as the model's sentence-transformers modules.json describes; tests/test_embeddings.py checks
that both paths give the same vectors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from kb.models import erf

MAX_TOKENS = 256  # the model's max_seq_length


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    z = x / np.sqrt(2.0)
    if z.dtype == np.float64 and z.size <= erf.MAX_ELEMENTS:  # a query: scipy's erf without importing scipy
        return 0.5 * x * (1.0 + erf.erf(z))
    from scipy.special import erf as verf

    return 0.5 * x * (1.0 + verf(z))


SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64}


def map_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file as read-only arrays over a memory map of it: nothing is
    copied, and a row of the word embeddings is read from disk only when a token asks for it.
    (safetensors.numpy.load_file reads and copies all 90 MB: ~70 ms of every `gamekb search`.)"""
    with open(path, "rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, which numpy cannot hold")
        lo, hi = info["data_offsets"]
        out[name] = data[lo:hi].view(dtype).reshape(info["shape"])
    return out


class NumpyMiniLM:
    def __init__(self, path: Path):
        from tokenizers import Tokenizer

        cfg = json.loads((path / "config.json").read_text())
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        self.w = {k: v.astype(np.float32, copy=False) for k, v in map_safetensors(path / "model.safetensors").items()}
        # linear weights stored transposed once, (in, out) and contiguous, for x @ W
        self.wt = {k[: -len(".weight")]: np.ascontiguousarray(v.T) for k, v in self.w.items()
                   if k.startswith("encoder.") and k.endswith(".weight") and v.ndim == 2}
        # two tokenizers, never reconfigured once built: one embedder is shared by the web app's
        # search threads, and switching padding off and on in token_ids unpadded batches that
        # another thread was tokenising for encode (issue 14 part 4)
        self._tokenizer_json = path / "tokenizer.json"
        self.tok = Tokenizer.from_file(str(self._tokenizer_json))
        self.tok.enable_truncation(MAX_TOKENS)
        self.pad_id = cfg.get("pad_token_id", 0)
        self.tok.enable_padding(pad_id=self.pad_id)
        self._unpadded: Any = None  # built on first use: a query (one text) never needs it

    @property
    def unpadded(self):
        if self._unpadded is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self._tokenizer_json))
            tok.enable_truncation(MAX_TOKENS)
            tok.no_padding()
            self._unpadded = tok  # two threads may both build one: each is whole before it is shared
        return self._unpadded

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, truncated, unpadded (to group texts of similar length)."""
        return [e.ids for e in self.unpadded.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        enc = self.tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        w = self.w
        n, t = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t][None] \
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        d = x.shape[-1]
        hd = d // self.heads
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(h, name, p=p):
                # 2-D matmul against a contiguous (in, out) copy: 3-D @ transposed view ran ~5x slower
                # for a one-query batch (bench/search_latency.py, docs/benchmarks.md)
                out = h.reshape(-1, h.shape[-1]) @ self.wt[p + name] + w[p + name + ".bias"]
                return out.reshape(*h.shape[:-1], -1)

            q, k, v = (lin(x, f"attention.self.{m}").reshape(n, t, self.heads, hd).transpose(0, 2, 1, 3)
                       for m in ("query", "key", "value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            x = _layer_norm(lin(ctx, "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], self.eps)
            h = lin(_gelu(lin(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(h + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
