"""Reasoner `qwen3-vl`: Qwen3-VL through transformers, optional peft LoRA adapter.

What the model sees, in order (this is the part the original research pipeline never wired up):
1. soft prefix tokens: every evidence moment's stored projected embeddings (Moment.projected,
   modality -> float16 (d_llm,)), concatenated *before* the chat's token embeddings and passed
   through `inputs_embeds`; the attention mask is extended with ones and the M-RoPE positions are
   computed over the whole sequence (prefix included), so image positions stay consistent;
2. the chat: system prompt, then the user turn with the moments' keyframes as images and the
   evidence list with each moment's citation `video@MM:SS` (reasoning.prompting).
The generated text's citations are mapped back to the evidence moments.

`generate(input_ids=..., inputs_embeds=...)`: transformers uses the embeddings for the first step
and the ids for M-RoPE (`_prepare_position_ids_for_generation` -> `get_rope_index`); the image
placeholders are found by comparing embeddings with the image token's, which the prefix never equals.
"""

from __future__ import annotations

import logging
import re
import threading
from io import BytesIO
from typing import Any, Iterator, Sequence

import numpy as np

from kb.errors import GamekbError, ModelMismatch, require_package
from kb.models.hf import FULL_INSTALL, attn_implementation, load_pretrained, resolve_device, resolve_dtype, resolve_model, runs_here
from kb.models.registry import register
from reasoning.prompting import SYSTEM_PROMPT, image_moments, keyframes, make_answer, user_prompt
from reasoning.protocols import Answer
from retrieval.types import Moment

log = logging.getLogger(__name__)

DEFAULT_MODEL = "Qwen/Qwen3-VL-8B-Instruct"
LORA_TARGETS = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj)$"  # the LLM's attention, not the ViT's
THINK_RE = re.compile(r"<think>.*?</think>", re.S)


def load_processor(path: str) -> Any:
    """Qwen3-VL's processor without its video processor.

    The stock Qwen3VLProcessor insists on a video processor, whose only implementation needs
    torchvision, which does not load beside the CPU torch build. We never pass videos (keyframes
    go in as images), so this subclass declares only the image processor and the tokenizer;
    AutoImageProcessor then picks the PIL image processor when torchvision is absent.
    """
    from transformers import Qwen3VLProcessor

    class ImageOnlyQwen3VLProcessor(Qwen3VLProcessor):
        @classmethod
        def get_attributes(cls):
            return ["image_processor", "tokenizer"]

    processor = ImageOnlyQwen3VLProcessor.from_pretrained(path)
    if not processor.chat_template and getattr(processor.tokenizer, "chat_template", None):
        processor.chat_template = processor.tokenizer.chat_template
    if not processor.chat_template:
        raise GamekbError(f"{path} has no chat template (chat_template.jinja/json); it is not a Qwen3-VL chat model")
    return processor


def wrap_lora(model: Any, r: int = 16, alpha: int = 32, dropout: float = 0.05,
              target_modules: str | Sequence[str] = LORA_TARGETS) -> Any:
    """A fresh LoRA (r=16, alpha=32 on the LLM's q/k/v/o projections) around `model`, for training."""
    peft = require_package("peft", extra="full")
    config = peft.LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=target_modules,
                             bias="none")
    return peft.get_peft_model(model, config)


def decode_jpeg(data: bytes) -> Any:
    from PIL import Image

    return Image.open(BytesIO(data)).convert("RGB")


@register("reasoner", "qwen3-vl", profile="full", requires=("torch", "transformers", "PIL"), install=FULL_INSTALL,
          check=runs_here(DEFAULT_MODEL, needs_gpu=True),
          description="Qwen3-VL (+LoRA): keyframes as images, projected embeddings as soft prefix tokens")
