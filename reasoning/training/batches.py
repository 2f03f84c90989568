"""One training pair -> model inputs and labels; a list of them -> one right-padded batch; the loss.

The prompt is built by the reasoner itself (`Qwen3VLReasoner.build_inputs`), so training sees
exactly what answering sees: the soft prefix of projected vectors, the system prompt, the keyframes
as images, the evidence list with its citations, the question. The answer's tokens follow,
closed by the end-of-turn token. The sequence, position by position:

    [prefix x n_prefix][chat prompt, image placeholders inside][answer tokens][<|im_end|>][padding]
    labels: -100 ...    -100 ...                               answer ids ...  im_end id    -100 ...

so only the answer (and the token that ends it) carries loss: the original project's loss over
prompt and padding taught the model to recite prompts. `labels[i]` is the token at position i;
`answer_loss` shifts by one, as causal LM losses do.

Padding goes on the right, after every answer: a causal model's logits at answer positions cannot
see it, and its attention mask is 0. M-RoPE positions are computed over the whole padded batch
(prefix included) with `get_rope_index`, as `generate` does at answer time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from kb.errors import require_package

IGNORE = -100  # torch's cross_entropy ignore_index


@dataclass
class Encoded:
    """One pair, unpadded; every tensor has batch dimension 1."""

    inputs_embeds: Any  # (1, L, d): prefix, prompt and answer embeddings
    input_ids: Any  # (1, L): placeholder ids under the prefix (they only feed M-RoPE)
    attention_mask: Any
    mm_token_type_ids: Any  # 0 text, 1 image
    labels: Any  # (1, L): IGNORE except on the answer
    n_prefix: int
    answer_start: int  # position of the first answer token
    pixel_values: Any = None
    image_grid_thw: Any = None
    meta: dict[str, Any] = field(default_factory=dict)


def end_of_turn_id(tokenizer: Any) -> int:
    """The token that closes the assistant's turn (<|im_end|> in Qwen's template)."""
    tid = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if tid is None or tid == tokenizer.unk_token_id:
        tid = tokenizer.eos_token_id
    if tid is None:
        from kb.errors import GamekbError

        raise GamekbError("the tokenizer has neither <|im_end|> nor an eos token; it is not a chat model")
    return int(tid)


def answer_ids(tokenizer: Any, answer: str) -> list[int]:
    """The answer's tokens as the model should generate them, then the end-of-turn token.

    Tokenised apart from the prompt: the generation prompt ends with a newline (a space in the tiny
    test template), so no token straddles the boundary.
    """
    return list(tokenizer(answer.strip(), add_special_tokens=False)["input_ids"]) + [end_of_turn_id(tokenizer)]


def labels_for(targets: Any, answer_mask: Any) -> Any:
    """Labels from the full target sequence: the target where answer_mask is set, IGNORE elsewhere."""
    torch = require_package("torch", extra="full")
    return torch.where(answer_mask.bool(), targets, torch.full_like(targets, IGNORE))


def encode(reasoner: Any, question: str, answer: str, evidence: Sequence[Any]) -> Encoded:
    """The reasoner's inputs for (question, evidence) with the answer appended, and its labels."""
    torch = require_package("torch", extra="full")
    inputs = reasoner.build_inputs(question, evidence)
    ids = torch.tensor([answer_ids(reasoner.tokenizer, answer)], dtype=inputs["input_ids"].dtype,
                       device=inputs["input_ids"].device)
    with torch.no_grad():
        ans_embeds = reasoner.lm.get_input_embeddings()(ids)
    start = inputs["input_ids"].shape[1]
    input_ids = torch.cat([inputs["input_ids"], ids], 1)
    answer_mask = torch.zeros_like(input_ids, dtype=torch.bool)
    answer_mask[:, start:] = True
    return Encoded(
        inputs_embeds=torch.cat([inputs["inputs_embeds"], ans_embeds.to(inputs["inputs_embeds"].dtype)], 1),
        input_ids=input_ids,
        attention_mask=torch.cat([inputs["attention_mask"], torch.ones_like(ids, dtype=inputs["attention_mask"].dtype)], 1),
        mm_token_type_ids=torch.cat([inputs["mm_token_type_ids"], torch.zeros_like(ids, dtype=inputs["mm_token_type_ids"].dtype)], 1),
        labels=labels_for(input_ids, answer_mask), n_prefix=int(inputs["n_prefix"]), answer_start=start,
        pixel_values=inputs.get("pixel_values"), image_grid_thw=inputs.get("image_grid_thw"))


