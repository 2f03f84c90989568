"""Projector alignment: the LLM frozen, gradients only through the ProjectorBank (issue 6, part 4).

The original project trained its projectors on targets that restated the text they were given, so
the LLM could answer from the text and the projected vectors learnt nothing it needed. Here the
prompt keeps the question and the moment's citation and window but drops the evidence text and the
keyframe: what was picked up, said or shown in that segment reaches the model only through the
soft prefix the projectors make from the segment's encoder vectors (visual, temporal, audio).

Phases of `train_projectors`:
1. keep the grounded pairs; split train/eval as the LoRA trainer does;
2. a fresh bank sized from the knowledge base's encoder columns (or `init`, e.g. the original
   project's checkpoint); freeze every LLM parameter;
3. per step: encode each pair with placeholder prefix vectors (the reasoner's own `build_inputs`
   lays out prefix, prompt and answer), swap in the projectors' output for the prefix, answer-only
   loss, AdamW on the projector weights;
4. the ablation: answer loss with the trained prefix, with the initial (untrained) prefix, with a
   zero prefix (same length, same prompt) and with no prefix at all (the prompt as ask builds it
   without projected vectors), on the eval split and on the train split;
5. save the bank (`ProjectorBank.save`) and a `<out>.train.json` report beside it.
"""

from __future__ import annotations

import copy
import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from kb.errors import GamekbError, require_package
from reasoning.projectors import ProjectorBank
from reasoning.training.batches import collate, encode, train_step, with_prefix
from reasoning.training.data import EvidenceSource, Pair, data_hash
from reasoning.training.lora import ProgressFn, evaluate, split


@dataclass
class ProjectorOptions:
    lr: float = 1e-3  # AdamW; the projectors are small MLPs trained from scratch
    epochs: int = 5
    batch_size: int = 4
    eval_split: float = 0.1
    max_steps: int | None = None
    seed: int = 0
    modalities: tuple[str, ...] | None = None  # default: every encoder column the knowledge base has
    init: str | None = None  # a projector checkpoint to start from (any format ProjectorBank.load reads)


@dataclass
class ProjectorResult:
    out: Path
    checkpoint_id: str
    step: int
    train_loss: float | None
    ablation: dict[str, dict[str, float | None]]  # split -> {trained_prefix, initial_prefix, zero_prefix, no_prefix}
    history: list[dict[str, float]] = field(default_factory=list)
    report: Path | None = None


def report_path(out: Path) -> Path:
    return out.with_name(out.stem + ".train.json")


class PrefixPairs:
    """Encodes pairs for projector training: prompt without evidence text or keyframe, prefix from a bank."""

    def __init__(self, reasoner: Any, evidence: EvidenceSource, modalities: Sequence[str]):
        self.reasoner, self.evidence, self.modalities = reasoner, evidence, sorted(modalities)

    def _moments(self, pair: Pair, with_prefix: bool):
        moments = self.evidence.moments(pair, text=False, keyframe=False, projected=False)
        if with_prefix:  # placeholders: build_inputs lays out one prefix token per modality, sorted
            for m in moments:
                m.projected = {mod: np.zeros(self.reasoner.d_llm, np.float16) for mod in self.modalities}
        return moments

    def prefix(self, bank: ProjectorBank | None, pair: Pair) -> Any:
        torch = require_package("torch", extra="full")
        if bank is None:  # the zero prefix
            return torch.zeros(len(self.modalities), self.reasoner.d_llm, device=self.reasoner.device)
        raw = self.evidence.raw_vectors(pair, self.modalities)
        return torch.cat([bank.projectors[m](torch.from_numpy(raw[m]).to(self.reasoner.device)[None])
                          for m in self.modalities])

    def encode(self, pair: Pair, bank: ProjectorBank | None, prefix: bool = True):
        enc = encode(self.reasoner, pair.question, pair.answer, self._moments(pair, prefix))
        return with_prefix(enc, self.prefix(bank, pair)) if prefix else enc


def ablation(pp: PrefixPairs, pairs: Sequence[Pair], trained: ProjectorBank, initial: ProjectorBank,
             batch_size: int) -> dict[str, float | None]:
    torch = require_package("torch", extra="full")
    with torch.no_grad():
        return {
            "trained_prefix": evaluate(pp.reasoner, pairs, pp.evidence, batch_size, lambda p: pp.encode(p, trained)),
            "initial_prefix": evaluate(pp.reasoner, pairs, pp.evidence, batch_size, lambda p: pp.encode(p, initial)),
            "zero_prefix": evaluate(pp.reasoner, pairs, pp.evidence, batch_size, lambda p: pp.encode(p, None)),
            "no_prefix": evaluate(pp.reasoner, pairs, pp.evidence, batch_size, lambda p: pp.encode(p, None, prefix=False)),
        }


