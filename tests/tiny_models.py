"""Tiny random-weight models built from configs at test time (CPU, no downloads), saved as local
model folders that the real backends load by path. Shared by the full-profile tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

D_LLM = 32  # the tiny Qwen3-VL's hidden size: projectors map into this

QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                 "<|image_pad|>", "<|video_pad|>", "[UNK]"]
QWEN_WORDS = ("a the enemy door key red blue card health pack picked up at in is was player where did "
              "answer evidence moments question image system user assistant e1m1@00:10 e1m1@00:20 e1m2@01:05").split()
# A Qwen-style template reduced to what the tiny word-level tokenizer can split on whitespace.
QWEN_TEMPLATE = (
    "{% for message in messages %}<|im_start|> {{ message['role'] }} "
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'image' %}<|vision_start|> <|image_pad|> <|vision_end|> "
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %} <|im_end|> {% endfor %}"
    "{% if add_generation_prompt %}<|im_start|> assistant {% endif %}")


def word_tokenizer(words: list[str], specials: list[str], **kwargs):
    """A tiny WordLevel tokenizer, built here so no tokenizer is ever downloaded."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(dict.fromkeys(specials + words))}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tk.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    return PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", **kwargs)


def frames(n: int, h: int = 48, w: int = 64, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def siglip(path: Path) -> Path:
    from transformers import SiglipConfig, SiglipModel
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    return _save_siglip(path, SiglipConfig, SiglipModel, SiglipImageProcessorPil(size={"height": 28, "width": 28}),
                        dict(image_size=28, patch_size=14), "a the enemy door key red card health pack")


def siglip2_naflex(path: Path) -> Path:
    """A NaFlex SigLIP2 checkpoint (model_type "siglip2"): variable patch grids with an integer
    patch mask and spatial shapes beside the pixels."""
    from transformers import Siglip2Config, Siglip2Model
    from transformers.models.siglip2.image_processing_pil_siglip2 import Siglip2ImageProcessorPil

    return _save_siglip(path, Siglip2Config, Siglip2Model, Siglip2ImageProcessorPil(patch_size=8, max_num_patches=16),
                        dict(patch_size=8, num_patches=16), "a the enemy")


def _save_siglip(path: Path, config_cls, model_cls, processor, vision: dict, words: str) -> Path:
    """The SigLIP family at 32-d: the same tiny text tower and tokenizer, the caller's vision layout."""
    import torch

    tok = word_tokenizer(words.split(), ["[PAD]", "[UNK]", "</s>"], pad_token="[PAD]", eos_token="</s>")
    cfg = config_cls(
        text_config=dict(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=16, projection_size=32),
        vision_config=dict(vision, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2))
    torch.manual_seed(0)
    model_cls(cfg).save_pretrained(path)
    processor.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def videomae(path: Path) -> Path:
    import torch
    from transformers import VideoMAEConfig, VideoMAEModel
    from transformers.models.videomae.image_processing_pil_videomae import VideoMAEImageProcessorPil

    cfg = VideoMAEConfig(image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32,
                         intermediate_size=64, num_hidden_layers=1, num_attention_heads=2)
    torch.manual_seed(0)
    VideoMAEModel(cfg).save_pretrained(path)
    VideoMAEImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(path)
    return path


def wav2vec2(path: Path, attention_mask: bool = False) -> Path:
    import torch
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    cfg = Wav2Vec2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                         conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=16,
                         num_conv_pos_embedding_groups=2, vocab_size=8)
    torch.manual_seed(0)
    Wav2Vec2Model(cfg).save_pretrained(path)
    Wav2Vec2FeatureExtractor(return_attention_mask=attention_mask).save_pretrained(path)
    return path


def sam3(path: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Sam3Config, Sam3Model

    words = ["[PAD]", "[UNK]", "enemy", "health", "pack", "key", "card"]
    tk = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", pad_token="[PAD]").save_pretrained(path)
    g = 4  # a 4x4 patch grid: 56x56 input
    cfg = Sam3Config(
        vision_config=dict(backbone_config=dict(model_type="sam3_vit_model", hidden_size=32, intermediate_size=64,
                                                num_hidden_layers=2, num_attention_heads=2, image_size=14 * g,
                                                patch_size=14, window_size=2, global_attn_indexes=[1],
                                                pretrain_image_size=14 * g),
                           fpn_hidden_size=32, backbone_feature_sizes=[[4 * g, 4 * g], [2 * g, 2 * g], [g, g]]),
        text_config=dict(vocab_size=len(words), hidden_size=32, intermediate_size=64, projection_dim=32,
                         num_hidden_layers=1, num_attention_heads=2, max_position_embeddings=32,
                         bos_token_id=None, eos_token_id=1, pad_token_id=0),
        geometry_encoder_config=dict(hidden_size=32, num_layers=1, num_attention_heads=2, intermediate_size=64),
        detr_encoder_config=dict(hidden_size=32, num_layers=1, num_attention_heads=2, intermediate_size=64),
        detr_decoder_config=dict(hidden_size=32, num_layers=1, num_queries=10, num_attention_heads=2,
                                 intermediate_size=64),
        mask_decoder_config=dict(hidden_size=32, num_attention_heads=2))
    torch.manual_seed(0)
    Sam3Model(cfg).save_pretrained(path)
    return path


def qwen3vl(path: Path) -> Path:
    """A ~120k-parameter Qwen3-VL with its processor and chat template."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen3VLConfig, Qwen3VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from reasoning.qwen3vl import load_processor

    vocab = {w: i for i, w in enumerate(QWEN_SPECIALS + QWEN_WORDS)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tk.decoder = decoders.WordPiece(prefix="##")
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", eos_token="<|im_end|>",
                                  pad_token="<|endoftext|>", additional_special_tokens=QWEN_SPECIALS[:7])
    cfg = Qwen3VLConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=D_LLM, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, head_dim=16, max_position_embeddings=1024,
                         # mrope_section must sum to head_dim / 2
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3],
                                          "mrope_interleaved": True},
                         eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<|endoftext|>"],
                         initializer_range=0.3),  # wide enough that random weights do not collapse to one token
        vision_config=dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, patch_size=14,
                           temporal_patch_size=2, spatial_merge_size=2, out_hidden_size=D_LLM,
                           num_position_embeddings=16, deepstack_visual_indexes=[0]),
        image_token_id=vocab["<|image_pad|>"], video_token_id=vocab["<|video_pad|>"],
        vision_start_token_id=vocab["<|vision_start|>"], vision_end_token_id=vocab["<|vision_end|>"])
    torch.manual_seed(0)
    model = Qwen3VLForConditionalGeneration(cfg)
    model.generation_config.eos_token_id = None  # random weights: always generate max_new_tokens
    model.save_pretrained(path)
    tok.chat_template = QWEN_TEMPLATE
    tok.save_pretrained(path)
    Qwen2VLImageProcessorPil(size={"shortest_edge": 28 * 28, "longest_edge": 56 * 56}, patch_size=14,
                             temporal_patch_size=2, merge_size=2).save_pretrained(path)
    (path / "chat_template.jinja").write_text(QWEN_TEMPLATE)
    load_processor(str(path))  # the processor we ship loads from what we saved
    return path
