"""Evidence for ask/chat: the moments that answer a question, read the way a player means it.

- most questions: the best matching moments, from every matching video when the question is about
  the whole library ("in each video");
- a count or a list ("how many times did I die?", "which weapons did I find?"): every match;
- a value ("how much health did I have when I got the minigun?"): the matching moment with the HUD
  value stored for it (state samples), or the value's course over each video when no moment is named;
- what was said at a moment ("what did I say when I got the minigun?"): the speech around it.

When nothing matches, the few closest moments come back marked `closest` (retrieval.search).
Keyframes and projected vectors are attached for reasoners that use them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Sequence

import numpy as np

from kb import kinds
from kb.models.vocabulary import vocabulary
from kb.schema import clock_series, saved_id, unlabelled_series
from kb.store import KnowledgeBase
from retrieval.obituaries import KINDS as OBITUARY_KINDS
from retrieval.obituaries import killer_of, owner_phrase, read_as, same_name, victim_of, weapon_of
from retrieval.query import EDGE_NOUNS, HUD_WORDS, LIGHT_WORDS, NOT_A_NAME, RANK_WORDS, WHEN_IN_VIDEO, Query, parse, words
from retrieval.search import LEAD_S, MAX_WINDOW_S, Filters, asked_ids, match_score, named, named_videos, said, search, stems_of
from retrieval.types import COUNTER_CHANGE, Matched, Moment, StateValue, format_clock, format_ts

PER_VIDEO = 2  # moments per video for a cross-video question
MAX_RANK = 99  # a place in a race or a match: more would be a misread ("3132": two digits read twice)
PLAYER = {"", "player", "you", "your", "i"}  # a death line naming one of these is the player's
SAME_DEATH_S = 3.0  # two lines naming the same one killed this close together tell of one death
EDGE_S = 5.0  # "at the end": what happened around this long before the end (the anchor's window, retrieval.query)
MAX_EDGE_VIDEOS = 10  # "what happened at the end?" with no video named: answered per video up to this many
# the words of "how did the match end?", "the final moments": when, not what
EDGE_WORDS = WHEN_IN_VIDEO | {"moment", "moments", "second", "seconds", "minute", "minutes", "finish", "opening",
                              "closing", "very", "begin"} | set(EDGE_NOUNS)
MAX_LISTED = 50  # moments a count or a list question gathers
STATE_NEAR_S = 5.0  # a HUD sample further than this from the moment says nothing about it
SPEECH_BEFORE_S, SPEECH_AFTER_S = 3.0, 10.0  # "what did I say when ...": speech this close to the moment


def gather(kb: KnowledgeBase, question: str, limit: int = 6, filters: Filters | None = None,
           with_media: bool = False) -> list[Moment]:
    q, f = named_videos(kb, parse(question), filters or Filters())
    if not q.victim and not q.killer and (one := _victim_by_phrase(kb, q, f)):
        q = replace(q, victim=one)  # "who core dumped Linux?": the kill feed's own words
    names = kb.state_names() if q.asks_value else []
    values = named(q.words, names)
    fallback = _unlabelled(q, names)
    if fallback and not values and _worded(kb, q, f):
        fallback = []  # "what place did I finish in?" where the screen writes it: "1st place with 10"
    tally = _obituary_kind(q)
    # "what place did I finish in?", "who died at the end?": the last of the matches (a value's
    # course picks its own sample, `_roles`; the edge's words alone are what happened there, `_at_edge`)
    edge_pick = None if q.ordinal or q.count or values or fallback else (
        "last" if q.edge == "end" else "first" if q.edge else None)
    at_edge = False
    if q.relative and not (values or fallback) and (around := _around(kb, q, f, limit)) is not None:
        return around
    if values or fallback:
        moments = _with_state(kb, q, f, values or fallback, limit, fallback)
    elif q.killer and (by := _kills_by(kb, q, f)) is not None:
        moments = by
    elif (armed := _weapons(kb, q, f)) is not None:
        moments = armed
    elif q.victim and (killed := _killed(kb, q, f)) is not None:
        moments = killed
    elif tally and not q.killer and not q.victim:  # none in a game whose screen shows no kill feed: nothing matches
        # (a name no line gives, "how many kills did marseilles get?", is not every kill: it is searched for)
        moments = _obituaries(kb, q, f, tally)  # "You fragged Grism": the followed player's kill (Moment.you)
    elif q.rank_move and (moved := _rank_moved(kb, q, f)):
        moments = moved
    elif q.extreme and (numbers := _biggest_number(kb, q, f)):
        moments = numbers
    elif q.edge and not [w for w in q.words if w not in EDGE_WORDS] and (edge := _edge_said(kb, q, f) or _at_edge(kb, q, f, limit)):
        moments, at_edge = edge, True
    elif q.count and (numbered := _numbered_count(kb, q, f)):
        moments = numbered
    elif q.length and (lengths := _lengths(kb, q, f)):
        moments = lengths
    elif q.which_game and (games := _games(kb, q, f)):
        moments = games
    elif q.summary and not q.words and (told := _summary(kb, q, f, everything=bool(q.ordinal))):
        moments = told
    else:
        # "what did I say?": all of it; "what happened between 0:30 and 1:00?": all of that stretch
        everything = q.count or q.listing or q.ordinal or edge_pick or (q.speech and not q.words) or q.span
        moments = _in_numbered(kb, q, f, MAX_LISTED if everything else limit) or \
            _my_words(kb, q, f, MAX_LISTED if everything else limit) or \
            _matching(kb, q, f, MAX_LISTED if everything else limit)
        if not any(not m.closest for m in moments):
            moments = _counter_reached(kb, q, f) or _numbered_start(kb, q, f) or moments
        if q.count or q.listing:
            moments = _did_it(_of_kind(_of_noun(kb, q, moments), q.noun), q)
            if q.first_person:
                moments = _mine(moments)
        if q.speech and q.words and moments and not any(m.closest or (m.matched and said(m.matched[0]))
                                                         for m in moments):
            moments = _speech_around(kb, moments) + moments
        if _asks_winner(q) and (standing := _final_standing(kb, q, f, moments)):
            moments = [m for m in moments if not m.closest] + standing
    if edge_pick and not at_edge:
        moments = _ordinal(_of_kind(moments, q.noun), edge_pick)
    if q.ordinal:
        moments = _ordinal(_of_kind(moments, q.noun), q.ordinal)
    if _WHO.match(q.text):
        _read_with(kb, q, moments)
    if not any(not m.closest for m in moments) and (followed := _as_followed(kb, q, f, question)) is not None:
        asked, in_videos, name = followed
        if found := [m for m in gather(kb, asked, limit, in_videos) if not m.closest]:
            for m in found:
                m.you = m.you or name  # "you picked up Armor (the player on screen: Sarge)"
            moments = found
    if with_media:
        attach_media(kb, moments)
    return moments


def _as_followed(kb: KnowledgeBase, q: Query, f: Filters, question: str) -> tuple[str, Filters, str] | None:
    """"what place did Sarge finish in?", "when did Sarge pick up armor?" where nothing names Sarge:
    in a video whose view follows Sarge (its "You fragged X" lines are his kills, `_you`), what the
    screen tells the one it follows (a place, a pickup, health) is his. The question asked in the
    first person there, the videos that follow him, and his name as they write it; None when no video follows the one named
    (or the question is about a kill, a death or what was said: those name whom they are about)."""
    if q.first_person or q.killer or q.victim or q.most or q.speech or q.chat or len(q.names) != 1:
        return None
    name = q.names[0]
    you = _followed_players(kb, q, f)
    followed = [video_id for video_id, who in you.items() if same_name(who, name)]
    if not followed or not re.search(rf"\b{re.escape(name)}\b", question, re.I):
        return None
    videos = [v.name for v in kb.videos(status="ready") if saved_id(v) in followed]
    return re.sub(rf"\b{re.escape(name)}\b", "I", question, flags=re.I), replace(f, videos=videos), you[followed[0]]


_WHO = re.compile(r"^\s*who\b", re.I)
WITH_BEFORE_S, WITH_AFTER_S = 1.0, 2.0  # text read this close to a line is shown with it


def _read_with(kb: KnowledgeBase, q: Query, moments: list[Moment]) -> None:
    """"who won the round?": a match whose line names no one ("Winner:", the name drawn apart from it,
    read as a line of its own) gets the text the screen read with it, so the answer can say who."""
    for m in moments:
        if m.closest or not m.matched or m.nearby:
            continue
        hit = m.matched[0]
        own = [w for w in re.findall(r"[^\W_]*[^\W\d_]{3,}[^\W_]*", hit.label.lower()) if match_score(q.words, w) == 0.0]
        if own or said(hit):
            continue  # it names someone, or someone said it
        m.nearby = [Matched(t=e.t_start, source=e.source, kind=e.kind, label=e.label)
                    for e, _v in kb.events([m.video_id], ["text", "chat"], hit.t - WITH_BEFORE_S, hit.t + WITH_AFTER_S)
                    if e.label != hit.label and e.t_start >= hit.t - WITH_BEFORE_S]


# what a numbered thing itself does ("when did round 2 start?"): not something to find within it
START_WORDS = {"start", "started", "starts", "starting", "begin", "began", "begun", "begins"}
SPAN_WORDS = START_WORDS | {"end", "ended", "ends", "finish", "finished", "over", "complete", "completed"}


def _in_numbered(kb: KnowledgeBase, q: Query, f: Filters, limit: int) -> list[Moment]:
    """"who won round 2?", "who died in lap 3?": the matches of the other words between the moment
    the screen said round 2 began and the moment it said round 3 did (or the video's end). Empty
    when the question names no numbered thing with something to find in it, or no video said it."""
    numbered = q.numbered
    if len(numbered) != 1:
        return []
    word, n = numbered[0][0], int(numbered[0][1])
    rest = [w for w in q.words if w not in (word, str(n))]
    if not [w for w in rest if w not in LIGHT_WORDS and w not in SPAN_WORDS]:
        return []
    out: list[Moment] = []
    inner = replace(q, words=rest, pairs=[p for p in q.pairs if word not in p and str(n) not in p])
    for numbers in _numbers_said(kb, asked_ids(kb, q, f), word, f)[0].values():
        if n not in numbers:
            continue
        start = numbers[n]
        lo = start.at_s
        hi = min((m.at_s for k, m in numbers.items() if k > n and m.at_s > lo), default=1e12)
        found = _matching(kb, inner, replace(f, videos=[start.video], t_from=lo, t_to=hi), limit)
        out.extend(m for m in found if not m.closest and lo <= m.at_s < hi)
    return out


def _numbered_start(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"when did round 3 start?" where the line that said so read its number as a letter ("Go (round a
    of 30)!"): that line, numbered by where it falls among the others (`_number_misread`)."""
    if len(q.numbered) != 1:
        return []
    word, n = q.numbered[0][0], int(q.numbered[0][1])
    if [w for w in q.words if w not in (word, str(n)) and w not in LIGHT_WORDS and w not in SPAN_WORDS]:
        return []  # "who won round 3?": something asked in it, not when it began
    if not SPAN_WORDS.isdisjoint(q.words) and not START_WORDS & set(q.words):
        return []  # "when did round 3 end?"
    return [numbers[n] for numbers in _numbers_said(kb, asked_ids(kb, q, f), word, f)[0].values() if n in numbers]


def _numbers_said(kb: KnowledgeBase, ids: Sequence[int] | None, word: str, f: Filters) -> tuple[dict[int, dict[int, Moment]], set[int]]:
    """Per video, the numbers lines on screen gave `word` ("round"): each number's first line ("Go
    (round 2 of 30)!"), and the lines whose number was read as a letter, numbered by where they fall
    (`_number_misread`); and the videos whose screen or speech says the word at all."""
    numbers: dict[int, dict[int, Moment]] = defaultdict(dict)  # video -> number -> the first moment to say it
    misread: dict[int, list[Moment]] = defaultdict(list)  # video -> lines whose number was read as a letter
    saying: set[int] = set()
    for e, v in kb.events(ids, None, f.t_from, f.t_to, text=word):
        if e.kind == "hud" or not _says_word(e.label, word):
            continue
        saying.add(e.video_id)
        if e.kind == "speech":
            continue
        # (not over a message's other line: "New fastest lap / 00:32.717 by Pidgin" is no lap 0)
        for m in re.finditer(rf"(?<![^\W\d_]){word}s?[^\w/]{{0,3}}(\d{{1,3}})\b", e.label, re.I):
            n = int(m.group(1))
            if n not in numbers[e.video_id] or e.t_start < numbers[e.video_id][n].at_s:
                numbers[e.video_id][n] = _event_moment(e, v)
        if re.search(rf"\b{word}\W{{0,3}}[A-Za-z]\s+of\b", e.label, re.I):
            misread[e.video_id].append(_event_moment(e, v))  # "Go (round L of 30)!": a small font's 1
    for video_id, lines in misread.items():
        _number_misread(numbers[video_id], sorted(lines, key=lambda m: m.at_s))
    return numbers, saying


# what a counter on screen counts, said in a question ("when did lap 2 start?", "at the start of turn 6")
SEQUENCE_WORDS = {"lap", "turn", "round", "wave", "level", "stage", "heat", "leg", "set", "inning", "period",
                  "quarter", "day", "week", "chapter", "mission", "race", "game", "match"}


def _counter_reached(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"when did lap 2 start?", "turn 6": where no line on screen says "Lap 2", the moment a counter on
    the HUD ("1/3") went to 2 ("top-right 1/3 -> 2/3"), the first time in each video whose screen or
    speech says the word. Empty when the question names no numbered thing a counter counts, or no
    counter reached it."""
    numbered = q.numbered
    if len(numbered) != 1 or numbered[0][0] not in SEQUENCE_WORDS | {w + "s" for w in SEQUENCE_WORDS}:
        return []
    n = int(numbered[0][1])
    ids = asked_ids(kb, q, f)
    word = numbered[0][0].removesuffix("s") if numbered[0][0] not in SEQUENCE_WORDS else numbered[0][0]
    # (a counter says not what it counts: a race's lap counter is no round, in a video that never says
    # "round"; where no video says the word, one that names nothing it counts may count it: Wesnoth's
    # turns "4/8 -> 5/8", with no "turn" on screen)
    named = _saying(kb, ids, word, f) or _naming_nothing(kb, ids, f)
    found = []
    for _name, changes in _counting_up(kb, named, f).values():
        found += [_event_moment(e, v) for e, v in changes if _step(e.label)[1] == n][:1]
    return found


# the numbered things a counter on the HUD may count ("game", "race", "set", "day" are said of much else)
COUNTED_WORDS = ("lap", "turn", "round", "wave", "level", "stage", "heat", "leg", "inning", "period", "quarter",
                 "chapter", "mission")


def _naming_nothing(kb: KnowledgeBase, ids: Sequence[int] | None, f: Filters) -> set[int]:
    """The videos (of `ids`) whose screen and speech say none of the things a counter counts."""
    chosen = {saved_id(v) for v in kb.videos(status="ready")} if ids is None else set(ids)
    for word in COUNTED_WORDS:
        chosen -= _numbers_said(kb, sorted(chosen), word, f)[1]
        if not chosen:
            break
    return chosen


def _saying(kb: KnowledgeBase, ids: Sequence[int] | None, word: str, f: Filters) -> set[int]:
    """The videos whose screen or speech says `word`, and those the question chose."""
    return _numbers_said(kb, ids, word, f)[1] | _chosen(ids, f)


def _counting_up(kb: KnowledgeBase, videos: set[int], f: Filters) -> dict[int, tuple[str, list]]:
    """Per video of `videos`, its one HUD counter that only ever counts up by one (a lap's "1/3 ->
    2/3 -> 3/3", a turn's "3/8 -> 4/8"; not the villages' "6/14 -> 5/14 -> 6/14"): its name and its
    changes (event, video) in time order. A video with none, or two (which one is asked is not
    known), has none."""
    steps: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))  # video -> counter -> its changes
    for e, v in kb.events(sorted(videos), ["hud"], f.t_from, f.t_to, text="/"):
        if (change := COUNTER_CHANGE.match(e.label or "")) is not None:
            steps[e.video_id][change.group("name")].append((e, v))
    out = {}
    for video_id, counters in steps.items():
        counting = [(name, changes) for name, changes in counters.items() if _counts_up([e.label for e, _v in changes])]
        if len(counting) == 1:
            out[video_id] = counting[0]
    return out


def _numbered_count(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"how many rounds were there?", "how many laps?": one moment per number the screen gave the
    thing in each video: the first line that said it ("Go (round 2 of 30)!"), and in a video that
    says the word at all, a counter on the HUD that only ever went up by one ("1/3 -> 2/3", laps):
    its first reading and each step, for the numbers no line said (the race shows "Lap 2", no
    "Lap 1" and "Final lap!" unnumbered: the counter says 3). Empty when the question counts no
    numbered thing or asks more than how many ("how many rounds did Quake win?"), or no video
    numbers it."""
    noun = (q.noun or "").lower()
    word = noun[:-1] if noun.endswith("s") else noun
    if word not in SEQUENCE_WORDS or [w for w in q.words if w not in LIGHT_WORDS and w not in (noun, word)]:
        return []
    ids = asked_ids(kb, q, f)
    numbers, named = _numbers_said(kb, ids, word, f)
    named |= _chosen(ids, f)
    done = FINISH_WORDS & set(words(q.text))  # "how many laps did I finish?": each step is one done
    # (a counter says not what it counts: one in a video that never says the word counts something else)
    for video_id, (name, changes) in _counting_up(kb, named, f).items():
        first, v = changes[0]
        before, of = _step(first.label)[0], first.label.split("/")[1].split()[0]  # "top-right 1/3 -> 2/3": 1, 3
        shown = next((s.t for s in kb.states(video_id) if s.name == name and s.value == before), first.t_start)
        kept = numbers[video_id]
        if done:
            kept.pop(before, None)  # the first reading is one begun, not one done
        else:
            kept.setdefault(before, replace(_event_moment(first, v), start_s=round(max(shown - LEAD_S, 0.0), 2),
                                            matched=[Matched(t=shown, source="ocr", kind="hud", label=f"{name} {before}/{of}")]))
        for e, v in changes:
            kept.setdefault(_step(e.label)[1], _event_moment(e, v))
    return [m for by_number in numbers.values() for _n, m in sorted(by_number.items())]


MISREAD_APART_S = 10.0  # a line with a misread number this near another line of the thing is a read of that line


def _number_misread(numbers: dict[int, Moment], lines: list[Moment]) -> None:
    """The lines that gave the thing a number read as a letter ("round L of 30", "round a of 30"),
    numbered by where they fall among the numbered ones: the one before "round 2" is round 1, the
    one after it round 3 (a number taken already, or none left between two, and it stays out). A
    line read again within seconds of another is that line."""
    for m in lines:
        known = sorted(numbers.items(), key=lambda item: item[1].at_s)
        if any(abs(m.at_s - other.at_s) <= MISREAD_APART_S for _n, other in known):
            continue
        before = [n for n, other in known if other.at_s < m.at_s]
        after = [n for n, other in known if other.at_s > m.at_s]
        n = before[-1] + 1 if before else (after[0] - 1 if after else 1)
        if n >= 1 and n not in numbers and (not after or n < after[0]):
            numbers[n] = m


FINISH_WORDS = {"finish", "finished", "complete", "completed", "done", "cleared", "beat", "beaten"}


def _chosen(ids: Sequence[int] | None, f: Filters) -> set[int]:
    """The videos the question named ("how many turns were played in wesnoth?") or the user chose:
    a counter there counts what is asked, though no line of theirs says the word (Wesnoth's turn
    counter "5/8" has an hourglass beside it, no "Turn")."""
    return set(ids or ()) if f.videos else set()


def _says_word(label: str, word: str) -> bool:
    """The label holds the word, or its plural ("Final lap!", "in 3 turns"), not inside another ("overlap")."""
    return re.search(rf"(?<![^\W\d_]){re.escape(word)}s?\b", label, re.I) is not None  # ("## Game:1Hand:4 ##": after a digit)


def _counts_up(labels: Sequence[str]) -> bool:
    """A counter's changes, each one up by one from where the last one left it ("1/3 -> 2/3", "2/3 -> 3/3")."""
    steps = [_step(label) for label in labels]
    return all(b == a + 1 for a, b in steps) and all(s[1] == t[0] for s, t in zip(steps, steps[1:]))


def _step(label: str) -> tuple[int, int]:
    """A counter's change "top-right 1/3 -> 2/3": (1, 2)."""
    m = re.search(r"(\d+)/\d+ -> (\d+)/", label)
    return (int(m.group(1)), int(m.group(2))) if m else (-1, -1)


def _event_moment(e, v, kind: str | None = None) -> Moment:
    """The moment of one stored event `e` of video `v` (`kind`: what it is taken for, if not its own)."""
    start = max(e.t_start - LEAD_S, 0.0)
    return Moment(video=v.name, video_path=v.path, video_id=saved_id(v),
                  segment_id=e.segment_idx if e.segment_idx is not None else -1, start_s=round(start, 2),
                  end_s=round(min(start + MAX_WINDOW_S, max(e.t_end, e.t_start) + LEAD_S), 2), score=1.0,
                  text=e.label, match=1.0, same_thing=True,
                  matched=[Matched(t=e.t_start, source=e.source, kind=kind or e.kind, label=e.label)])


# "who won?": the words that ask it, and a line that says the first place ("1st place with 10",
# read "lst placewith 10"; "First position")
WIN_WORDS = {"win", "won", "wins", "winner", "winners", "winning", "victory", "victorious", "champion"}
_FIRST_PLACE = re.compile(r"(?<![\w])(?:1st|lst|ist|first)\s*(?:place|position)", re.I)
FINAL_SHARE = 0.8  # a standing in a video's last fifth is where it ended
WHOLE_GAME = {"match", "game", "race", "duel", "battle", "fight", "deathmatch", "overall", "end", "finally"}


def _asks_winner(q: Query) -> bool:
    """"who won?", "who won the match?", "did I win the race?": the winner of the whole game, not of
    "the first round" or "round 2"."""
    return bool(WIN_WORDS & set(q.words)) and not q.ordinal and not q.numbered and \
        all(w in WIN_WORDS or w in WHOLE_GAME for w in q.words)


def _final_standing(kb: KnowledgeBase, q: Query, f: Filters, found: list[Moment]) -> list[Moment]:
    """"who won?" in a video whose screen writes no win ("Winner: Quake") but the standing: its last
    "1st place with 10" near the end, with the one the view follows (whom its "You fragged X" lines
    mean: `_you`), when the kill feed tells. Videos with a match of their own keep it."""
    chosen = asked_ids(kb, q, f)
    won = {m.video_id for m in found if not m.closest}
    last: dict[int, Moment] = {}
    for word in ("place", "position"):
        for e, v in kb.events(chosen, None, f.t_from, f.t_to, text=word):
            vid = saved_id(v)
            if vid in won or not _FIRST_PLACE.search(e.label) or e.t_start < FINAL_SHARE * float(v.duration_s or 0.0):
                continue
            if vid not in last or e.t_start > last[vid].at_s:
                last[vid] = _event_moment(e, v)
    out = list(last.values())
    if out:
        you = _followed_players(kb, q, f)
        for m in out:
            m.you = you.get(m.video_id)
    return out


def _ordinal(moments: list[Moment], which: str) -> list[Moment]:
    """"the first kill": the earliest match in each video ("last": the latest); closest moments stay as they are."""
    if not any(not m.closest for m in moments):
        return moments
    out = []
    for video in dict.fromkeys(m.video for m in moments if not m.closest):
        ms = [m for m in moments if m.video == video and not m.closest]
        out.append(min(ms, key=lambda m: m.at_s) if which == "first" else max(ms, key=lambda m: m.at_s))
    return out


def _matching(kb: KnowledgeBase, q: Query, f: Filters, limit: int) -> list[Moment]:
    if q.cross_video and not (f.videos or q.video):
        # one search over the library, each video's matches judged and capped on their own
        per_video = limit if q.count or q.listing else PER_VIDEO
        n_videos = len(kb.ready_ids(games=f.games))
        moments = [m for m in search(kb, q, limit=per_video * max(1, n_videos), filters=f, per_video=per_video)
                   if not m.closest]
        if moments:
            return sorted(moments, key=lambda m: (m.video, m.start_s))
    moments = search(kb, q, limit=limit, filters=f, closest=True)
    if any(not m.closest for m in moments):
        return [m for m in moments if not m.closest]
    # nothing matched: the closest moments that share a word with the question and are not
    # something else ("missile" for "missile launcher"), handed on marked as such
    return [m for m in moments if m.match > 0 and m.same_thing]


# nouns every game's lines may mean without saying them: no game of a library to pick by them
COMMON_NOUNS = {"player", "players", "people", "enemy", "enemies", "opponent", "opponents", "time", "times", "thing",
                "things", "unit", "units", "bot", "bots", "one", "ones", "character", "characters", "team", "teams"}


def _of_noun(kb: KnowledgeBase, q: Query, moments: list[Moment]) -> list[Moment]:
    """"how many hedgehogs died?" in a library of several games: the matches of the videos whose
    events speak of hedgehogs (in their words, or in what a game's pack tells of them: a Hedgewars
    death names its hedgehog) or whose file is named for them ("bzflag_robots" for "how many robots
    died?"), where some do and others do not; all of them otherwise."""
    noun = (q.noun or "").lower()
    videos = sorted({m.video_id for m in moments if not m.closest and m.video_id is not None})
    if not noun or noun in COMMON_NOUNS or noun in kinds.names() or len(videos) < 2:
        return moments
    stems = stems_of(noun)

    def told(text: str) -> bool:
        return not stems.isdisjoint(set().union(*(stems_of(w) for w in words(text))))

    speaks = {m.video_id for m in moments if m.video_id in videos and told(m.video.replace("_", " "))}
    counted = sorted({x.kind for m in moments if not m.closest for x in m.matched})  # (the events counted tell of whom)
    for e, _v in kb.events([v for v in videos if v not in speaks], counted or None):
        if e.video_id in speaks:
            continue
        payload = e.payload or {}
        if told(" ".join([e.label or "", *map(str, payload), *(v for v in payload.values() if isinstance(v, str))])):
            speaks.add(e.video_id)
    return [m for m in moments if m.closest or m.video_id in speaks] if speaks and len(speaks) < len(videos) else moments


def _of_kind(moments: list[Moment], noun: str | None) -> list[Moment]:
    """"how many kills": when the noun names an event kind and some matches are of it, only those
    count (a death line "Fragged: Down for 5" shares a word with kills, and is no kill)."""
    if not noun:
        return moments
    low, known = noun.lower(), kinds.names()
    kind = next((k for k in (low, low.removesuffix("s"), low.removesuffix("es")) if k in known), None)
    if kind is None:
        # "how many laps": the lines that say "lap" ("Final lap!"), when some do, not every round start
        # that matched through its kind's search words ("round lap level wave ..."), in any video
        said_so = [m for m in moments if m.matched and match_score([low], m.matched[0].label) == 1.0]
        return said_so or moments
    hits = [m for m in moments if any(x.kind == kind for x in m.matched)]
    # a kind of every game (kill, death, pickup ...) counts only itself: a game with no kill events had
    # no kills, whatever its death lines say. A pack's kind, per video: "which weapons did I find" in a
    # library of two games is the weapon captions of one and the weapon pickups of the other
    if kind in kinds.GENERIC:
        return hits or moments
    videos, kept = {m.video for m in hits}, {id(m) for m in hits}
    return [m for m in moments if m.video not in videos or id(m) in kept]


# what was done to what is counted: "how many enemy units did I kill?" counts kills, not the lines
# that name enemy units ("Enemy unit sighted")
DEEDS = {"kill": ("kill", "frag", "eliminate", "destroy", "slay", "slain"),
         "death": ("die", "death", "dead", "lose", "lost")}  # "how many units did I lose?"


def _did_it(moments: list[Moment], q: Query) -> list[Moment]:
    """A count or list of something the question says was done to ("how many enemy units did I
    kill?"): only the moments of that kind, or whose line says it, count; none when no line does
    (the screen never said it)."""
    done = {kind for kind, verbs in DEEDS.items() for w in q.words if stems_of(w.lower()) & set(verbs)}
    if not done or not q.noun:
        return moments  # ("who killed Linux?" shows the lines that name Linux, whatever they say)
    verbs = {v for kind in done for v in DEEDS[kind]}
    return [m for m in moments if m.matched and (m.matched[0].kind in done or any(
        stems_of(w) & verbs for w in re.findall(r"[a-z]+", m.matched[0].label.lower())))]


_YOU = re.compile(r"\b(?:you|your)\b", re.I)


def _mine(moments: list[Moment]) -> list[Moment]:
    """"how many kills did I get?": in a video whose kill (or death) lines say "you" ("You fragged
    Major" beside "Grism was railed by Tony"), the player's are those; elsewhere all of them."""
    out = []
    for video in dict.fromkeys(m.video for m in moments):
        ms = [m for m in moments if m.video == video]
        for kind in ("kill", "death"):
            of_kind = {id(m) for m in ms if m.matched and m.matched[0].kind == kind}
            yours = {id(m) for m in ms if id(m) in of_kind and _YOU.search(m.matched[0].label)}
            if yours:
                ms = [m for m in ms if id(m) not in of_kind or id(m) in yours]
        out.extend(ms)
    return out


def _obituary_kind(q: Query) -> str | None:
    """"who got the most kills?", "how many kills were there?": "kill"; "who died the most?", "list
    every death": "death" (a kill line is a death too); None for other questions, and for the
    player's own ("how many kills did I get?" reads the lines that say "you", `_mine`)."""
    if q.most:
        return q.most
    noun = (q.noun or "").lower()
    if not noun and {"die", "died", "dies", "dying"} & set(q.words):
        noun = "death"  # "who died last?", "who died?"
    if not (q.count or q.listing or q.ordinal) or q.first_person or not noun:
        return None
    if noun.startswith(("kill", "frag")):
        return "kill"
    return "death" if noun in ("death", "deaths") else None


WEAPON_NOUNS = {"weapon", "weapons", "gun", "guns"}
PICKUP_WORDS = {"pick", "picked", "found", "find", "collect", "collected", "grab", "grabbed", "buy", "bought", "get", "got"}
# who the question says was killed, or who killed: "which weapon killed Tony?", "what weapon did Sarge use?"
_WEAPON_VICTIM = re.compile(r"\b(?:killed|fragged|eliminated|kill|frag)\s+(?P<v>[^\s?!.,]+)", re.I)
_WEAPON_KILLER = re.compile(r"\b(?:did|does|do)\s+(?P<k>[^\s?!.,]+)\s+(?:use|kill|frag|fire|shoot|prefer)", re.I)


def _weapons(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment] | None:
    """"what weapons were used?", "which weapon killed Tony?", "what weapon did Sarge use?": the
    weapons the kill lines name ("Sarge's plasmagun", "with a shotgun", "machinegunned"), one moment
    per line (per weapon for "how many"), of the one killed or the killer the question names. None
    when the question is about no weapon or one picked up, or no kill line names one (a pack's
    weapon events answer then, as any other question)."""
    if (q.noun or "").lower() not in WEAPON_NOUNS and not (WEAPON_NOUNS & set(q.words) and q.victim is None and
                                                           (q.listing or q.count)):
        return None
    if PICKUP_WORDS & set(words(q.text)):
        return None  # "which weapons did I find?": pickups
    victim = (who.group("v") if (who := _WEAPON_VICTIM.search(q.text)) else "").lower()
    killer = (who.group("k") if (who := _WEAPON_KILLER.search(q.text)) else "").lower()
    victim, killer = ("you" if w in ("me", "i", "myself") else w for w in (victim, killer))
    out: list[Moment] = []
    seen: set[tuple[int, str]] = set()
    armed = False  # a kill line names a weapon: the answer is from these lines, or there is none
    for m in _obituaries(kb, q, f):
        label, kind = m.matched[0].label, m.matched[0].kind
        weapon = weapon_of(label)
        armed = armed or weapon is not None
        if not weapon or (victim and not same_name(victim_of(label, kind) or "", victim)) or \
                (killer and not same_name(killer_of(label, kind) or "", killer)):
            continue
        if q.count and (m.video_id, weapon) in seen:
            continue
        seen.add((m.video_id, weapon))
        # the weapon is what is told (the line is the citation's); the line's player on screen is not
        out.append(replace(m, matched=[replace(m.matched[0], label=weapon)], text=label, you=None))
    return out if armed else None


def _obituaries(kb: KnowledgeBase, q: Query, f: Filters, kind: str | None = None, once: bool = True) -> list[Moment]:
    """Every kill and death line of the videos asked about, from the event table (a search would stop
    at MAX_LISTED). `kind` "kill": the kill lines that name someone (not "Double kill!"); "death":
    the death lines and the kill lines that name who was killed. `once`: one line per death."""
    ids = asked_ids(kb, q, f)
    lo, hi = q.window if q.window is not None else (f.t_from, f.t_to)
    out = []
    for e, v, e_kind in _obituary_lines(kb, ids, lo, hi):
        if kind == "kill" and (e_kind != "kill" or not (victim_of(e.label, e_kind) or killer_of(e.label, e_kind))):
            continue
        if kind == "death" and e_kind == "kill" and not victim_of(e.label, e_kind):
            continue
        out.append(_event_moment(e, v, e_kind))
    return _one_line_per_death(out, _you(out)) if once else out


_NUMBER = re.compile(r"^\s*[-+]?\d+(?:\.\d+)?\s*$")


def _biggest_number(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"what was the biggest hit?", "the smallest damage": the largest (smallest) damage number each
    video showed: of its damage events whose label is a number (or whose value is the health it took:
    "health 58 -> 28"), else of the numbers that floated on
    screen alone (a damage number over a unit, which the generic path reads as plain text: no words
    type it). Empty when the question is about no damage or no such number was read."""
    if not q.words or match_score(q.words, kinds.get("damage").words) == 0.0:
        return []
    ids = asked_ids(kb, q, f)
    lo, hi = q.window if q.window is not None else (f.t_from, f.t_to)
    per_video: dict[int, dict[str, list]] = {}
    for e, v in kb.events(ids, ["damage", "text"], lo, hi):
        if _NUMBER.match(e.label or ""):
            per_video.setdefault(e.video_id, {}).setdefault(e.kind, []).append((float(e.label), e, v))
        elif e.kind == "damage" and e.value is not None:  # "health 58 -> 28": the health it took, 30
            per_video.setdefault(e.video_id, {}).setdefault(e.kind, []).append((float(e.value), e, v))
    # "when did my health drop the most?" in a game whose HUD labels nothing and the screen tells no
    # damage: the biggest fall of the numbers that stayed at one place
    vital = q.extreme == "highest" and bool(VITAL_WORDS & set(q.words))
    out = _biggest_drops(kb, q, ids, lo, hi, skip={vid for vid, by_kind in per_video.items() if "damage" in by_kind}) \
        if vital else []
    dropped = {m.video_id for m in out}
    for video_id, by_kind in per_video.items():
        if video_id in dropped or (vital and "damage" not in by_kind):
            continue  # (a number read alone is no health: "14" in a corner)
        numbers = by_kind.get("damage") or by_kind["text"]
        pick = max if q.extreme == "highest" else min
        n, e, v = pick(numbers, key=lambda x: (x[0], -x[1].t_start) if pick is max else (x[0], x[1].t_start))
        out.append(_event_moment(e, v))
    return out


VITAL_WORDS = {"health", "hp", "life", "shield", "shields", "armor", "armour"}
DROPS_SHOWN = 3  # series per video whose biggest fall an answer shows
BOUNCE_S = 2.0  # a fall the number takes back this soon was a misread ("90 -> 9 -> 90")


def _biggest_drops(kb: KnowledgeBase, q: Query, ids: Sequence[int] | None, lo: float | None, hi: float | None,
                   skip: set[int]) -> list[Moment]:
    """Per video (but those in `skip`), the biggest fall of each of its unlabelled numbers that is no
    counter (`_fitting`), the largest first, at most DROPS_SHOWN: which one is health the screen does
    not say, so each is shown where it was ("the number at bottom-left 90 -> 14")."""
    wanted = set(ids) if ids is not None else None
    out = []
    for video in kb.videos(status="ready"):
        video_id = saved_id(video)
        if video_id in skip or (wanted is not None and video_id not in wanted):
            continue
        series: dict[str, list] = {}
        for s in kb.states(video_id):
            if unlabelled_series(s.name) and (lo is None or s.t >= lo) and (hi is None or s.t <= hi):
                series.setdefault(s.name, []).append(s)
        falls = []
        for name in _fitting(kb, q, video_id, list(series)):
            samples = sorted(series[name], key=lambda s: s.t)
            best = None
            for i in range(1, len(samples)):
                a, b = samples[i - 1], samples[i]
                later = samples[i + 1] if i + 1 < len(samples) else None
                if b.value >= a.value or (later is not None and later.t - b.t <= BOUNCE_S and later.value >= a.value):
                    continue
                before = next((p for p in reversed(samples[:i - 1]) if p.value != a.value), None)
                if before is not None and _extra_digit(before.value, a.value):
                    continue  # "8 -> 108 -> 9": the 8 read with a stray digit, no fall of 99
                if best is None or a.value - b.value > best[0]:
                    best = (a.value - b.value, a, b)
            if best is not None:
                falls.append((name, *best))
        for name, _fall, a, b in sorted(falls, key=lambda x: -x[1])[:DROPS_SHOWN]:
            out.append(Moment(video=video.name, video_path=video.path, video_id=video_id, segment_id=-1,
                              start_s=round(b.t, 2), end_s=round(b.t + 1.0, 2), score=1.0,
                              text=f"{name} {a.value:g} -> {b.value:g}", match=1.0,
                              state=[StateValue(name=name, value=b.value, t=b.t, role="drop", before=a.value)]))
    return out


# "when did I say I was low on health?": the player's own words
_I_SAID = re.compile(r"\bI\s+(?:say|said|tell|told|shout|shouted|yell|yelled|mention|mentioned)\b", re.I)


def _my_words(kb: KnowledgeBase, q: Query, f: Filters, limit: int) -> list[Moment]:
    """"when did I say I was low on health?": what the player's own voice said (the speech heard),
    where it matches; only where none does, the chat too, whose lines are anyone's ("Purple-Crusher
    (private to Player): My power is to low" is an ally's, however well "low" matches)."""
    if not (q.speech and q.words and not q.chat and _I_SAID.search(q.raw)) or (f.kinds and "speech" not in f.kinds):
        return []  # (a search the user kept to other kinds stays so)
    return [m for m in _matching(kb, q, replace(f, kinds=["speech"]), limit) if not m.closest]


# "who core dumped Linux?": "who", words ending in a past tense, a name
_WHO_DID = re.compile(r"\bwho\s+(?P<p>(?:[a-z]+\s+){0,2}[a-z]+ed)\s+(?P<n>[A-Za-z][\w-]*)", re.I)


def _victim_by_phrase(kb: KnowledgeBase, q: Query, f: Filters) -> str | None:
    """The one asked about as killed where the question says it with the words a game's kill lines
    put between the one who killed and the one killed ("who core dumped Linux?", as Armagetron's
    "glTron core dumped Linux for 3 points"), which no kill word of the question's own says."""
    m = _WHO_DID.search(q.raw)
    if m is None or m.group("n").lower() in PLAYER | NOT_A_NAME:  # ("who killed a teammate?": "a" is no one)
        return None
    phrase = " " + " ".join(m.group("p").lower().split()) + " "
    for e, _v in kb.events(asked_ids(kb, q, f), ["kill"]):
        killer, victim = killer_of(e.label, e.kind), victim_of(e.label, e.kind)
        if killer and victim and phrase in " " + " ".join(e.label.lower().split()) + " ":
            return m.group("n").lower()
    return None


def _extra_digit(before: float, value: float) -> bool:
    """Is `value` the number before it read with stray digits more ("8" as "108", "9" as "91")?"""
    a, b = f"{before:g}", f"{value:g}"
    return len(b) > len(a) and (b.endswith(a) or b.startswith(a))


def _obituary_lines(kb: KnowledgeBase, ids: Sequence[int] | None, lo: float | None, hi: float | None) -> list[tuple]:
    """(event, video, kind) of every kill and death line between lo and hi, with the lines typed as
    plain text that read as one in a video whose kill feed names the same people (retrieval.obituaries.read_as):
    a feed's lines are typed one by one, and "Sarge vas melted by Angelyss's plasmagun" or "Tony blew
    himself up" miss the kill words that "Sarge was machinegunned by Tony" has."""
    typed = kb.events(ids, list(OBITUARY_KINDS))
    names: dict[int, set[str]] = {}
    phrases: dict[int, set[str]] = {}  # the words of its kill lines' "X ate Y's rocket" shape, per video
    for e, _v in typed:
        for who in (victim_of(e.label, e.kind), killer_of(e.label, e.kind)):
            if who and who.lower() not in PLAYER:
                names.setdefault(e.video_id, set()).add(who)
        if e.kind == "kill" and (phrase := owner_phrase(e.label)):
            phrases.setdefault(e.video_id, set()).add(phrase)
    lines = [(e, v, e.kind) for e, v in typed]
    if names:  # (the names come from the whole video; the lines read so, from the window asked about)
        texts = kb.events(sorted(names), ["text"], lo, hi)
        for e, _v in texts:  # the shape of the feed's lines typed as plain text too ("Major almost dodged Tony's rocket")
            if read_as(e.label, names[e.video_id]) == "kill" and (phrase := owner_phrase(e.label)):
                phrases.setdefault(e.video_id, set()).add(phrase)
        for e, v in texts:
            if (read := read_as(e.label, names[e.video_id], phrases.get(e.video_id, ()))) is not None:
                lines.append((e, v, read))

    def inside(e) -> bool:
        return (lo is None or e.t_end >= lo) and (hi is None or e.t_start <= hi)

    return sorted((x for x in lines if inside(x[0])), key=lambda x: (x[1].name, x[0].t_start))


def _one_line_per_death(lines: list[Moment], you: dict[int | None, str] | None = None) -> list[Moment]:
    """One death shown twice ("You fragged Sorceress" at the centre of the screen and "Sorceress was
    melted by Sarge's plasmagun" in the feed, at once) is one line: of those naming the same one
    killed within SAME_DEATH_S, the one that names a killer other than "you" is kept, else the first.
    `you`: per video, whom its "you" means (`_you`); the kept line of a death a "You fragged" line
    told gets that name as `Moment.you`: the followed player killed there, whatever the feed's cut or
    misread name says ("Angelyss was electrocuted by Safg")."""
    you = you or {}

    def rank(m: Moment) -> tuple[int, float]:
        killer = killer_of(m.matched[0].label, m.matched[0].kind)
        return (0 if killer and killer.lower() != "you" else 1), m.at_s

    def said_you(m: Moment) -> bool:
        return (killer_of(m.matched[0].label, m.matched[0].kind) or "").lower() == "you"

    order = sorted(range(len(lines)), key=lambda i: (lines[i].video_id, lines[i].at_s))
    victims = {i: victim_of(lines[i].matched[0].label, lines[i].matched[0].kind) for i in order}
    dropped: set[int] = set()
    for pos, i in enumerate(order):
        victim = victims[i]
        if not victim:
            continue
        same = [i]  # the lines after it, in its video and within the window, naming the same one
        for j in order[pos + 1:]:
            if lines[j].video_id != lines[i].video_id or lines[j].at_s - lines[i].at_s > SAME_DEATH_S:
                break
            other = victims[j]
            if other and same_name(other, victim):
                same.append(j)
        best = min(same, key=lambda k: rank(lines[k]))
        dropped.update(k for k in same if k != best)
        if lines[i].video_id in you and any(said_you(lines[k]) for k in same):
            lines[best].you = you[lines[i].video_id]
    return [m for i, m in enumerate(lines) if i not in dropped]


def _names(label: str, name: str) -> bool:
    return any(same_name(w, name) for w in re.findall(r"[^\s'’:,.!()]+", label))


def _killed(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment] | None:
    """"who killed Sarge?", "how many times did Sarge die?": the kill and death lines that name
    Sarge as the one killed (not those where Sarge killed: "who killed me?" is not "You fragged
    Major"), perhaps none; None when no kill or death line names Sarge at all (a name the screen
    did not show or OCR did not read), and the question is answered as any other."""
    every, victim = _obituaries(kb, q, f, once=False), q.victim or ""
    you = _you(every)
    lines = _one_line_per_death(every, you)
    if not lines or (victim != "you" and not any(_names(m.matched[0].label, victim) for m in lines)):
        return None

    def of(m: Moment, name: str) -> bool:
        return same_name(victim_of(m.matched[0].label, m.matched[0].kind) or "", name)

    if victim != "you":
        return [m for m in lines if of(m, victim)]
    # "you" are the player on screen where the "You fragged X" lines tell who that is (`_you`): a
    # spectator following Sarge died in "Sarge was shredded by Grism's shrapnel"
    named = [m for m in lines if of(m, "you") or (m.video_id in you and of(m, you[m.video_id]))]
    # in a video where no line says "you" were killed, the death lines that name no one else are the
    # player's ("player died"), never the kills the player made nor "Thorn drowned"
    said = {m.video_id for m in named}
    return [m for m in lines if m in named or (m.video_id not in said and m.matched[0].kind == "death"
                                               and (victim_of(m.matched[0].label, "death") or "").lower() in PLAYER)]


def _kills_by(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment] | None:
    """"how many kills did Sarge get?", "who did Sarge kill?": the kill lines that name Sarge as the
    killer (not those where Sarge was killed; "did Sarge kill Tony?": of those, Tony's deaths), and the screen's "You fragged X" lines in a video
    whose "you" is Sarge (a spectator following him); None when no kill line names Sarge at all."""
    # "did Hawk05 kill me?": the player's death lines that name who ("Got shot by Hawk05") too
    every, killer = _obituaries(kb, q, f, None if q.victim == "you" else "kill", once=False), q.killer or ""
    if not any(_names(m.matched[0].label, killer) for m in every):
        return None
    def by(m: Moment) -> bool:
        return same_name(m.you or killer_of(m.matched[0].label, m.matched[0].kind) or "", killer)

    def of_victim(m: Moment) -> bool:  # "did Sarge kill Tony?": those of Tony's deaths
        return not q.victim or same_name(victim_of(m.matched[0].label, m.matched[0].kind) or "", q.victim)

    return [m for m in _one_line_per_death(every, _you(every)) if by(m) and of_victim(m)]


def _followed_players(kb: KnowledgeBase, q: Query, f: Filters) -> dict[int | None, str]:
    """Per video asked about, the player its view follows, where its kill lines tell (`_you`)."""
    return _you(_obituaries(kb, q, f, "kill", once=False))


def _you(lines: list[Moment]) -> dict[int | None, str]:
    """Per video, whom its "You fragged X" lines mean: the killer its feed names for the same death
    at the same moment ("You fragged Grism" with "Grism was machinegunned by Sarge": the view follows
    Sarge), when at least two deaths say so and more than half of them (a feed's names are often
    cut or misread: "Sa", "Safg")."""
    # each line's killer and victim read once; its video's lines, in their order, are the ones to compare
    who = [(killer_of(m.matched[0].label, m.matched[0].kind) or "", victim_of(m.matched[0].label, m.matched[0].kind) or "")
           for m in lines]
    per_video: dict[int | None, list[int]] = {}
    for i, m in enumerate(lines):
        per_video.setdefault(m.video_id, []).append(i)
    votes: dict[int | None, Counter] = {}
    for video, order in per_video.items():
        for i in order:
            if who[i][0].lower() != "you":
                continue
            for j in order:
                named, victim = who[j]
                if abs(lines[j].at_s - lines[i].at_s) <= SAME_DEATH_S and named.lower() not in PLAYER \
                        and same_name(victim, who[i][1]):
                    count = votes.setdefault(video, Counter())
                    count[next((k for k in count if same_name(k, named)), named)] += 1  # "Sarde" is Sarge
                    break
    out = {}
    for video, count in votes.items():
        (name, n), total = count.most_common(1)[0], sum(count.values())
        if n >= 2 and n > total / 2:
            out[video] = name
    return out


def _few_videos(kb: KnowledgeBase, q: Query, f: Filters) -> list:
    """The ready videos asked about, every one of the library when none is named; none when that is
    more than MAX_EDGE_VIDEOS (a question about each video of a large library is answered by search)."""
    chosen = asked_ids(kb, q, f)
    videos = [v for v in kb.videos(status="ready") if chosen is None or saved_id(v) in chosen]
    return videos if len(videos) <= MAX_EDGE_VIDEOS else []


def _edge_said(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"when did the match start?" where a video says so ("match start, fight!", "Round 1 begins"):
    the first such moment in each video that has one (the last, for an end), not its first seconds."""
    nouns = [w for w in q.words if w in EDGE_NOUNS]
    if not nouns or q.edge_s is not None or q.edge not in ("start", "end"):
        return []
    edge = START_WORDS if q.edge == "start" else SPAN_WORDS - START_WORDS
    asked = replace(q, words=[*nouns, q.edge], pairs=[], edge=None, count=False, listing=False)
    said_so = []
    for m in search(kb, asked, limit=MAX_LISTED, filters=f):
        told = set(words(m.matched[0].label)) if m.matched and not m.closest else set()
        if told & set(nouns) and told & edge:
            said_so.append(m)
    first: dict[str, Moment] = {}
    for m in sorted(said_so, key=lambda m: m.start_s, reverse=q.edge == "end"):
        first.setdefault(m.video, m)
    return sorted(first.values(), key=lambda m: (m.video, m.start_s))


def _at_edge(kb: KnowledgeBase, q: Query, f: Filters, limit: int) -> list[Moment]:
    """"what happened at the end of the openarena video?": what was seen and heard in its last (or
    first) seconds, in each video asked about (every video of a small library when none is named)."""
    out: list[Moment] = []
    for v in _few_videos(kb, q, f):
        at = max(float(v.duration_s or 0.0) - EDGE_S, 0.0) if q.edge == "end" else EDGE_S
        span = None
        if q.edge_s is not None:  # "the last 30 seconds": all of them, not the moments around one
            end = float(v.duration_s or 0.0)
            span = (max(end - q.edge_s, 0.0), end)
            at = sum(span) / 2
        there = replace(q, at=at, span=span, video=v.name, words=[], pairs=[], edge=None, edge_s=None, count=False, listing=False)
        out.extend(m for m in search(kb, there, limit=limit, filters=replace(f, videos=[v.name])) if not m.closest)
    return out


SUMMARY_EVENTS = 12  # events a summary tells per video
NOT_TOLD = {"text", "scene", "hud", "speech", "appear", "disappear"}  # what a summary leaves out, where it has more
TOLD_FIRST = {"kill", "death", "objective", "achievement", "secret"}


def _spread(items: list, n: int) -> list:
    """At most `n` of `items`, spread evenly over them (the first and the last kept)."""
    if len(items) <= n:
        return items
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, n).round()] if n > 0 else []


def _summary(kb: KnowledgeBase, q: Query, f: Filters, everything: bool = False) -> list[Moment]:
    """"what happened?", "summarize the match": in each video asked about (every video of a small
    library when none is named), what happened in it: its kills, deaths, pickups, rounds and its
    pack's kinds, at most SUMMARY_EVENTS spread over the video, in time order; what the screen read
    and what was said where nothing was typed. `everything`: all of it ("what happened last?")."""
    out: list[Moment] = []
    for v in _few_videos(kb, q, f):
        every = sorted((e for e, _v in kb.events([saved_id(v)], None, f.t_from, f.t_to)), key=lambda e: e.t_start)
        # the story first (who died, what was reached), then what else happened, then what was read and said
        tiers = [[e for e in every if e.kind in TOLD_FIRST],
                 [e for e in every if e.kind not in TOLD_FIRST and e.kind not in NOT_TOLD],
                 [e for e in every if e.kind in ("text", "speech") and _has_word(e.label)]]
        told: list = []
        for tier in tiers:
            told += tier if everything else _spread(tier, SUMMARY_EVENTS - len(told))
        out.extend(_event_moment(e, v) for e in sorted(told, key=lambda e: e.t_start))
    return out


def _has_word(label: str) -> bool:
    """A line that holds a word or a name ("Bazooka"), not a number alone nor a misread of a texture."""
    vocab = vocabulary()
    return any(w.lower() in vocab or (len(w) >= 4 and w[0].isupper() and w[1:].islower()) for w in re.findall(r"[A-Za-z]{3,}", label))


def _lengths(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"how long was the match?": each video asked about (every video of a small library when none
    is named) from its start to its end, with its clock's first and last readings when its screen
    shows one (a match clock counting down from 10:00 tells how much of the match the video holds)."""
    out = []
    for v in _few_videos(kb, q, f):
        clocks = [s for s in kb.states(saved_id(v)) if clock_series(s.name)]
        ends = [(clocks[0], "first"), (clocks[-1], "last")] if len(clocks) >= 2 else []
        length = round(float(v.duration_s or 0.0), 2)
        read = "".join(f"; its clock read {format_clock(s.value)} at {format_ts(s.t)}" for s, _role in ends)
        out.append(Moment(video=v.name, video_path=v.path, video_id=saved_id(v), segment_id=-1, start_s=0.0,
                          end_s=length, score=1.0, text=f"the whole video, {format_ts(length)} long{read}", match=1.0, same_thing=True,
                          state=[StateValue(name=s.name, value=s.value, t=s.t, role=role) for s, role in ends]))
    return out


def _games(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"what game is this?": each video asked about (every video of a small library when none is
    named), with the game it was read as: a pack's name and how well it matched when chosen
    automatically, or the generic path (no pack knows the game)."""
    out = []
    for v in _few_videos(kb, q, f):
        game = v.game or "generic"
        score = f", chosen automatically ({v.game_score:.2f})" if v.game_score is not None else ""
        told = (f"read as {game}, with its game pack{score}" if game != "generic"
                else "a game no pack knows, read with the generic path")
        length = round(float(v.duration_s or 0.0), 2)
        out.append(Moment(video=v.name, video_path=v.path, video_id=saved_id(v), segment_id=-1, start_s=0.0,
                          end_s=length, score=1.0, text=told, match=1.0, same_thing=True))
    return out


def _unlabelled(q: Query, names: list[str]) -> list[str]:
    """"what was my health?" in a game whose HUD labels nothing: no number is named health, so the
    numbers the generic path found at fixed places (named by where they are, "bottom-left") are
    what there is to show."""
    if not any(w in HUD_WORDS for w in q.words):
        return []
    return [n for n in names if unlabelled_series(n)]


def _rank_moved(kb: KnowledgeBase, q: Query, f: Filters) -> list[Moment]:
    """"when did I take the lead?" (a rank went to 1), "lose the lead" (left 1), "drop to last place"
    (went to its largest value), "fall to 6th": the first such change of each video's rank: a series
    named position, place or rank, else its unlabelled numbers that are no counter (`_fitting`)."""
    if q.rank_move is None:
        return []
    way, n = q.rank_move
    chosen = asked_ids(kb, q, f)
    ids = set(chosen) if chosen is not None else None
    ranked = replace(q, words=["position"], locator=[], pairs=[])
    out = []
    for video in kb.videos(status="ready"):
        video_id = saved_id(video)
        if ids is not None and video_id not in ids:
            continue
        if _worded(kb, replace(ranked, words=sorted(RANK_WORDS)), f, [video_id]):
            continue  # a game that writes its rank out ("1st place with 8"): its lines answer
        series: dict[str, list] = {}
        for s in kb.states(video_id):
            series.setdefault(s.name, []).append(s)
        shown = [name for name in series if set(words(name.replace("_", " "))) & RANK_WORDS] or \
            _fitting(kb, ranked, video_id, [name for name in series if unlabelled_series(name)])
        for name in shown:
            samples = sorted(series[name], key=lambda s: s.t)
            if not all(s.value == int(s.value) and 1 <= s.value <= MAX_RANK for s in samples):
                continue  # a rank is a whole number from 1: not a speed (42.5), a score from 0, a misread 3132
            target = n if n is not None else max(s.value for s in samples)
            prev = None
            for s in samples:
                if prev is not None and (s.value == target != prev.value if way == "to" else prev.value == target != s.value):
                    role = f"went from {prev.value:g}"
                    out.append(Moment(video=video.name, video_path=video.path, video_id=video_id, segment_id=-1,
                                      start_s=round(max(s.t - LEAD_S, 0.0), 2), end_s=round(s.t + 1.0, 2), score=1.0,
                                      text=f"{name} {s.value:g}", match=1.0,
                                      state=[StateValue(name=name, value=s.value, t=s.t, role=role)]))
                    break
                prev = s
    return out


def _worded(kb: KnowledgeBase, q: Query, f: Filters, ids: Sequence[int] | None = None) -> bool:
    """Does a video asked about (of `ids`, when given) write the rank the question asks for in words
    ("2nd place with 5", "Position 3")? Then its lines answer, not the unlabelled numbers (a rank is
    often written out; a health or ammo number rarely is)."""
    asked = [w for w in q.words if w in RANK_WORDS]
    if ids is None:
        ids = asked_ids(kb, q, f)
    return any(e.kind not in ("speech", "hud") for w in asked for e, _v in kb.events(ids, None, text=w, limit=20))


def _fitting(kb: KnowledgeBase, q: Query, video_id: int, fallback: Sequence[str]) -> list[str]:
    """Of the unlabelled series of a video, those that can be what is asked: a counter ("1/3", whose
    changes the generic path writes "top-right 1/3 -> 2/3") is a lap, turn or round number, and no
    position, score or health; all of them when that leaves none."""
    counters = {m.group("name") for e, _v in kb.events([video_id], ["hud"])
                if (m := COUNTER_CHANGE.match(e.label or ""))}
    # "my position when the final lap started", "... at the start of lap 2": position
    numbered = {a for a, _ in q.numbered}
    asked = {w for w in q.words if w in HUD_WORDS and w not in q.locator and w not in numbered}
    counted = bool(SEQUENCE_WORDS & asked)
    fitting = [n for n in fallback if (n in counters) == counted]  # ("top-left'" is another series than "top-left")
    return fitting or list(fallback)


def _samples(kb: KnowledgeBase, video_id: int, names: list[str], cache: dict) -> dict[str, list]:
    if video_id not in cache:
        by_name: dict[str, list] = {}
        for s in kb.states(video_id):
            if s.name in names:
                by_name.setdefault(s.name, []).append(s)
        cache[video_id] = by_name
    return cache[video_id]


def _value_at(samples: list, t: float):
    """The sample nearest to t (the earlier one on a tie); with none near, the last one read before t
    when the value was read again after it (a HUD number stays until it changes: the generic path
    keeps a sample where it changed, not every second); else None."""
    best = min(samples, key=lambda s: (abs(s.t - t), s.t), default=None)
    if best is not None and abs(best.t - t) <= STATE_NEAR_S:
        return best
    before = [s for s in samples if s.t <= t]
    return max(before, key=lambda s: s.t) if before and any(s.t > t for s in samples) else None


def _with_state(kb: KnowledgeBase, q: Query, f: Filters, values: list[str], limit: int,
                fallback: Sequence[str] = ()) -> list[Moment]:
    """The moments the question names, each with the HUD values stored for it; with no moment named
    ("how much health did I have?"), the value at an anchor, or its course over each video (in a
    video with none of `values`, that of its `fallback` series: a game whose HUD labels nothing)."""
    # the value's own word ("health") says what to read, not when: a game whose HUD labels
    # nothing has no series named so, and "health" would find a damage event instead
    # ... but "turn 5", "lap 2" (a word and its number) say when: "my gold at the start of turn 5"
    numbered = {w for pair in q.numbered for w in pair}
    rest = [w for w in q.words if w in numbered or (not named([w], values) and w not in HUD_WORDS)]
    # "the race time": a word paired with the value's own names which value, not when
    asked = {w for w in q.words if w not in rest}
    rest = [w for w in rest if not any((a == w and b in asked) or (b == w and a in asked) for a, b in q.pairs)]
    if q.locator:  # "... when the final lap started": the clause's words find the moment, a HUD word among them too
        rest = [w for w in q.words if w in q.locator]
    elif q.edge:  # "my gold at the end of the game": the edge is when (`_roles`), "game" no moment to find
        rest = [w for w in rest if w not in EDGE_WORDS]
    cache: dict = {}
    if [w for w in rest if w not in LIGHT_WORDS]:
        located = replace(q, words=rest, pairs=[p for p in q.pairs if p[0] in rest and p[1] in rest],
                          asks_value=False, count=False, listing=False)
        moments = _matching(kb, located, f, limit)
        if not any(not m.closest for m in moments):
            moments = _counter_reached(kb, located, f) or moments  # "... when lap 2 started": the lap counter
        for m in moments:
            if m.closest:
                continue
            # in a video with none of `values` (a library of games: "score" names one game's series), its `fallback`
            by_name = _samples(kb, m.video_id, [*values, *fallback], cache)
            shown = [n for n in values if n not in fallback and by_name.get(n)] or _fitting(kb, q, m.video_id, fallback)
            found = [(name, _value_at(by_name.get(name, []), m.at_s)) for name in shown]
            m.state = [StateValue(name=n, value=s.value, t=s.t) for n, s in found if s is not None]
        return moments
    moments = []
    chosen = asked_ids(kb, q, f)
    ids = set(chosen) if chosen is not None else None
    for video in kb.videos(status="ready"):
        video_id = saved_id(video)
        if ids is not None and video_id not in ids:
            continue
        by_name = _samples(kb, video_id, [*values, *fallback], cache)
        shown = [n for n in values if n not in fallback and by_name.get(n)] or _fitting(kb, q, video_id, fallback)
        for name in shown:
            series = by_name.get(name, [])
            if not series:
                continue
            if q.at is not None:
                picked = [("at", _value_at(series, q.at))]
            else:
                low = min(series, key=lambda s: (s.value, s.t))
                high = max(series, key=lambda s: (s.value, -s.t))
                picked = [("first", series[0]), ("lowest", low), ("highest", high), ("last", series[-1])]
                wanted = _roles(q)
                picked = [(role, s) for role, s in picked if role in wanted]
            seen = set()
            for role, s in picked:
                if s is None or s.t in seen:
                    continue
                seen.add(s.t)
                moments.append(Moment(video=video.name, video_path=video.path, video_id=video_id, segment_id=-1,
                                      start_s=round(s.t, 2), end_s=round(s.t + 1.0, 2), score=1.0,
                                      text=f"{name} {s.value:g}", match=1.0,
                                      state=[StateValue(name=name, value=s.value, t=s.t, role=role)]))
    # the videos whose screen labels the value first, before the numbers of those whose HUD labels nothing
    return sorted(moments, key=lambda m: any(unlabelled_series(s.name) for s in m.state))


def _roles(q: Query) -> set[str]:
    """Which samples of a value's course the question asks for: "at the end" the last, "at the start"
    the first, "my highest score" the highest (both, "the highest at the end"); else all four."""
    wanted = {"last" if q.edge == "end" else "first"} if q.edge else set()
    if q.extreme:
        wanted.add(q.extreme)
    return wanted or {"first", "lowest", "highest", "last"}


AROUND_S = {"before": (-10.0, 0.0), "after": (0.0, 10.0), "at": (-3.0, 3.0)}  # the stretch asked about, from the moment
AROUND_MOMENTS = 3  # moments asked around ("right before Sarge died": each of his deaths), the first ones


def _around(kb: KnowledgeBase, q: Query, f: Filters, limit: int) -> list[Moment] | None:
    """"what happened right before Sarge died?": the moments the clause finds ("Sarge died"), and
    around each (before, after, or at it) what the question asks ("what happened": all of it).
    None when the clause finds nothing, or nothing is asked there: the question is asked whole."""
    assert q.relative is not None
    asked, clause, side = q.relative
    anchors = [m for m in gather(kb, clause, limit=MAX_LISTED, filters=f) if not m.closest]
    # the names the question gives are in the moment too, where one holds them ("which cards did
    # Pikachu play right before winning?": Pikachu's win, not another game's winner)
    names = [n for n in q.names if n not in words(clause)]
    named_there = [m for m in anchors if any(n in words(" ".join(x.label for x in m.matched)) for n in names)]
    anchors = (named_there or anchors)[:AROUND_MOMENTS]
    if parse(asked).speech:  # "what did the others say when Pikachu won?": all that was said then
        return _speech_around(kb, anchors, -AROUND_S[side][0], AROUND_S[side][1]) or None
    out: list[Moment] = []
    told: list[tuple[str, set]] = []  # (video, what it matched) of each of `out`: windows of two moments overlap
    for a in sorted(anchors, key=lambda m: (m.video, m.at_s)):
        lo, hi = (a.at_s + d for d in AROUND_S[side])
        near = replace(f, videos=[a.video], t_from=max(0.0, lo), t_to=hi)
        itself = {(x.t, x.label) for x in a.matched}
        for m in gather(kb, asked, limit=limit, filters=near):
            seen = {(x.t, x.label) for x in m.matched}
            if m.matched and not lo - 0.05 <= m.matched[0].t <= hi + 0.05:
                continue  # (a segment the stretch overlaps holds it, not the stretch)
            if not m.closest and not seen <= itself and not any(v == m.video and seen <= t for v, t in told):
                out.append(m)
                told.append((m.video, seen))
    return out or None


def _speech_around(kb: KnowledgeBase, moments: list[Moment], before: float = SPEECH_BEFORE_S,
                   after: float = SPEECH_AFTER_S) -> list[Moment]:
    """What was said around each matched moment (from `before` s before it to `after` s after), as
    moments of their own: heard, or typed in a chat ("what did the other players say when Pikachu
    won?": "Napoleon said: My congratulations")."""
    out: list[Moment] = []
    for m in moments[:3]:
        for e, _v in kb.events([m.video_id], ["speech", "chat"], m.at_s - before, m.at_s + after):
            if not m.at_s - before <= e.t_start <= m.at_s + after:
                continue  # (a line that began before and was still on then)
            if any(o.video_id == m.video_id and o.matched[0].t == e.t_start for o in out):
                continue
            start = max(e.t_start - 0.5, 0.0)
            out.append(Moment(video=m.video, video_path=m.video_path, video_id=m.video_id,
                              segment_id=e.segment_idx if e.segment_idx is not None else m.segment_id,
                              start_s=round(start, 2), end_s=round(max(e.t_end, e.t_start) + 0.5, 2), score=m.score,
                              text=e.label, match=1.0, around=m.citation,
                              matched=[Matched(t=e.t_start, source=e.source, kind=e.kind, label=e.label)]))
    return out


def attach_media(kb: KnowledgeBase, moments: list[Moment]) -> None:
    """Load each moment's keyframe JPEG and projected vectors from LanceDB."""
    manifest = kb.segments.manifest() or {}
    proj_cols = [c for c in manifest if c.startswith("proj_")]
    for m in moments:
        if m.segment_id < 0:  # a HUD value's moment: no segment of its own
            continue
        rows = kb.segments.rows(f"video_id = {int(m.video_id)} AND idx = {int(m.segment_id)}",
                                columns=["keyframe", *proj_cols], limit=1)
        if not rows:
            continue
        m.keyframe = rows[0].get("keyframe")
        m.projected = {c[len("proj_"):]: np.asarray(rows[0][c], dtype=np.float16) for c in proj_cols
                       if rows[0].get(c) is not None}