def with_prefix(enc: Encoded, prefix: Any) -> Encoded:
    """The same pair with its first n_prefix embeddings replaced by `prefix` (n_prefix, d), keeping
    the graph through `prefix` (projector training)."""
    torch = require_package("torch", extra="full")
    n = enc.n_prefix
    if prefix.shape[0] != n:
        raise ValueError(f"prefix has {prefix.shape[0]} vectors, the pair was encoded with {n}")
    embeds = torch.cat([prefix.to(enc.inputs_embeds.dtype)[None], enc.inputs_embeds[:, n:]], 1)
    return Encoded(**{**enc.__dict__, "inputs_embeds": embeds})


def collate(items: Sequence[Encoded], pad_id: int = 0) -> dict[str, Any]:
    """Right-pad a list of pairs into one batch (padding: zero embeddings, mask 0, label IGNORE)."""
    torch = require_package("torch", extra="full")
    length = max(e.input_ids.shape[1] for e in items)

    def pad(t, value):
        extra = length - t.shape[1]
        if extra == 0:
            return t
        shape = (t.shape[0], extra, *t.shape[2:])
        return torch.cat([t, torch.full(shape, value, dtype=t.dtype, device=t.device)], 1)

    batch = {
        "inputs_embeds": torch.cat([pad(e.inputs_embeds, 0.0) for e in items]),
        "input_ids": torch.cat([pad(e.input_ids, pad_id) for e in items]),
        "attention_mask": torch.cat([pad(e.attention_mask, 0) for e in items]),
        "mm_token_type_ids": torch.cat([pad(e.mm_token_type_ids, 0) for e in items]),
        "labels": torch.cat([pad(e.labels, IGNORE) for e in items]),
    }
    pixels = [e.pixel_values for e in items if e.pixel_values is not None]
    if pixels:  # the vision tower and get_rope_index both take images in batch order
        batch["pixel_values"] = torch.cat(pixels)
        batch["image_grid_thw"] = torch.cat([e.image_grid_thw for e in items if e.image_grid_thw is not None])
    return batch


def forward_logits(lm: Any, batch: dict[str, Any]) -> Any:
    """Logits (B, L, vocab) of a Qwen3-VL for a collated batch."""
    position_ids, _ = lm.model.get_rope_index(batch["input_ids"], batch["mm_token_type_ids"],
                                              batch.get("image_grid_thw"), None,
                                              attention_mask=batch["attention_mask"])
    kwargs = {"inputs_embeds": batch["inputs_embeds"], "attention_mask": batch["attention_mask"],
              "position_ids": position_ids}
    if "pixel_values" in batch:
        kwargs["pixel_values"] = batch["pixel_values"]
        kwargs["image_grid_thw"] = batch["image_grid_thw"]
    return lm(**kwargs).logits


def answer_loss(logits: Any, labels: Any) -> Any:
    """Mean cross-entropy over the labelled (answer) tokens; position i's logits predict labels[i+1]."""
    torch = require_package("torch", extra="full")
    shift_logits = logits[:, :-1].float()
    shift_labels = labels[:, 1:].to(shift_logits.device)
    count = (shift_labels != IGNORE).sum()
    if int(count) == 0:
        raise ValueError("the batch has no answer tokens to learn from")
    total = torch.nn.functional.cross_entropy(shift_logits.reshape(-1, shift_logits.shape[-1]),
                                              shift_labels.reshape(-1), ignore_index=IGNORE, reduction="sum")
    return total / count


def batch_loss(lm: Any, batch: dict[str, Any]) -> Any:
    return answer_loss(forward_logits(lm, batch), batch["labels"])


def train_step(lm: Any, batch: dict[str, Any], params: Sequence[Any], optimizer: Any, max_norm: float = 1.0) -> float:
    """One optimiser step on the answer-only loss (gradients clipped to `max_norm`); returns the loss."""
    import torch

    loss = batch_loss(lm, batch)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return float(loss.detach())
