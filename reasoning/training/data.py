"""Training pairs: grounded Q&A built from the knowledge base, and the original formats converted.

A pair is one JSON line:

    {"id": "freedoom_excerpt:pickup:6.000", "question": "What did I pick up at 00:06?",
     "answer": "At 00:06 you picked up some shotgun shells freedoom_excerpt@00:05.",
     "video": "freedoom_excerpt", "t": 6.0, "t_end": 7.543, "segment": 0, "window": [5.5, 8.043],
     "kind": "pickup", "source": "kb"}

`video`, `segment` and `window` let a trainer rebuild the evidence the reasoner would see at answer
time: the segment's text, its keyframe and its vectors, over the window that search would return
for that event (`retrieval.search`: opens LEAD_S before the event, at most MAX_WINDOW_S long). The
answer cites that window exactly as the prompt prints it (`video@MM:SS`), as the system prompt asks,
and states the event's own second in words. Pairs without a video (converted text-only data) train
with an empty evidence list.

From the knowledge base (`from_kb`), per ready video:
- every pickup: "What did I pick up at MM:SS?", and "When did I pick up the X?" when X is picked up
  only once in that video (otherwise the one segment in the prompt could not hold the whole answer);
- every HUD message read by OCR (pickups, secrets, other messages): "What did the HUD say at MM:SS?";
- every phrase said: "What did I say at MM:SS?" and "When did I say "..."?";
- damage, low health, deaths and secrets from the HUD series;
- the generic kinds any game has (kills, objectives, rounds, achievements: `KIND_TEMPLATES`) and every
  other kind a pack registers ("What happened at MM:SS?", answered with the kind's phrase from
  kb/kinds.py), so a library of any game yields pairs; events whose label is OCR junk are skipped;
- the HUD numbers (health, armor, ammo, a score...) at each segment's keyframe, when the samples
  around it agree (single-frame misreads are common), so the answer is in the keyframe and not the text;
- one "what happens between A and B?" per segment listing its events in order.

Converted (`read_pairs`): JSON lists or JSONL of `{"question", "answer"}` (the original project's
format; extra keys such as `video` and `t` are kept), and chat files whose records hold `messages`
(every user turn followed by an assistant turn becomes one pair; system turns are dropped).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from kb import kinds
from kb.errors import GamekbError
from kb.schema import saved_id
from kb.store import KnowledgeBase
from retrieval.search import LEAD_S, MAX_WINDOW_S
from retrieval.types import Moment, format_ts

HUD_NAMES = ("health", "armor", "ammo")  # asked about first, in this order; any other named series follows
PERCENT = ("health", "armor")  # shown as percentages on the status bars that have them
HUD_AGREE_S = 1.0  # HUD samples within this many seconds of the keyframe must agree on the value
RAW_COLUMNS = {"visual": "visual_vec", "temporal": "temporal_vec", "audio": "audio_vec"}  # modality -> LanceDB column


@dataclass
class Pair:
    question: str
    answer: str
    video: str | None = None  # the video's stem in the knowledge base; None for text-only pairs
    t: float | None = None  # when the thing asked about happens, seconds from the video's start
    t_end: float | None = None
    segment: int | None = None  # the segment's idx in that video (joins the LanceDB row)
    window: list[float] | None = None  # [start_s, end_s] of the evidence moment shown to the model
    kind: str = "qa"  # an event kind (kb/kinds.py), or hud_message, hud, describe, qa
    source: str = "kb"  # kb | qa (original {"question","answer"}) | messages (chat)
    id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        extra = d.pop("extra")
        return {**{k: v for k, v in d.items() if v is not None}, **extra}

    @property
    def grounded(self) -> bool:
        return self.video is not None and self.segment is not None

    def place(self) -> tuple[str, int]:
        """(video, segment idx) of a grounded pair."""
        if self.video is None or self.segment is None:
            raise GamekbError(f"pair {self.id or self.question!r} names no video segment (a text-only pair)")
        return self.video, int(self.segment)


KNOWN = {"question", "answer", "video", "t", "t_end", "segment", "window", "kind", "source", "id"}


def pair_from_dict(d: dict[str, Any], where: str) -> Pair:
    q, a = d.get("question"), d.get("answer")
    if not isinstance(q, str) or not isinstance(a, str) or not q.strip() or not a.strip():
        raise GamekbError(f"{where}: a pair needs non-empty string 'question' and 'answer'")
    t = d.get("t", d.get("timestamp"))
    seg = d.get("segment")
    return Pair(question=q.strip(), answer=a.strip(), video=d.get("video"),
                t=None if t is None else float(t), t_end=None if d.get("t_end") is None else float(d["t_end"]),
                segment=None if seg is None else int(seg),
                window=None if d.get("window") is None else [float(x) for x in d["window"]],
                kind=str(d.get("kind", "qa")), source=str(d.get("source", "qa")), id=str(d.get("id", "")),
                extra={k: v for k, v in d.items() if k not in KNOWN and k != "timestamp"})


# ---- converting files -----------------------------------------------------------------------

def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(c.get("text", "") for c in content if isinstance(c, dict) and c.get("type", "text") == "text")
    return ""


def pairs_from_messages(messages: Sequence[dict[str, Any]], where: str) -> list[Pair]:
    """Every user turn followed directly by an assistant turn is one pair."""
    out = []
    turns = [m for m in messages if isinstance(m, dict) and m.get("role") in ("user", "assistant")]
    for i, (u, a) in enumerate(zip(turns, turns[1:])):
        if u["role"] == "user" and a["role"] == "assistant":
            q, ans = _text_of(u.get("content")).strip(), _text_of(a.get("content")).strip()
            if q and ans:
                out.append(Pair(question=q, answer=ans, kind="qa", source="messages", id=f"{where}#{i}"))
    return out


def _records(path: Path) -> list[tuple[str, Any]]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):  # one JSON list
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GamekbError(f"{path} is not valid JSON: {exc}") from None
        return [(f"{path.name}[{i}]", d) for i, d in enumerate(data)]
    if stripped.startswith("{") and not path.suffix == ".jsonl":
        try:  # one JSON object: {"data": [...]} / {"pairs": [...]} / {"messages": [...]}
            data = json.loads(text)
            for key in ("data", "pairs", "examples"):
                if isinstance(data.get(key), list):
                    return [(f"{path.name}.{key}[{i}]", d) for i, d in enumerate(data[key])]
            return [(path.name, data)]
        except json.JSONDecodeError:
            pass  # JSON lines after all
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append((f"{path.name}:{n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise GamekbError(f"{path}:{n} is not valid JSON: {exc}") from None
    return out


def read_pairs(path: str | Path) -> list[Pair]:
    """Pairs from our JSONL, the original {"question","answer"} lists, or chat `messages` files."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise GamekbError(f"training data {path} does not exist")
    pairs: list[Pair] = []
    for where, record in _records(path):
        if not isinstance(record, dict):
            raise GamekbError(f"{where}: expected an object with question/answer or messages, found {type(record).__name__}")
        if "messages" in record:
            pairs.extend(pairs_from_messages(record["messages"], where))
        elif "question" in record:
            p = pair_from_dict(record, where)
            p.id = p.id or where
            pairs.append(p)
        else:
            raise GamekbError(f"{where}: expected keys question/answer or messages; found {', '.join(list(record)[:6])}")
    if not pairs:
        raise GamekbError(f"{path} holds no question/answer pairs")
    return pairs