class Qwen3VLReasoner:
    """Answers from keyframes, evidence text and projected embeddings with Qwen3-VL."""

    name = "qwen3-vl"
    wants_media = True  # keyframes as images, projected vectors as soft prefix tokens
    reports_progress = False

    def __init__(self, model: str = DEFAULT_MODEL, adapter: str | None = None, device: str = "auto",
                 dtype: str = "auto", max_new_tokens: int = 512, max_images: int = 4,
                 use_projected: bool = True, temperature: float = 0.0,
                 image_max_pixels: int | None = 640 * 480) -> None:
        require_package("torch", extra="full")
        from transformers import Qwen3VLForConditionalGeneration

        self.model_id = model
        self.adapter_id = adapter
        self.device = resolve_device(device)
        self.torch_dtype = resolve_dtype(dtype, self.device)
        path = resolve_model(model, kind="Qwen3-VL model")
        self.model = load_pretrained(Qwen3VLForConditionalGeneration, path, device=self.device,
                                     dtype=self.torch_dtype, attn=attn_implementation(self.device))
        if adapter:
            peft = require_package("peft", extra="full")
            adapter_path = resolve_model(adapter, kind="LoRA adapter")
            self.model = peft.PeftModel.from_pretrained(self.model, adapter_path).to(self.device).eval()
        self.processor = load_processor(path)
        if image_max_pixels:  # keyframes of 640x480 cost ~300 visual tokens each at this cap
            size = dict(self.processor.image_processor.size)
            size["longest_edge"] = min(int(size.get("longest_edge") or image_max_pixels), image_max_pixels)
            self.processor.image_processor.size = size
        self.tokenizer = self.processor.tokenizer
        self.max_new_tokens = max_new_tokens
        self.max_images = max_images
        self.use_projected = use_projected
        self.temperature = temperature
        self.d_llm = int(self.lm.config.get_text_config().hidden_size)

    @property
    def lm(self) -> Any:
        """The transformers model (LoRA layers injected when an adapter is loaded)."""
        return self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model

    # ---- inputs -------------------------------------------------------------------------------

    def prefix_vectors(self, evidence: Sequence[Moment]) -> np.ndarray:
        """(P, d_llm): each moment's projected vectors, moments in evidence order, modalities sorted."""
        rows = []
        for m in evidence:
            for modality in sorted(m.projected):
                v = np.asarray(m.projected[modality], dtype=np.float32).reshape(-1)
                if v.shape[0] != self.d_llm:
                    raise ModelMismatch(
                        f"{m.citation}: the stored {modality} projection is {v.shape[0]}-d but {self.model_id} "
                        f"has hidden size {self.d_llm}; re-ingest with a projector trained for this model")
                rows.append(v)
        return np.stack(rows) if rows else np.zeros((0, self.d_llm), np.float32)

    def build_inputs(self, question: str, evidence: Sequence[Moment]) -> dict[str, Any]:
        """Everything `generate` (or a training step) needs; `n_prefix` soft tokens come first."""
        torch = require_package("torch", extra="full")
        with_images = image_moments(evidence, self.max_images)
        prefix = self.prefix_vectors(evidence) if self.use_projected else np.zeros((0, self.d_llm), np.float32)
        note = ""
        if len(prefix):
            kinds = sorted({k for m in evidence for k in m.projected})
            note = (f"Before this conversation you received {len(prefix)} embedding tokens: the "
                    f"{', '.join(kinds)} features of the moments, in the order listed.")
        content = [{"type": "image"} for _ in with_images]
        content.append({"type": "text", "text": user_prompt(question, evidence, with_images, note)})
        messages = [{"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
                    {"role": "user", "content": content}]
        text = self.processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        images = [decode_jpeg(jpeg) for jpeg in keyframes(evidence, with_images)]
        enc = self.processor(text=[text], images=images or None, return_tensors="pt")

        input_ids = enc["input_ids"].to(self.device)
        attention_mask = enc["attention_mask"].to(self.device)
        mm_types = enc.get("mm_token_type_ids")
        mm_types = (torch.zeros_like(input_ids) if mm_types is None else mm_types).to(self.device)
        with torch.no_grad():  # inference inputs; training builds its own graph through the projectors
            embeds = self.lm.get_input_embeddings()(input_ids)
        n = len(prefix)
        if n:
            pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
            soft = torch.from_numpy(prefix).to(self.device, embeds.dtype)[None]
            embeds = torch.cat([soft, embeds], dim=1)
            # The ids under the prefix are only placeholders for M-RoPE (text positions 0..n-1).
            input_ids = torch.cat([torch.full((1, n), pad_id, dtype=input_ids.dtype, device=self.device), input_ids], 1)
            attention_mask = torch.cat([torch.ones((1, n), dtype=attention_mask.dtype, device=self.device),
                                        attention_mask], 1)
            mm_types = torch.cat([torch.zeros((1, n), dtype=mm_types.dtype, device=self.device), mm_types], 1)
        inputs = {"input_ids": input_ids, "inputs_embeds": embeds, "attention_mask": attention_mask,
                  "mm_token_type_ids": mm_types, "n_prefix": n}
        if images:
            inputs["pixel_values"] = enc["pixel_values"].to(self.device, self.torch_dtype)
            inputs["image_grid_thw"] = enc["image_grid_thw"].to(self.device)
        return inputs

    def _generate_kwargs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        kwargs = {k: v for k, v in inputs.items() if k != "n_prefix"}
        kwargs["max_new_tokens"] = self.max_new_tokens
        kwargs["do_sample"] = self.temperature > 0
        if self.temperature > 0:
            kwargs["temperature"] = self.temperature
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)  # silence sampling defaults
        if self.tokenizer.pad_token_id is not None:
            kwargs["pad_token_id"] = self.tokenizer.pad_token_id
        return kwargs

    # ---- Reasoner -----------------------------------------------------------------------------

    def generate_ids(self, question: str, evidence: Sequence[Moment]) -> Any:
        """The generated token ids only (1, n_new); tests compare these with and without the prefix."""
        torch = require_package("torch", extra="full")
        inputs = self.build_inputs(question, evidence)
        with torch.inference_mode():
            out = self.lm.generate(**self._generate_kwargs(inputs))
        return out[:, inputs["input_ids"].shape[1]:]

    def answer(self, question: str, evidence: Sequence[Moment]) -> Answer:
        ids = self.generate_ids(question, evidence)
        text = self.tokenizer.decode(ids[0], skip_special_tokens=True)
        return make_answer(THINK_RE.sub("", text), evidence, self.name)

    def stream(self, question: str, evidence: Sequence[Moment]) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        torch = require_package("torch", extra="full")
        inputs = self.build_inputs(question, evidence)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
        kwargs = self._generate_kwargs(inputs)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    self.lm.generate(**kwargs, streamer=streamer)
            except BaseException as exc:  # surfaced in the caller's thread below
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        for chunk in streamer:
            if chunk:
                yield chunk
        thread.join()
        if errors:
            raise errors[0]
