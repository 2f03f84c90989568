"""LoRA fine-tuning of the qwen3-vl reasoner on grounded pairs (issue 6, part 3).

Phases of `train_lora`:
1. split the pairs into train and eval, by a hash of each pair (stable across runs and resumes);
2. wrap the LLM's attention projections (q/k/v/o of the language model, never the ViT's) in a
   fresh LoRA, or, with resume, load the latest checkpoint's adapter and optimizer state;
3. eval loss before training (a fresh run only);
4. epochs of shuffled batches (the order is a function of seed and epoch, and every step seeds
   torch with its own number, so a resumed run takes the very steps an uninterrupted one would):
   each pair's evidence and keyframe go into the prompt through the reasoner's `build_inputs`,
   the loss covers the answer tokens only (`batches`), AdamW on the LoRA weights, gradients
   clipped at 1.0;
5. a checkpoint every `save_every` steps and at each epoch's end: the adapter, the optimizer
   state and `state.json` (base model, data hash, step, losses, options);
6. the final adapter in OUT itself (`gamekb ask --adapter OUT` loads it) with `gamekb_train.json`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from kb.errors import GamekbError, require_package
from reasoning.training.batches import batch_loss, collate, encode, train_step
from reasoning.training.data import EvidenceSource, Pair, data_hash

log = logging.getLogger(__name__)

FORMAT = "gamekb-lora"
METADATA = "gamekb_train.json"
CHECKPOINTS = "checkpoints"
ProgressFn = Callable[[int, int, float, str], None]  # (step, total steps, loss, phase)


@dataclass
class LoraOptions:
    r: int = 16  # LoRA rank; 16 with alpha 32 is the usual starting point for a 7-8B model
    alpha: int = 32  # scaling numerator: the update is scaled by alpha / r = 2
    dropout: float = 0.05  # on the LoRA input; small data sets overfit fast
    target: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")  # the LLM's attention projections
    lr: float = 2e-4  # AdamW learning rate; LoRA tolerates ~10x full fine-tuning rates
    epochs: int = 3
    batch_size: int = 1  # pairs per step; each carries up to max_images keyframes
    eval_split: float = 0.1  # share of pairs held out for the eval loss (0: none)
    max_steps: int | None = None  # stop after this many steps in all (None: run every epoch)
    save_every: int | None = None  # checkpoint every N steps (None: at each epoch's end only)
    seed: int = 0
    gradient_checkpointing: bool = False  # trade compute for memory on long prompts with images


def target_pattern(modules: Sequence[str]) -> str:
    """Only the language model's modules: the vision tower has layers of the same names."""
    names = [m.strip() for m in modules if m.strip()]
    if not names or not all(n.replace("_", "").isalnum() for n in names):
        raise GamekbError(f"--target wants module names separated by commas, e.g. q_proj,v_proj; got {modules!r}")
    return rf".*language_model.*\.({'|'.join(names)})$"


