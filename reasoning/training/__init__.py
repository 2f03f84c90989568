"""Training: grounded Q&A data from the knowledge base, LoRA fine-tuning and projector alignment.

The original research project trained its LoRA on text-only pairs with the loss over prompt and
padding alike, and its projectors on targets that restated their own input text, so the projected
vectors could be ignored (issue 6). Here:

- `data`       the knowledge base -> Q&A pairs that carry video, time and segment, so a trainer can
               put that segment's evidence and keyframe in the prompt; old formats convert;
- `batches`    one pair -> the exact inputs the qwen3-vl reasoner builds at answer time, plus the
               answer tokens, with labels -100 everywhere but on the answer;
- `lora`       peft LoRA on the LLM's attention, eval split, checkpoints with metadata, resume;
- `projectors` the LLM frozen, gradients only through the ProjectorBank, on prompts whose text
               does not hold the answer, with an ablation of the prefix.

Nothing here imports torch at module level.
"""