def write_pairs(pairs: Iterable[Pair], path: str | Path) -> int:
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def data_hash(pairs: Sequence[Pair]) -> str:
    """sha256 over the pairs' content (not the file's bytes): recorded with every checkpoint."""
    h = hashlib.sha256()
    for p in pairs:
        h.update(json.dumps(p.to_json(), sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


# ---- pairs from the knowledge base --------------------------------------------------------

def event_window(t0: float, t1: float, seg_start: float) -> list[float]:
    """The window search returns for an event (retrieval.search._moments), so the prompt matches ask's."""
    start = round(max(seg_start - LEAD_S, t0 - LEAD_S, 0.0), 2)
    return [start, round(min(start + MAX_WINDOW_S, max(t1, t0) + LEAD_S), 2)]


def _cite(video: str, window: Sequence[float]) -> str:
    return f"{video}@{format_ts(window[0])}"


def _hud_values(samples: Sequence[Any], t: float) -> dict[str, float]:
    """HUD values at time t when every sample within HUD_AGREE_S agrees (misreads are common).
    Series named by where they sit ("hud@0.85,0.05", the generic path's unknown numbers) are left
    out: a question cannot name them."""
    names = [*HUD_NAMES, *sorted({s.name for s in samples if s.name not in HUD_NAMES and "@" not in s.name})]
    out = {}
    for name in names:
        near = [s.value for s in samples if s.name == name and abs(s.t - t) <= HUD_AGREE_S]
        if len(near) >= 2 and len(set(near)) == 1:
            out[name] = near[0]
    return out


# Questions for the generic kinds that have no template of their own in `_video_pairs`: (question,
# answer), with {at} the event's time, {label} its label and {said} its kind's phrase (kb/kinds.py).
# Any other kind (a pack's) gets FALLBACK_TEMPLATE.
KIND_TEMPLATES = {
    "kill": ("Was anyone killed around {at}?", "Yes: at {at} there was a kill: {label}"),
    "objective": ("Did I complete an objective around {at}?", "At {at}: {said}"),
    "round": ("Did a round or level start or end around {at}?", "At {at}: {said}"),
    "achievement": ("Did I get an achievement around {at}?", "Yes: at {at}, {said}"),
    "locked": ("Did I hit a locked door around {at}?", "Yes: at {at} {said}"),
    "text": ("What did the screen say at {at}?", "At {at} {said}"),
}
FALLBACK_TEMPLATE = ("What happened at {at}?", "At {at} {said}")
# Kinds with questions of their own, written out in `_video_pairs`.
TEMPLATED = frozenset({"pickup", "speech", "damage", "low_health", "death", "secret"})
# Kinds asked about in no pair of their own: scene cuts and entity tracks come by the hundred, and
# every HUD number change is covered by the status-bar pairs.
NOT_ASKED = frozenset({"scene", "appear", "disappear", "hud"})
PUNCTUATION = set(":.,'!?-%/()#")  # what game messages hold besides letters and digits


def _plausible(kind: str, label: str) -> bool:
    """A label a question can be about. The generic path types events from screen text, and OCR of
    a busy frame reads junk ("x7 |"): a label needs three letters or digits and little else, and a
    `text` event (the text itself, with nothing to vouch for it) a word of three letters."""
    chars = label.replace(" ", "")
    if sum(c.isalnum() for c in chars) < 3 or sum(c.isalnum() or c in PUNCTUATION for c in chars) < 0.8 * len(chars):
        return False
    return kind != "text" or re.search(r"[^\W\d_]{3}", label) is not None


def _label(e: Any) -> str:
    return e.label.strip().replace(" -> ", " to ").replace("->", "to")


def from_kb(kb: KnowledgeBase, videos: Sequence[str] | None = None) -> list[Pair]:
    """Grounded Q&A pairs for every ready video (or the named ones), in video and time order."""
    ids = kb.ready_ids(videos) if videos else None
    by_video: dict[int, list[Any]] = {}
    names: dict[int, str] = {}
    for e, v in kb.events(ids):
        by_video.setdefault(saved_id(v), []).append(e)
        names[saved_id(v)] = v.name
    for v in kb.videos(status="ready"):
        if ids is None or v.id in ids:
            names.setdefault(saved_id(v), v.name)
            by_video.setdefault(saved_id(v), [])
    pairs: list[Pair] = []
    for vid in sorted(by_video, key=lambda i: names[i]):
        segs = {r["idx"]: r for r in kb.segments.rows(f"video_id = {int(vid)}",
                                                         columns=["idx", "start_s", "end_s", "keyframe_s"])}
        pairs.extend(_video_pairs(names[vid], by_video[vid], segs, kb.states(vid)))
    return pairs


def _video_pairs(video: str, events: Sequence[Any], segs: dict[int, dict], states: Sequence[Any]) -> list[Pair]:
    out: list[Pair] = []
    pickups = Counter(e.label for e in events if e.kind == "pickup")

    others: dict[tuple[str, str], list[Any]] = {}  # (templated kind or "", MM:SS) -> its events

    def add(e, kind: str, question: str, answer_body: str, t_end: float | None = None) -> None:
        seg = segs.get(e.segment_idx)
        if seg is None:
            return
        t_end = e.t_end if t_end is None else t_end
        window = event_window(e.t_start, t_end, seg["start_s"])
        out.append(Pair(question=question, answer=f"{answer_body} {_cite(video, window)}.", video=video,
                        t=round(e.t_start, 3), t_end=round(t_end, 3), segment=int(e.segment_idx), window=window,
                        kind=kind, source="kb", id=f"{video}:{kind}:{e.t_start:.3f}:{len(out)}"))

    for e in events:
        at = format_ts(e.t_start)
        hud_text = (e.payload or {}).get("text") if e.source == "ocr" else None
        if e.kind == "pickup":
            add(e, "pickup", f"What did I pick up at {at}?", f"At {at} you picked up the {e.label}")
            if pickups[e.label] == 1:
                add(e, "pickup", f"When did I pick up the {e.label}?", f"You picked up the {e.label} at {at}")
        elif e.kind == "speech":
            add(e, "speech", f"What did I say at {at}?", f'At {at} you said "{e.label.strip()}"')
            add(e, "speech", f'When did I say "{e.label.strip().rstrip(".!?")}"?', f"You said it at {at}")
        elif e.kind == "damage":
            add(e, "damage", f"Did I take damage around {at}?",
                f"Yes: at {at} you took damage, {e.label.replace('->', 'to')}")
        elif e.kind == "low_health":
            add(e, "low_health", f"When was my health low around {at}?", f"At {at} your {e.label}")
        elif e.kind == "death":
            add(e, "death", f"Did I die around {at}?", f"Yes: you died at {at}, your health reached 0")
        elif e.kind == "secret":
            add(e, "secret", f"Did I find a secret around {at}?", f"Yes: you found a secret at {at}")
        if hud_text or (e.kind == "text" and e.source == "ocr"):
            add(e, "hud_message", f"What did the HUD message say at {at}?",
                f'At {at} the HUD said "{(hud_text or e.label).strip()}"')
        elif e.kind not in TEMPLATED and e.kind not in NOT_ASKED and _plausible(e.kind, e.label):
            others.setdefault((e.kind if e.kind in KIND_TEMPLATES else "", at), []).append(e)
    # the other kinds: one pair per question (a kill feed shows several kills in a second, and one
    # question must not get two different answers)
    for (kind, at), evs in others.items():
        question, answer = KIND_TEMPLATES.get(kind, FALLBACK_TEMPLATE)
        add(evs[0], evs[0].kind, question.format(at=at),
            answer.format(at=at, label="; ".join(_label(e) for e in evs),
                          said="; ".join(kinds.phrase(e.kind, _label(e)) for e in evs)),
            t_end=max(e.t_end for e in evs))

    by_seg: dict[int, list[Any]] = {}
    for e in events:
        if e.segment_idx is not None and e.kind not in ("scene", "appear"):
            by_seg.setdefault(e.segment_idx, []).append(e)
    for idx, seg in sorted(segs.items()):
        window = [round(seg["start_s"], 2), round(min(seg["end_s"], seg["start_s"] + MAX_WINDOW_S), 2)]
        cite = _cite(video, window)
        a, b = format_ts(window[0]), format_ts(window[1])
        evs = sorted(by_seg.get(idx, []), key=lambda e: e.t_start)
        if evs:
            told = "; ".join(f"at {format_ts(e.t_start)} {_describe(e)}" for e in evs)
            out.append(Pair(question=f"What happens between {a} and {b}?", answer=f"{told[0].upper()}{told[1:]} {cite}.",
                            video=video, t=round(evs[0].t_start, 3), t_end=round(evs[-1].t_end, 3), segment=int(idx),
                            window=window, kind="describe", source="kb", id=f"{video}:describe:{idx}"))
        kt = float(seg["keyframe_s"])
        values = _hud_values(states, kt)
        if values:
            at = format_ts(kt)
            kw = [max(seg["start_s"], kt - LEAD_S), min(seg["end_s"], kt + LEAD_S)]
            kw = [round(x, 2) for x in kw]
            told = ", ".join(f"{name} {v:g}" + ("%" if name in PERCENT else "") for name, v in values.items())
            out.append(Pair(question=f"What did the status bar show at {at}?", answer=f"At {at} the status bar showed {told} "
                            f"{_cite(video, kw)}.", video=video, t=round(kt, 3), t_end=round(kt, 3), segment=int(idx),
                            window=kw, kind="hud", source="kb", id=f"{video}:hud:{idx}",
                            extra={"values": values}))
    return out


def _describe(e: Any) -> str:
    """The event as an answer says it: its kind's phrase (kb/kinds.py), as the extractive reasoner
    words it, so the model learns the library's own wording."""
    return kinds.phrase(e.kind, _label(e))


# ---- evidence for a pair --------------------------------------------------------------------

class EvidenceSource:
    """Rebuilds, for a grounded pair, the evidence moment the reasoner sees at answer time.

    Reads the pair's segment row from LanceDB once (text, keyframe JPEG, stored projected vectors
    and the raw encoder vectors) and caches it.
    """

    def __init__(self, kb: KnowledgeBase | None):
        self.kb = kb
        self._rows: dict[tuple[str, int], dict[str, Any]] = {}
        self._videos = {v.name: v for v in kb.videos(status="ready")} if kb is not None else {}
        manifest = (kb.segments.manifest() or {}) if kb is not None else {}
        self.proj_columns = sorted(c for c in manifest if c.startswith("proj_"))
        self.raw_dims = {m: int(manifest[c]["dim"]) for m, c in RAW_COLUMNS.items() if c in manifest}

    def row(self, pair: Pair) -> dict[str, Any]:
        name, segment = pair.place()
        key = (name, segment)
        if key not in self._rows:
            video = self._videos.get(name)
            if video is None or self.kb is None:  # without a knowledge base there are no videos
                where = "no knowledge base was given (pass --home)" if self.kb is None else \
                    f"the knowledge base has: {', '.join(sorted(self._videos)[:10]) or 'no ready videos'}"
                raise GamekbError(f"pair {pair.id or pair.question!r} is about video {pair.video!r}, which is not "
                                  f"ready in the knowledge base; {where}")
            cols = ["start_s", "end_s", "keyframe_s", "text", "keyframe", *self.proj_columns,
                    *[RAW_COLUMNS[m] for m in self.raw_dims]]
            rows = self.kb.segments.rows(f"video_id = {saved_id(video)} AND idx = {segment}", columns=cols, limit=1)
            if not rows:
                raise GamekbError(f"pair {pair.id!r}: video {pair.video} has no segment {pair.segment}; "
                                  "the data was built from another ingest of it: rebuild it with gamekb train data")
            self._rows[key] = rows[0]
        return self._rows[key]

    def moments(self, pair: Pair, text: bool = True, keyframe: bool = True, projected: bool = True) -> list[Moment]:
        """The pair's evidence: one moment over its window, or none for a text-only pair."""
        if not pair.grounded:
            return []
        row = self.row(pair)
        name, segment = pair.place()
        video = self._videos[name]
        start, end = pair.window or [row["start_s"], min(row["end_s"], row["start_s"] + MAX_WINDOW_S)]
        proj = {c[len("proj_"):]: np.asarray(row[c], dtype=np.float16) for c in self.proj_columns
                if projected and row.get(c) is not None}
        return [Moment(video=name, video_path=video.path, video_id=saved_id(video), segment_id=segment,
                       start_s=float(start), end_s=float(end), score=1.0, text=row["text"] if text else "",
                       keyframe=row.get("keyframe") if keyframe else None, keyframe_t=row.get("keyframe_s"),
                       projected=proj)]

    def raw_vectors(self, pair: Pair, modalities: Sequence[str]) -> dict[str, np.ndarray]:
        """The segment's encoder vectors (what the projectors take), modality -> (d_in,) float32."""
        row = self.row(pair)
        out = {}
        for m in modalities:
            v = row.get(RAW_COLUMNS[m])
            if v is None:
                raise GamekbError(f"segment {pair.segment} of {pair.video} has no {m} vector")
            out[m] = np.asarray(v, dtype=np.float32)
        return out


# ---- what `gamekb train data` and the trainers call ------------------------------------------

def build(kb: KnowledgeBase | None, videos: Sequence[str] | None = None,
          inputs: Sequence[str | Path] = ()) -> list[Pair]:
    """Pairs from the knowledge base (when given) followed by the converted `inputs` files."""
    pairs = from_kb(kb, videos) if kb is not None else []
    for path in inputs:
        pairs.extend(read_pairs(path))
    return pairs


def summary(pairs: Sequence[Pair]) -> dict[str, Any]:
    return {"pairs": len(pairs), "grounded": sum(p.grounded for p in pairs),
            "kinds": dict(sorted(Counter(p.kind for p in pairs).items())),
            "videos": sorted({p.video for p in pairs if p.video})}


def load_for_training(data: str | Path, home: str | Path | None) -> tuple[list[Pair], EvidenceSource]:
    """The pairs of a data file and the evidence source of the knowledge base they point into
    (opened only when some pair is tied to a video)."""
    pairs = read_pairs(data)
    kb = KnowledgeBase.open(home) if any(p.grounded for p in pairs) else None
    return pairs, EvidenceSource(kb)