def split(pairs: Sequence[Pair], eval_share: float, seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """Deterministic train/eval split by a hash of each pair; at least one of each when possible."""
    if not 0.0 <= eval_share < 1.0:
        raise GamekbError(f"--eval-split {eval_share} must be in [0, 1)")

    def score(p: Pair) -> float:
        h = hashlib.sha256(f"{seed}:{p.id}:{p.question}:{p.answer}".encode()).digest()
        return int.from_bytes(h[:8], "big") / 2**64

    ranked = sorted(pairs, key=score)
    n_eval = 0 if eval_share == 0 or len(pairs) < 2 else max(1, int(round(len(pairs) * eval_share)))
    held = {id(p) for p in ranked[:n_eval]}
    return [p for p in pairs if id(p) not in held], [p for p in pairs if id(p) in held]


def load_reasoner(options: dict[str, Any], keep_adapter: bool = True) -> Any:
    """The qwen3-vl reasoner from `[models.reasoner]` options (model, device, dtype, max_images ...)."""
    from kb.models import registry

    opts = dict(options)
    if not keep_adapter and opts.pop("adapter", None):
        log.info("training a fresh LoRA: the configured adapter is not loaded")
    return registry.create("reasoner", "qwen3-vl", **opts)


def evaluate(reasoner: Any, pairs: Sequence[Pair], evidence: EvidenceSource, batch_size: int = 1,
             encode_fn: Callable[[Pair], Any] | None = None) -> float | None:
    """Token-weighted mean answer loss over `pairs` (None when there are none)."""
    torch = require_package("torch", extra="full")
    if not pairs:
        return None
    enc = encode_fn or (lambda p: encode(reasoner, p.question, p.answer, evidence.moments(p)))
    pad = reasoner.tokenizer.pad_token_id or 0
    was_training = reasoner.lm.training
    reasoner.lm.eval()
    total, count = 0.0, 0
    try:
        with torch.no_grad():
            for i in range(0, len(pairs), batch_size):
                batch = collate([enc(p) for p in pairs[i:i + batch_size]], pad)
                n = int((batch["labels"][:, 1:] != -100).sum())
                total += float(batch_loss(reasoner.lm, batch)) * n
                count += n
    finally:
        reasoner.lm.train(was_training)
    return total / count


@dataclass
class LoraResult:
    out: Path
    step: int
    train_loss: float | None
    eval_loss: float | None
    eval_loss_before: float | None
    history: list[dict[str, float]] = field(default_factory=list)
    resumed_from: int | None = None


def checkpoints(out: Path) -> list[Path]:
    folder = Path(out) / CHECKPOINTS
    return sorted((p for p in folder.glob("step-*") if (p / "state.json").is_file()),
                  key=lambda p: int(p.name.split("-")[1])) if folder.is_dir() else []


def _meta(reasoner: Any, pairs: Sequence[Pair], n_train: int, n_eval: int, opts: LoraOptions, **state) -> dict:
    return {"format": FORMAT, "version": 1, "base_model": reasoner.model_id, "data_hash": data_hash(pairs),
            "data_pairs": len(pairs), "train_pairs": n_train, "eval_pairs": n_eval,
            "options": {**asdict(opts), "target": list(opts.target)}, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **state}


def _check_resume(meta: dict, expected: dict, where: Path) -> None:
    for key in ("base_model", "data_hash"):
        if meta.get(key) != expected[key]:
            raise GamekbError(f"cannot resume from {where}: it was trained with {key} {meta.get(key)!r}, this run has "
                              f"{expected[key]!r}; use the same model and data, or a new --out")
    for key in ("r", "alpha", "target"):
        if meta["options"].get(key) != expected["options"][key]:
            raise GamekbError(f"cannot resume from {where}: its LoRA {key} is {meta['options'].get(key)!r}, "
                              f"this run asks for {expected['options'][key]!r}")


def train_lora(pairs: Sequence[Pair], out: str | Path, reasoner: Any, evidence: EvidenceSource,
               opts: LoraOptions = LoraOptions(), resume: bool = False,
               on_step: ProgressFn | None = None) -> LoraResult:
    """Fine-tune a LoRA on `pairs`; see the module docstring for the phases."""
    torch = require_package("torch", extra="full")
    peft = require_package("peft", extra="full")
    from reasoning.qwen3vl import wrap_lora

    out = Path(out).expanduser()
    if not pairs:
        raise GamekbError("no training pairs")
    existing = checkpoints(out)
    if existing and not resume:
        raise GamekbError(f"{out} already holds checkpoints (last: {existing[-1].name}); pass --resume to continue "
                          "from it, or choose another --out")
    train, held = split(pairs, opts.eval_split, opts.seed)
    expected = _meta(reasoner, pairs, len(train), len(held), opts)

    torch.manual_seed(opts.seed)  # the LoRA A matrices start random: the same seed, the same start
    with warnings.catch_warnings():  # peft calls a transformers property deprecated in v5; nothing to act on
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        peft_model = wrap_lora(reasoner.model, r=opts.r, alpha=opts.alpha, dropout=opts.dropout,
                               target_modules=target_pattern(opts.target))
    reasoner.model = peft_model  # reasoner.lm is now the base model with the LoRA layers injected
    if opts.gradient_checkpointing:
        reasoner.lm.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=opts.lr, weight_decay=0.0)

    step, history, eval_before, resumed_from = 0, [], None, None
    if resume and existing:
        last = existing[-1]
        meta = json.loads((last / "state.json").read_text())
        _check_resume(meta, expected, last)
        from safetensors.torch import load_file

        peft.set_peft_model_state_dict(peft_model, load_file(str(last / "adapter_model.safetensors")))
        optimizer.load_state_dict(torch.load(last / "optimizer.pt", map_location=reasoner.device, weights_only=True))
        step, history, eval_before = int(meta["step"]), list(meta.get("history", [])), meta.get("eval_loss_before")
        resumed_from = step
        log.info("resuming from %s (step %d)", last, step)
    else:
        eval_before = evaluate(reasoner, held, evidence, opts.batch_size)

    per_epoch = math.ceil(len(train) / opts.batch_size)
    total = per_epoch * opts.epochs if opts.max_steps is None else min(per_epoch * opts.epochs, opts.max_steps)
    pad = reasoner.tokenizer.pad_token_id or 0
    state = {"eval_loss_before": eval_before, "eval_loss": None, "loss": None}

    def save(folder: Path, final: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        peft_model.save_pretrained(str(folder))
        if not final:
            torch.save(optimizer.state_dict(), folder / "optimizer.pt")
        meta = _meta(reasoner, pairs, len(train), len(held), opts, step=step, epoch=step / per_epoch,
                     total_steps=total, history=history, **state)
        (folder / ("state.json" if not final else METADATA)).write_text(json.dumps(meta, indent=2))

    peft_model.train()
    if on_step:
        on_step(step, total, float("nan"), "train")
    for epoch in range(step // per_epoch, opts.epochs):
        order = list(train)
        random.Random(opts.seed * 1000 + epoch).shuffle(order)
        losses = []
        for b in range(per_epoch):
            if epoch * per_epoch + b < step:
                continue  # done before the resume
            if step >= total:
                break
            torch.manual_seed(opts.seed * 1_000_003 + step)  # LoRA dropout: the same masks on resume
            batch = collate([encode(reasoner, p.question, p.answer, evidence.moments(p))
                             for p in order[b * opts.batch_size:(b + 1) * opts.batch_size]], pad)
            value = train_step(reasoner.lm, batch, params, optimizer)
            step += 1
            losses.append(value)
            history.append({"step": step, "loss": round(value, 6)})
            state["loss"] = value
            if on_step:
                on_step(step, total, value, "train")
            if opts.save_every and step % opts.save_every == 0:
                save(out / CHECKPOINTS / f"step-{step:06d}")
        epoch_done = step >= (epoch + 1) * per_epoch or step >= total
        if losses and epoch_done:
            state["loss"] = sum(losses) / len(losses)
            state["eval_loss"] = evaluate(reasoner, held, evidence, opts.batch_size)
            if on_step:
                on_step(step, total, state["eval_loss"] if state["eval_loss"] is not None else float("nan"), "eval")
            save(out / CHECKPOINTS / f"step-{step:06d}")
        if step >= total:
            break
    if state["eval_loss"] is None and held:
        state["eval_loss"] = evaluate(reasoner, held, evidence, opts.batch_size)
    save(out, final=True)
    return LoraResult(out=out, step=step, train_loss=state["loss"], eval_loss=state["eval_loss"],
                      eval_loss_before=eval_before, history=history, resumed_from=resumed_from)


def run(data: str | Path, out: str | Path, home: str | Path | None, reasoner_options: dict[str, Any],
        opts: LoraOptions = LoraOptions(), resume: bool = False, on_step: ProgressFn | None = None) -> LoraResult:
    """`gamekb train lora`: read the data, load the reasoner's base model, train."""
    from reasoning.training.data import load_for_training

    pairs, evidence = load_for_training(data, home)
    reasoner = load_reasoner(reasoner_options, keep_adapter=False)
    return train_lora(pairs, out, reasoner, evidence, opts, resume=resume, on_step=on_step)