def _bank(opts: ProjectorOptions, evidence: EvidenceSource, d_llm: int) -> tuple[ProjectorBank, list[str]]:
    have = evidence.raw_dims
    modalities = list(opts.modalities or sorted(have))
    if not modalities:
        raise GamekbError("the knowledge base stores no encoder vectors (visual_vec, temporal_vec, audio_vec) to project")
    missing = [m for m in modalities if m not in have]
    if missing:
        raise GamekbError(f"the knowledge base has no {', '.join(missing)} vectors; it has: {', '.join(sorted(have)) or 'none'}")
    if opts.init:
        bank = ProjectorBank.load(opts.init)
        bad = [m for m in modalities if m not in bank or bank.dims[m] != have[m]]
        if bank.d_llm != d_llm or bad:
            raise GamekbError(f"{opts.init} does not fit: its projectors map {bank.dims} into {bank.d_llm}-d; this needs "
                              f"{ {m: have[m] for m in modalities} } into the LLM's {d_llm}-d")
    else:
        bank = ProjectorBank.new({m: have[m] for m in modalities}, d_llm=d_llm, seed=opts.seed)
    return bank, modalities


def train_projectors(pairs: Sequence[Pair], out: str | Path, reasoner: Any, evidence: EvidenceSource,
                     opts: ProjectorOptions = ProjectorOptions(), on_step: ProgressFn | None = None) -> ProjectorResult:
    """Train the ProjectorBank against the frozen LLM; see the module docstring for the phases."""
    torch = require_package("torch", extra="full")
    out = Path(out).expanduser()
    grounded = [p for p in pairs if p.grounded]
    if not grounded:
        raise GamekbError("projector training needs pairs tied to a video segment (build them with gamekb train data)")
    train, held = split(grounded, opts.eval_split, opts.seed)
    bank, modalities = _bank(opts, evidence, reasoner.d_llm)
    for p in bank.projectors.values():
        p.to(reasoner.device).float().train()
    bank.device = reasoner.device
    initial = copy.deepcopy(bank)
    reasoner.lm.requires_grad_(False)  # the LLM is frozen: only the projectors learn
    reasoner.lm.eval()
    params = list(bank.parameters())
    for p in params:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(params, lr=opts.lr)
    pp = PrefixPairs(reasoner, evidence, modalities)
    pad = reasoner.tokenizer.pad_token_id or 0

    per_epoch = math.ceil(len(train) / opts.batch_size)
    total = per_epoch * opts.epochs if opts.max_steps is None else min(per_epoch * opts.epochs, opts.max_steps)
    step = 0
    history: list[dict[str, Any]] = []
    losses: list[float] = []
    if on_step:
        on_step(0, total, float("nan"), "train")
    for epoch in range(opts.epochs):
        order = list(train)
        random.Random(opts.seed * 1000 + epoch).shuffle(order)
        losses = []
        for b in range(per_epoch):
            if step >= total:
                break
            batch = collate([pp.encode(p, bank) for p in order[b * opts.batch_size:(b + 1) * opts.batch_size]], pad)
            losses.append(train_step(reasoner.lm, batch, params, optimizer))
            step += 1
            history.append({"step": step, "loss": round(losses[-1], 6)})
            if on_step:
                on_step(step, total, losses[-1], "train")
    for p in bank.projectors.values():
        p.eval()
    if on_step:
        on_step(step, total, float("nan"), "ablation")
    report = {"eval": ablation(pp, held, bank, initial, opts.batch_size) if held else None,
              "train": ablation(pp, train, bank, initial, opts.batch_size)}
    bank.name = out.stem.split(".")[0]
    checkpoint_id = bank.save(out)
    meta = {"format": "gamekb-projector-training", "version": 1, "base_model": reasoner.model_id,
            "checkpoint_id": checkpoint_id, "data_hash": data_hash(pairs), "train_pairs": len(train),
            "eval_pairs": len(held), "modalities": modalities, "dims": bank.dims, "d_llm": bank.d_llm, "step": step,
            "loss": sum(losses) / len(losses) if losses else None, "ablation": report, "history": history,
            "options": {**asdict(opts), "modalities": modalities},
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    rpath = report_path(out)
    rpath.write_text(json.dumps(meta, indent=2))
    return ProjectorResult(out=out, checkpoint_id=checkpoint_id, step=step, train_loss=meta["loss"],
                           ablation={k: v for k, v in report.items() if v is not None}, history=history, report=rpath)


def run(data: str | Path, out: str | Path, home: str | Path | None, reasoner_options: dict[str, Any],
        opts: ProjectorOptions = ProjectorOptions(), on_step: ProgressFn | None = None) -> ProjectorResult:
    """`gamekb train projectors`: read the data, load the reasoner (with its adapter, if configured), train."""
    from reasoning.training.data import load_for_training
    from reasoning.training.lora import load_reasoner

    pairs, evidence = load_for_training(data, home)
    if evidence.kb is None:
        raise GamekbError(f"{data} holds no pairs tied to a video segment; projector training needs them "
                          "(build them with gamekb train data)")
    return train_projectors(pairs, out, load_reasoner(reasoner_options), evidence, opts, on_step=on_step)
