"""Answers about a game gamekb has no pack for (issue 12): the numbers the generic path found on the
HUD with no label beside them, a clock, and counts of one kind of event."""

from __future__ import annotations

from dataclasses import replace

from kb.lance import SegmentRow
from kb.schema import Segment, StateSample
from kb.store import KnowledgeBase, VideoRecords
from reasoning.extractive import Extractive
from retrieval.evidence import _of_kind, gather
from retrieval.query import parse
from retrieval.search import Filters, match_score, named_videos
from retrieval.types import Matched, Moment


def _fps_kb(tmp_path):
    """A shooter's HUD as the generic path reads it: the health number bottom left and the ammo
    bottom right, both unlabelled (icons, not words), and the match clock top right."""
    kb = KnowledgeBase.open(tmp_path)
    video = kb.claim(tmp_path / "shooter.mp4", "ab" * 32, {"duration_s": 120.0}, "lite")
    states = [StateSample(t=t, name="bottom-left", value=v) for t, v in ((14.0, 90.0), (28.0, 12.0), (87.0, 100.0))]
    states += [StateSample(t=t, name="bottom-right", value=v) for t, v in ((4.0, 40.0), (77.0, 10.0))]
    states += [StateSample(t=t, name="clock", value=v) for t, v in ((4.0, 597.0), (105.0, 494.0))]
    row = SegmentRow(idx=0, start_s=0.0, end_s=120.0, keyframe_s=5.0, text_vec=[1.0] + [0.0] * 383)
    kb.commit_video(video.id, VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=120, keyframe_s=5)], states=states,
                                           rows=[row], manifest={"text_vec": {"model": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}}),
                    {"profile": "lite"})
    return kb


def test_health_in_a_game_whose_hud_labels_nothing(tmp_path):
    kb = _fps_kb(tmp_path)
    moments = gather(kb, "what was my health?")
    assert {s.name for m in moments for s in m.state} == {"bottom-left", "bottom-right"}
    text = Extractive().answer("what was my health?", moments).text
    assert text.startswith("In shooter, no number on screen is labelled health; the numbers that stayed at one place read:")
    assert "the number at bottom-left 12 (lowest, at 00:28) [shooter@00:28]" in text
    # a question about no HUD value at all is not answered with the numbers
    assert gather(kb, "how many kills were there?") == []


def test_health_over_a_library_where_one_game_labels_it_and_one_does_not(tmp_path):
    kb = _fps_kb(tmp_path)
    doom = kb.claim(tmp_path / "doom.mp4", "cd" * 32, {"duration_s": 60.0}, "lite")
    row = SegmentRow(idx=0, start_s=0.0, end_s=60.0, keyframe_s=5.0, text_vec=[1.0] + [0.0] * 383)
    kb.commit_video(doom.id, VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=60, keyframe_s=5)],
                                          states=[StateSample(t=t, name="health", value=v) for t, v in ((1.0, 100.0), (50.0, 35.0))],
                                          rows=[row], manifest={"text_vec": {"model": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}}),
                    {"profile": "lite"})
    question = "what was my health at the end?"  # when, not what: no moment has to say "end"
    assert parse(question).words == ["health"]
    text = Extractive().answer(question, gather(kb, question)).text
    lines = sorted(text.splitlines())
    # at the end: the last reading of each, not the first, lowest and highest as well
    assert lines[0] == "In doom: health 35 (last, at 00:50) [doom@00:50].", lines
    assert lines[1].startswith("In shooter, no number on screen is labelled health;")
    assert "the number at bottom-left 100 (last, at 01:27)" in lines[1] and "first" not in lines[1], lines
    assert "(first, at 00:01)" in Extractive().answer("what was my health?", gather(kb, "what was my health?")).text


def test_the_highest_or_lowest_of_a_value_is_the_sample_asked_for(tmp_path):
    kb = _fps_kb(tmp_path)
    assert parse("what was my highest health?").extreme == "highest" and parse("what was my lowest ammo?").extreme == "lowest"
    assert parse("what was my best position?").extreme == "lowest"  # a rank is best at 1
    assert parse("what was my best score?").extreme == "highest" and parse("what was my health?").extreme is None
    assert parse("what was my highest health?").words == ["health"]
    text = Extractive().answer("what was my lowest health?", gather(kb, "what was my lowest health?")).text
    assert "the number at bottom-left 12 (lowest, at 00:28)" in text and "highest" not in text and "first" not in text, text
    text = Extractive().answer("what was my best health?", gather(kb, "what was my best health?")).text
    assert "the number at bottom-left 100 (highest, at 01:27)" in text and "lowest" not in text, text


def test_the_biggest_drop_of_a_number_no_label_names_in_a_game_that_shows_no_damage(tmp_path):
    """"when did my health drop the most?" where no number is labelled health and no damage is
    shown: each unlabelled number's biggest fall (a misread "108" between 8 and 9 is none), beside
    a game whose damage lines tell it."""
    health = [(1.0, 100.0), (20.0, 60.0), (30.0, 90.0), (41.0, 20.0), (50.0, 100.0)]
    score = [(2.0, 7.0), (40.0, 8.0), (43.0, 108.0), (46.0, 9.0)]
    kb = _arena_kb(tmp_path, [(40.0, "Tony blew himself up")],
                   states=[*(StateSample(t=t, name="bottom-left", value=v) for t, v in health),
                           *(StateSample(t=t, name="bottom-right", value=v) for t, v in score),
                           *(StateSample(t=t, name="bottom-right'", value=v) for t, v in ((3.0, 50.0), (44.0, 45.0)))])
    q = "when did my health drop the most?"
    text = Extractive().answer(q, gather(kb, q)).text
    assert text.startswith("In arena, no number on screen is labelled health; the numbers that stayed at one place read: "
                           "the number at bottom-left 90 -> 20 (its biggest drop, at 00:41) [arena@00:41]; "
                           "the second number at bottom-right 50 -> 45 (its biggest drop"), text
    assert "108" not in text, text


def test_a_value_at_a_moment_in_a_game_whose_hud_labels_nothing_beside_one_that_does(tmp_path):
    """"what was my score when Tony blew himself up?": "score" names another game's series; in this
    video the numbers at fixed places are what there is."""
    kb = _arena_kb(tmp_path, [(40.0, "Tony blew himself up"), (45.0, "Sarge was machinegunned by Tony")],
                   states=[StateSample(t=t, name="bottom-right", value=v) for t, v in ((10.0, 3.0), (41.0, 7.0))])
    _arena_kb(tmp_path, [(5.0, "Go (round 1 of 3)!")], name="tron", kb=kb,
              states=[StateSample(t=t, name="scores", value=v) for t, v in ((4.0, 3.0), (30.0, 9.0))])
    q = "what was my score when Tony blew himself up?"
    text = Extractive().answer(q, gather(kb, q)).text
    assert "the number at bottom-right 7 (at 00:41, when" in text, text


def test_a_value_at_the_end_of_a_named_game_and_the_games_that_label_it_first(tmp_path):
    gold = [StateSample(t=t, name="gold", value=v) for t, v in ((1.0, 11.0), (50.0, 37.0), (109.0, 5.0))]
    kb = _arena_kb(tmp_path, [(0.0, "Game Edit View Help")], name="freeciv_italians", states=gold, untyped="text")
    _arena_kb(tmp_path, [(5.0, "Go (round 1 of 3)!")], name="tron", kb=kb,
              states=[StateSample(t=t, name="bottom", value=v) for t, v in ((4.0, 3.0), (30.0, 9.0))])
    # "the game" of "at the end of the freeciv game" is the whole video, no moment to find ("Game Edit View")
    q = "how much gold did I have at the end of the freeciv game?"
    text = Extractive().answer(q, gather(kb, q)).text
    assert text == "In freeciv_italians: gold 5 (last, at 01:49) [freeciv_italians@01:49].", text
    # across the library: the game whose screen labels gold first, then the numbers of one that labels nothing
    lines = Extractive().answer("how much gold did I have at the end?", gather(kb, "how much gold did I have at the end?")).text.splitlines()
    assert lines[0].startswith("In freeciv_italians: gold 5 (last") and "no number on screen is labelled gold" in lines[1], lines
    assert parse("what year was it at the end?").asks_value and parse("what turn is it?").asks_value


def test_a_game_named_short_is_the_video_asked_about_but_a_player_of_that_name_is_searched_for(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Go (round 1 of 30)!"), (55.0, "Go (round 2 of 30)!"), (20.0, "Armagetron lost 2 points")],
                   name="armagetronad_match", untyped="text")
    _arena_kb(tmp_path, [(5.0, "Sarge was machinegunned by Tony"), (9.0, "Round 3")], name="arena", kb=kb)
    q = "how many rounds were played in armagetron?"
    text = Extractive().answer(q, gather(kb, q)).text
    assert text.startswith("2 rounds in armagetronad_match:") and "arena:" not in text, text
    _q, f = named_videos(kb, parse("when did Armagetron die?"), Filters())
    assert f.videos is None  # "Armagetron", written as a name: a player called so


def test_a_clock_reads_as_minutes_and_seconds(tmp_path):
    kb = _fps_kb(tmp_path)
    text = Extractive().answer("what was the time on the clock?", gather(kb, "what was the time on the clock?")).text
    assert "clock 9:57 (first, at 00:04)" in text and "clock 8:14" in text


def _moment(t: float, kind: str, label: str) -> Moment:
    return Moment(video="shooter", video_path="/v/shooter.mp4", video_id=1, segment_id=0, start_s=t - 1, end_s=t + 9,
                  score=1.0, text=label, match=1.0, matched=[Matched(t=t, kind=kind, label=label, source="ocr")])


def test_a_count_of_kills_counts_no_deaths():
    q = parse("how many kills were there?")
    assert q.count and q.noun == "kills"
    assert parse("how many deaths?").count and parse("how many deaths?").noun == "deaths"
    found = [_moment(14.0, "kill", "anastasia was plasmified by billy"), _moment(92.0, "death", "Fragged: Down for 5"),
             _moment(99.0, "kill", "roland was pierced by marseilles")]
    assert [m.at_s for m in _of_kind(found, "kills")] == [14.0, 99.0]
    assert [m.at_s for m in _of_kind(found, "deaths")] == [92.0]
    assert _of_kind(found, "achievements") == found  # no match of that kind: every match stays
    assert _of_kind(found, "items") == found  # a noun that names no kind keeps every match
    # a library of two games: a kind of every game counts only itself, in every video (the other
    # game's death line is no kill); a pack's kind, only in the videos that have it
    other = replace(_moment(5.0, "death", "player died"), video="doom")
    assert [m.video for m in _of_kind([*found, other], "kills")] == ["shooter", "shooter"]
    caption = replace(_moment(20.0, "weapon", "Bazooka"), video="hedgewars")
    pickup = replace(_moment(39.0, "pickup", "pump-action shotgun"), video="doom")
    assert [m.matched[0].label for m in _of_kind([caption, pickup], "weapons")] == ["Bazooka", "pump-action shotgun"]


def test_who_killed_a_name_reads_the_name_as_the_one_killed():
    from retrieval.obituaries import victim_of

    assert parse("who killed Sarge?").victim == "sarge" and parse("how many times did Sarge die?").victim == "sarge"
    # the player, as the screen calls them
    assert parse("who killed me?").victim == "you" and parse("how many times did I die?").victim == "you"
    assert victim_of("Fragged by Grism", "death") == "you" and victim_of("You were killed by a zombie", "death") == "you"
    assert victim_of("Sorceress was melted by Sarge's plasmagun", "kill") == "Sorceress"
    assert victim_of("(?) Sarge was machinegunned by Tony", "kill") == "Sarge"
    assert victim_of("julian was pierced by roland @25.03m (31), assisted by billy (0)", "kill") == "julian"
    assert victim_of("You fragged Sorceress", "kill") == "Sorceress" and victim_of("You defeated the Boss!", "kill") == "Boss"
    assert parse("who got killed?").victim is None and parse("who killed the boss?").victim == "boss"
    assert victim_of("Thorn drowned", "death") == "Thorn"
    assert victim_of("Double kill!", "kill") is None and victim_of("Sarge: tsk", "text") is None


def _arena_kb(tmp_path, lines, name="arena", kb=None, states=(), untyped="kill", kind_words=False):
    """A generic game's kill feed: each (t, line) a kill event in one 60 s segment (a death event
    when its words say so, as the generic path types it). `kb`: add it to that library, as `name`.
    `untyped`: the kind of a line the generic path's words do not type ("text", as ingest leaves it).
    `kind_words`: each line searchable as ingest indexes it, with its kind's search words (ingest.events.searchable)."""
    from ingest.events import searchable
    from ingest.types import EventRecord
    from ingest.words import classify_text
    from kb.lance import RecordedMoment
    from kb.schema import Event

    kb = kb or KnowledgeBase.open(tmp_path)
    video = kb.claim(tmp_path / f"{name}.mp4", f"{len(kb.videos()):02x}" * 32, {"duration_s": 60.0}, "lite")
    kind = {text: (classify_text(text) or (untyped,))[0] for _, text in lines}
    events = [Event(video_id=video.id, segment_idx=0, t_start=t, t_end=t + 3, kind=kind[text], label=text, source="ocr")
              for t, text in lines]
    moments = [RecordedMoment(t, t + 3, "ocr", kind[text], text,
                              searchable(EventRecord(t, t + 3, kind[text], text, "ocr", 0.8)) if kind_words
                              else f"{kind[text]} {text} killed fragged died death") for t, text in lines]
    return _one_segment(kb, video, 60.0, events, moments, states)


def _one_segment(kb, video, duration_s, events, moments, states):
    """Commit `video` as one segment of `duration_s` holding these events, searchable moments and states."""
    row = SegmentRow(idx=0, start_s=0.0, end_s=duration_s, keyframe_s=5.0, text=" . ".join(m.text for m in moments),
                     moments=moments, text_vec=[1.0] + [0.0] * 383)
    kb.commit_video(video.id, VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=duration_s, keyframe_s=5)], events=events,
                                           states=list(states), rows=[row], manifest={"text_vec": {"model": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}}),
                    {"profile": "lite"})
    return kb


def test_a_kill_line_of_a_games_own_phrase_says_who_killed_whom(tmp_path):
    from retrieval.obituaries import killer_of, victim_of

    line = "glTron core dumped Linux for 3 points"  # typed a kill by its video's phrase (ingest.words.Duels)
    assert (killer_of(line, "kill"), victim_of(line, "kill")) == ("glTron", "Linux")
    # "eliminated by" names the killer after it, not a victim "by"; a passive line without "was" is not read backwards
    assert victim_of("Tony eliminated Grism", "kill") == "Grism" and victim_of("Player eliminated by Bob", "kill") != "by"
    assert killer_of("Player eliminated by Bob", "kill") != "Player"
    kb = _arena_kb(tmp_path, [(20.0, "Quake core dumped Windows for 3 points"), (45.0, line)])
    answer = Extractive().answer("who killed Linux?", gather(kb, "who killed Linux?")).text
    assert "glTron" in answer and "Quake" not in answer, answer
    answer = Extractive().answer("who got the most kills?", gather(kb, "who got the most kills?")).text
    assert "Quake: 1 kill" in answer and "glTron: 1 kill" in answer, answer


def test_who_killed_lists_the_deaths_of_that_name_only(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Sorceress was melted by Sarge's plasmagun"), (19.0, "Sarge was shredded by Grism's shrapnel"),
                              (45.0, "Sarge was machinegunned by Tony")])
    killed = [m.matched[0].label for m in gather(kb, "who killed Sarge?")]
    assert killed == ["Sarge was shredded by Grism's shrapnel", "Sarge was machinegunned by Tony"], killed
    answer = Extractive().answer("how many times did Sarge die?", gather(kb, "how many times did Sarge die?")).text
    assert answer.startswith("2 times in arena:"), answer


def test_what_someone_else_did_is_no_match_for_a_question_that_names_who(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Sarge tripped on his own grenade."), (19.0, "Sarge was shredded by Grism's shrapnel"),
                              (45.0, "Tony blew himself up.")], untyped="text")
    answer = Extractive().answer("when did Tony trip on his own grenade?", gather(kb, "when did Tony trip on his own grenade?")).text
    assert answer.startswith("Nothing matched"), answer  # Sarge's, not Tony's
    assert "Sarge tripped" in answer
    answer = Extractive().answer("when did Sarge trip on his own grenade?", gather(kb, "when did Sarge trip on his own grenade?")).text
    assert answer.startswith("In arena: a death: Sarge tripped"), answer
    # a name misspelt is the name; one the library never shows asks nothing (an unseen player): the words decide
    answer = Extractive().answer("when did Tonny trip on his own grenade?", gather(kb, "when did Tonny trip on his own grenade?")).text
    assert answer.startswith("Nothing matched"), answer
    answer = Extractive().answer("when did Zed trip on his own grenade?", gather(kb, "when did Zed trip on his own grenade?")).text
    assert "Sarge tripped" in answer and not answer.startswith("Nothing"), answer


def test_the_weapons_are_those_the_kill_lines_name(tmp_path):
    from retrieval.obituaries import weapon_of

    assert [weapon_of(t) for t in ("Sorceress was melted by Sarge's plasmagun", "Angelyss ate Kyonshi 's rocket",
                                   "Tony killed Grism with a rocket launcher", "Sarge was machinegunned by Tony",
                                   "Sarge tripped on his own grenade.", "Kyonshi is on a killing spree with 5 kills")] == \
        ["plasmagun", "rocket", "rocket launcher", "machinegun", "grenade", None]
    kb = _arena_kb(tmp_path, [(5.0, "Sorceress was melted by Sarge's plasmagun"), (19.0, "Tony ate Sarge's rocket"),
                              (30.0, "Sarge was machinegunned by Tony"), (45.0, "Grism ate Sarge's rocket")])
    used = Extractive().answer("what weapons were used?", gather(kb, "what weapons were used?")).text
    assert used.startswith("In arena, 3 weapons: plasmagun [arena@00:04]; rocket [arena@00:18] [arena@00:44]; machinegun"), used
    assert Extractive().answer("which weapon killed Tony?", gather(kb, "which weapon killed Tony?")).text == \
        "In arena, 1 weapon: rocket [arena@00:18]."
    assert "machinegun" not in Extractive().answer("what weapon did Sarge use?", gather(kb, "what weapon did Sarge use?")).text
    assert Extractive().answer("how many weapons did Sarge use?", gather(kb, "how many weapons did Sarge use?")).text.startswith("2 weapons")
    # no one's death here is the player's: nothing, not the kills
    assert Extractive().answer("what weapon killed me?", gather(kb, "what weapon killed me?")).text.startswith("Nothing in the library")


def test_my_kills_are_the_lines_that_say_you_where_a_game_says_so(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "You fragged Major"), (19.0, "Grism was railed by Tony"), (45.0, "You fragged Tony"),
                              (50.0, "Fragged by Grism")])
    # who killed me: not the ones I fragged
    assert [m.matched[0].label for m in gather(kb, "who killed me?")] == ["Fragged by Grism"]
    mine = Extractive().answer("how many kills did I get?", gather(kb, "how many kills did I get?")).text
    assert mine.startswith("2 kills in arena:") and "Grism" not in mine, mine
    assert Extractive().answer("how many kills were there?", gather(kb, "how many kills were there?")).text.startswith("3 kills")


def test_kills_by_a_name_are_the_lines_where_that_name_killed(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Sorceress was melted by Sarge's plasmagun"), (19.0, "Sarge was shredded by Grism's shrapnel"),
                              (30.0, "Tony ate Sarge's rocket"), (45.0, "Sarge was machinegunned by Tony")])
    assert parse("how many kills did Sarge get?").killer == "sarge" and parse("who did Tony kill?").killer == "tony"
    assert parse("how many kills did I get?").killer is None  # the player: the lines that say "you"
    answer = Extractive().answer("how many kills did Sarge get?", gather(kb, "how many kills did Sarge get?")).text
    assert answer.startswith("2 kills in arena:") and "Sorceress was melted" in answer and "Tony ate" in answer, answer
    assert [m.matched[0].label for m in gather(kb, "who did Tony kill?")] == ["Sarge was machinegunned by Tony"]


def test_a_spectators_you_is_the_one_the_feed_names_for_the_same_deaths(tmp_path):
    """OpenArena spectating Sarge: "You fragged Grism" shows with "Grism was machinegunned by Sarge";
    where the feed line was not read, the centre line alone is still Sarge's kill."""
    kb = _arena_kb(tmp_path, [(5.0, "You fragged Grism"), (5.4, "Grism was machinegunned by Sarge"),
                              (20.0, "You fragged Tony"), (20.3, "Tony was railed by Sarde"),
                              (33.0, "You fragged Major"),  # its feed line unread
                              (40.0, "Major was shredded by Tony's shrapnel")])
    answer = Extractive().answer("how many kills did Sarge get?", gather(kb, "how many kills did Sarge get?")).text
    assert answer.startswith("3 kills in arena:") and "You fragged Major" in answer, answer
    assert [m.matched[0].label for m in gather(kb, "who did Tony kill?")] == ["Major was shredded by Tony's shrapnel"]
    # and in a tally of the feed: the centre line alone is a kill of Sarge's, not of someone called "you"
    text = Extractive().answer("who got the most kills?", gather(kb, "who got the most kills?")).text
    assert text.startswith("In arena, kills by who made them, as the kill and death lines read: Sarge: 3 kills"), text
    assert "you:" not in text and "Tony: 1 kill" in text, text
    # and "I" am Sarge: "who killed me?", "when did I die?" are Sarge's deaths, his own hand's too
    kb3 = _arena_kb(tmp_path / "three", [(5.0, "You fragged Grism"), (5.4, "Grism was machinegunned by Sarge"),
                                         (20.0, "You fragged Tony"), (20.3, "Tony was railed by Sarge"),
                                         (30.0, "Sarge was shredded by Grism's shrapnel"), (40.0, "Sarge tripped on his owngrenade."),
                                         (50.0, "Major was shredded by Tony's shrapnel")], untyped="text")
    assert [m.matched[0].label for m in gather(kb3, "who killed me?")] == \
        ["Sarge was shredded by Grism's shrapnel", "Sarge tripped on his owngrenade."]
    assert Extractive().answer("how many times did I die?", gather(kb3, "how many times did I die?")).text.startswith("2 times in arena:")
    # one death seen with a named killer does not make "you" anyone
    kb2 = _arena_kb(tmp_path / "two", [(5.0, "You fragged Grism"), (5.4, "Grism was machinegunned by Sarge"),
                                       (33.0, "You fragged Major")])
    answer = Extractive().answer("how many kills did Sarge get?", gather(kb2, "how many kills did Sarge get?")).text
    assert answer.startswith("1 kill in arena:"), answer


def test_what_the_screen_tells_the_followed_player_answers_a_question_that_names_him(tmp_path):
    """OpenArena spectating Sarge: "1st place with 9" and "Armor Shard" name no one; they are
    Sarge's, the one the view follows, for "what place did Sarge finish in?"; not Tony's."""
    kb = _arena_kb(tmp_path, [(5.0, "You fragged Grism"), (5.4, "Grism was machinegunned by Sarge"),
                              (20.0, "You fragged Tony"), (20.3, "Tony was railed by Sarge"),
                              (30.0, "Armor Shard"), (55.0, "1st place with 9")], untyped="text")
    answer = Extractive().answer("what place did Sarge finish in?", gather(kb, "what place did Sarge finish in?")).text
    assert answer.startswith("In arena") and "1st place with 9 (the player on screen: Sarge)" in answer, answer
    assert "Armor Shard (the player on screen: Sarge)" in Extractive().answer(
        "when did Sarge pick up armor?", gather(kb, "when did Sarge pick up armor?")).text
    assert Extractive().answer("when did Tony pick up armor?", gather(kb, "when did Tony pick up armor?")).text.startswith("Nothing")


def test_numbered_names_are_told_apart_and_a_reflexive_meets_another(tmp_path):
    """A log that speaks for each robot ("Hawk03: blew myself up") answers "when did Hawk03 blow
    himself up?", and "Hawk00: blew myself up" does not; nor does a "Hawk04" kill answer "Hawk00"."""
    kb = _arena_kb(tmp_path, [(5.0, "Hawk03: blew myself up"), (20.0, "Hawk00: blew myself up"),
                              (30.0, "Hawk00: killed by Hawk04"), (40.0, "Hawk04: killed by Hawk02")])
    answer = Extractive().answer("when did Hawk03 blow himself up?", gather(kb, "when did Hawk03 blow himself up?")).text
    assert "Hawk03: blew myself up" in answer and "Hawk00" not in answer, answer
    killed = [m.matched[0].label for m in gather(kb, "who killed Hawk04?")]
    assert killed == ["Hawk04: killed by Hawk02"], killed


def test_a_noun_only_some_games_speak_of_picks_those_games(tmp_path):
    """"how many hedgehogs died?" in a library of an arena shooter and an artillery game: the deaths
    of the game that speaks of hedgehogs (here its file's name; a pack's deaths name their hedgehog
    too); a noun no game speaks of counts in all of them."""
    kb = _arena_kb(tmp_path, [(5.0, "Sarge was machinegunned by Tony"), (20.0, "Tony blew himself up")])
    _arena_kb(tmp_path, [(5.0, "Thorn drowned"), (30.0, "Ember drowned")], name="hedgehogs_at_war", kb=kb)
    answer = Extractive().answer("how many hedgehogs died?", gather(kb, "how many hedgehogs died?")).text
    assert answer.startswith("2 hedgehogs in hedgehogs_at_war:") and "arena" not in answer, answer
    answer = Extractive().answer("how many robots died?", gather(kb, "how many robots died?")).text
    assert " in all." in answer and "in arena" in answer and "in hedgehogs_at_war" in answer, answer


def test_an_answer_that_found_nothing_offers_a_few_closest_moments():
    """A question that lists ("who won the round?") gathers up to 50 closest moments; the answer
    offers the six nearest, not a wall of every round start in the library."""
    from retrieval.types import Moment

    near = [Moment(video=f"v{k % 3}", video_path=f"v{k % 3}.mp4", video_id=k % 3, segment_id=k, start_s=float(k),
                   end_s=k + 1.0, score=0.5, text=f"round {k} start", match=0.3 if k != 20 else 0.6, closest=True)
            for k in range(30)]
    answer = Extractive().answer("who won the round?", near)
    assert answer.text.startswith("Nothing matched") and len(answer.citations) == 6, answer.text
    assert "v2@00:20" in answer.text  # the nearest among them


def test_most_kills_and_deaths_tally_the_kill_feed_by_name_one_line_per_death(tmp_path):
    from retrieval.obituaries import killer_of, victim_of

    assert killer_of("Sorceress ate Grism's rocket", "kill") == "Grism" and victim_of("Sorceress ate Grism's rocket", "kill") == "Sorceress"
    assert killer_of("You were killed by a zombie", "death") == "zombie" and victim_of("Fragged: Down for 5", "death") == "you"
    assert victim_of("(?) was alnionditiinnd-by", "kill") is None  # no name read: not a name "(?)"
    kb = _arena_kb(tmp_path, [(5.0, "You fragged Sorceress"), (5.5, "Sorceress was melted by Sarge's plasmagun"),
                              (19.0, "Major was shredded by Sarge's shrapnel"), (30.0, "Sarge ate Tony's rocket"),
                              (45.0, "Double kill!")])
    q = "who got the most kills?"
    assert parse(q).most == "kill" and parse("who died the most?").most == "death" and parse("who was killed the most?").most == "death"
    # the centre-screen "You fragged Sorceress" and the feed's line are one kill, told by the feed
    text = Extractive().answer(q, gather(kb, q)).text
    assert text.startswith("In arena, kills by who made them, as the kill and death lines read: Sarge: 2 kills"), text
    assert "Tony: 1 kill" in text and "you" not in text.split("read:")[1], text
    deaths = Extractive().answer("how many deaths were there?", gather(kb, "how many deaths were there?")).text
    assert deaths.startswith("3 deaths in arena:"), deaths  # kill lines are deaths; "Double kill!" is no one's


def test_a_question_that_names_a_video_asks_about_that_video(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Sorceress was melted by Sarge's plasmagun"), (50.0, "Fragged by Grism")], name="openarena_dm")
    _arena_kb(tmp_path, [(10.0, "julian was pierced by roland"), (58.0, "Fragged: Down for 5")], name="redeclipse_tdm", kb=kb)
    listed = Extractive().answer("list every death in redeclipse", gather(kb, "list every death in redeclipse")).text
    assert listed.startswith("In redeclipse_tdm, 2 deaths:") and "openarena" not in listed, listed
    # the end of one video: what happened in its last seconds, and only there
    end = gather(kb, "what happened at the end of the openarena video?")
    assert [m.matched[0].label for m in end] == ["Fragged by Grism"], end
    # "when did the match end?" is asked the same way (every line holds "match" as a kind's word: its first ones are no answer)
    assert parse("when did the match end?").edge == "end" and parse("When was the race started").edge == "start"
    assert [m.matched[0].label for m in gather(kb, "when did the match end in openarena?")] == ["Fragged by Grism"]
    # a word no video answers to, or that all do, is no filter
    assert {m.video for m in gather(kb, "how many deaths were there?")} == {"openarena_dm", "redeclipse_tdm"}
    # a summary or a length of one game's match, the game named before "match"
    assert parse("what happened in the redeclipse match?").summary and parse("how long was the redeclipse match?").length
    for q in ("what happened in the redeclipse match?", "how long was the redeclipse match?"):
        assert {m.video for m in gather(kb, q)} == {"redeclipse_tdm"}, q
    # kills by a name no line gives are not all the kills
    answer = Extractive().answer("how many kills did marseilles get?", gather(kb, "how many kills did marseilles get?")).text
    assert answer.startswith("Nothing"), answer


def test_the_first_and_the_last_of_a_kind(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Sorceress was melted by Sarge's plasmagun"), (19.0, "Sarge was shredded by Grism"),
                              (45.0, "Sarge was machinegunned by Tony"), (50.0, "Fragged by Grism")])
    assert parse("when was the first kill?").ordinal == "first" and parse("first blood").ordinal is None
    assert [m.at_s for m in gather(kb, "when was the first kill?")] == [5.0]
    assert [m.at_s for m in gather(kb, "when did Sarge die for the last time?")] == [45.0]
    assert [m.at_s for m in gather(kb, "when was the last death?")] == [50.0]


def test_chat_lines_are_what_someone_said(tmp_path):
    from ingest.words import classify_text

    assert classify_text("Sarge: Yep")[0] == "chat" and classify_text("[RED] julian: nice shot")[0] == "chat"
    # a label before a colon is no speaker
    assert classify_text("Objective: capture the flag")[0] == "objective" and classify_text("Health: 100") is None
    assert classify_text("Fragged: Down for 23")[0] == "death" and classify_text("Tip: use the shotgun") is None
    kb = _arena_kb(tmp_path, [(5.0, "Sarge was machinegunned by Tony"), (9.0, "Sarge: I'll be back"),
                              (30.0, "Sorceress: Can we meet someone")])
    said = Extractive().answer("what did Sarge say?", gather(kb, "what did Sarge say?")).text
    assert said.startswith('In arena: chat: "Sarge: I\'ll be back"'), said
    chat = gather(kb, "what did the bots say in chat?")
    assert [m.at_s for m in chat] == [9.0, 30.0], chat


def test_which_name_did_something_first_and_an_anchor_in_a_named_video(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Supply crate for hedgehogs"), (12.0, "Thorn drowned"), (40.0, "Ember drowned")],
                   name="hedgewars_nature")
    _arena_kb(tmp_path, [(10.0, "julian was pierced by roland"), (30.0, "Fragged: Down for 5")], name="redeclipse_tdm", kb=kb)
    q = parse("which hedgehog drowned first?")
    assert q.words == ["drowned"] and q.ordinal == "first" and parse("which weapons did I find?").words == ["weapons"]
    assert [m.matched[0].label for m in gather(kb, "which hedgehog drowned first?")] == ["Thorn drowned"]
    # who died last: in a kill feed, the last one killed
    assert {m.video: m.matched[0].label for m in gather(kb, "who died last?")} == {
        "hedgewars_nature": "Ember drowned", "redeclipse_tdm": "Fragged: Down for 5"}
    # "at 0:30 in redeclipse": the anchor in that video, though no other word is left to match
    assert {m.video for m in gather(kb, "what happened at 0:30 in redeclipse?")} == {"redeclipse_tdm"}


def test_how_many_of_them_did_it_and_who_was_the_first_or_last_to(tmp_path):
    """"how many hedgehogs drowned?" counts the drownings (the hedgehogs are who drowned, no word to
    find: it was answered with "a health crate dropped in"); "how many drowned?" counts times, not
    "drowneds"; "the last hedgehog to die" is who died last, "the first to die" no "1 to"."""
    kb = _arena_kb(tmp_path, [(5.0, "Supply crate for hedgehogs"), (12.0, "Thorn drowned"), (20.0, "A health crate dropped in"),
                              (40.0, "Ember drowned"), (50.0, "Moss drowned")], name="nature", untyped="text", kind_words=True)
    assert (parse("how many hedgehogs drowned?").words, parse("how many hedgehogs drowned?").count) == (["drowned"], True)
    text = Extractive().answer("how many hedgehogs drowned?", gather(kb, "how many hedgehogs drowned?")).text
    assert text.startswith("3 hedgehogs in nature:") and "crate" not in text, text
    assert Extractive().answer("how many drowned?", gather(kb, "how many drowned?")).text.startswith("3 times in nature:")
    assert parse("how many players were killed?").words == ["killed"]
    q = parse("who was the last hedgehog to die?")
    assert (q.words, q.noun, q.ordinal) == (["die"], None, "last")
    assert [m.matched[0].label for m in gather(kb, "who was the last hedgehog to die?")] == ["Moss drowned"]
    first = Extractive().answer("who was the first to die?", gather(kb, "who was the first to die?")).text
    assert first == "In nature, 1 match: Thorn drowned [nature@00:11].", first
    assert parse("when was the first kill?").noun == "kill"  # a thing, as before


def test_a_past_tense_a_player_writes_meets_the_present_a_log_writes(tmp_path):
    """A strategy game's log writes "Milano grows to size 3.", "You bought Barracks in Roma.": "which
    cities grew?" and "what did we buy?" find them (nothing matched "grew" before)."""

    assert match_score(["grew"], "Milano grows to size 3.") == 1.0 and match_score(["built"], "Roma is building Walls") == 1.0
    assert match_score(["grew"], "Milano is building Settlers") == 0.0
    # a near spelling is a misread, not another word: "down" is no "drown", "Windous" is "Windows"
    assert match_score(["drown"], "Sorceress was gunned down") == 0.0 and match_score(["lost"], "the last lap") == 0.0
    assert match_score(["windows"], "Windous core dumped Quake") == 0.7 and match_score(["drowned"], "Thorn drovned") == 0.7
    kb = _arena_kb(tmp_path, [(5.0, "Milano grows to size 3."), (9.0, "Roma is building Diplomat."), (15.0, "Torino grows to size 2.")],
                   untyped="text")
    assert [m.matched[0].label for m in gather(kb, "which cities grew?")] == ["Milano grows to size 3.", "Torino grows to size 2."]


def test_what_thing_asked_in_a_named_video_is_searched_for(tmp_path):
    """"what team am I on in red eclipse?": the noun is the thing asked, and the rest ("red
    eclipse") names the video; nothing was left to search for, and nothing matched."""
    kb = _arena_kb(tmp_path, [(3.4, "You are on team omega"), (10.0, "Sarge was railed by Tony")], name="redeclipse_bath", untyped="text")
    _arena_kb(tmp_path, [(4.0, "Red Team scores"), (8.0, "Grism was railed by Tony")], name="openarena_dm", kb=kb, untyped="text")
    for question in ("what team am I on in red eclipse?", "which team was I on in redeclipse?"):
        found = [(m.video, m.matched[0].label) for m in gather(kb, question) if not m.closest]
        assert found == [("redeclipse_bath", "You are on team omega")], (question, found)


def test_which_things_did_something_names_each_thing_once(tmp_path):
    """Freeciv's log says each city's growth again and again: "which cities grew?" answered "30
    cities", one a line. Lines that begin with a name are that name's; a line read without one is
    listed after them, and counts as no other city. Kill lines are not grouped so (their first
    name is the killer or the one killed)."""
    kb = _arena_kb(tmp_path, [(5.0, "Milano grows to size 3."), (9.0, "Roma is building Diplomat."), (15.0, "Torino grows to size 2."),
                              (25.0, "Milano grows to size 4."), (30.0, "grow to size 2."), (35.0, "Torino grows to size 3.")],
                   untyped="text")
    text = Extractive().answer("which cities grew?", gather(kb, "which cities grew?")).text
    assert text.startswith("In arena, 2 cities: Milano [arena@00:04] [arena@00:24]; Torino [arena@00:14] [arena@00:34]; grow to size 2."), text
    kills = _arena_kb(tmp_path / "k", [(5.0, "Sarge was railed by Tony"), (9.0, "Sarge fragged Tony"), (15.0, "Tony fragged Major")])
    text = Extractive().answer("which players were fragged?", gather(kills, "which players were fragged?")).text
    assert "Sarge was railed by Tony" in text, text


def test_what_happened_in_a_stretch_and_in_the_whole_video(tmp_path, monkeypatch):
    """"what happened between 0:30 and 1:00?" is all of that stretch (it found nothing); "what
    happened?" and "summarize the match" tell each video in short: who died first, then what else
    happened, spread over the video, in time order (they found nothing either); "a timeline of the
    kills" is the kills."""
    lines = [(2.0, "Round start"), (8.0, "Bazooka"), (11.0, "Thorn drowned"), (20.0, "Grenade"), (26.0, "Ember drowned"),
             (33.0, "Bazooka"), (41.0, "Supply crate for hedgehogs"), (47.0, "Turn start"), (52.0, "Rusty killed"),
             (57.0, "Grenade")]
    kb = _arena_kb(tmp_path, lines, name="nature", untyped="text", kind_words=True)
    q = parse("what happened between 0:30 and 1:00?")
    assert (q.words, q.span, q.summary) == ([], (30.0, 60.0), False)
    stretch = [m.matched[0].label for m in gather(kb, "what happened between 0:30 and 1:00?")]
    assert sorted(stretch) == sorted(["Bazooka", "Supply crate for hedgehogs", "Turn start", "Rusty killed", "Grenade"]), stretch
    assert [m.matched[0].label for m in gather(kb, "who died between 0:20 and 0:40?")] == ["Ember drowned"]
    for question in ("what happened?", "summarize the match", "give me a quick recap"):
        q = parse(question)
        assert q.summary and not q.words and not q.listing, question
        assert len(gather(kb, question)) == len(lines), question  # ten events: all told
    from retrieval import evidence

    monkeypatch.setattr(evidence, "SUMMARY_EVENTS", 4)  # room for four: the deaths, then one more
    told = [m.matched[0].label for m in gather(kb, "what happened?")]
    assert told == ["Round start", "Thorn drowned", "Ember drowned", "Rusty killed"], told
    assert [m.at_s for m in gather(kb, "what happened?")] == sorted(m.at_s for m in gather(kb, "what happened?"))
    assert parse("give me a timeline of the kills").words == ["kills"] and parse("give me a timeline of the kills").listing
    # the first or the last of all of it, not of the summary's picks
    assert [m.matched[0].label for m in gather(kb, "what was the last thing that happened?")] == ["Grenade"]
    assert [m.matched[0].label for m in gather(kb, "what happened first?")] == ["Round start"]


def test_how_long_the_match_was_is_the_videos_length_and_its_clock(tmp_path):
    """"how long was the match?" found nothing: each video's length, with what its clock read first
    and last where the screen shows one; "how long was the first round?" is not that."""
    clock = [StateSample(t=t, name="clock", value=600.0 - t) for t in range(4, 60, 5)]
    kb = _arena_kb(tmp_path, [(3.0, "Fight!"), (38.0, "Tony was railed by Sarge")], states=clock)
    assert parse("how long was the match?").length and parse("how long did the race take?").length and parse("how long was the level?").length
    assert not parse("how long was the first round?").length
    text = Extractive().answer("how long was the match?", gather(kb, "how long was the match?")).text
    assert text == "In arena: the video runs 01:00 (its clock read 9:56 at 00:04 and 9:01 at 00:59) [arena@00:00].", text


def test_a_race_clock_is_the_time_and_a_when_clause_picks_the_moment(tmp_path):
    clock = [StateSample(t=t, name="clock", value=t - 4.7) for t in range(5, 60, 5)]
    kb = _arena_kb(tmp_path, [(3.0, "Go!"), (38.0, "Lap 2"), (50.0, "Final lap!")], states=clock)
    assert parse("what was the race time at the end?").words == ["race", "time"]
    assert parse("what was my health the last time I died?").words == ["health", "died"]  # no clock asked
    text = Extractive().answer("what was the race time at the end?", gather(kb, "what was the race time at the end?")).text
    assert "clock 0:50.30 (last, at 00:55)" in text and "first" not in text, text
    at = gather(kb, "what was the time when the final lap started?")
    assert [(m.at_s, [(s.name, round(s.value, 1)) for s in m.state]) for m in at] == [(50.0, [("clock", 45.3)])], at


def test_feed_lines_typed_as_plain_text_still_tell_who_died(tmp_path):
    """A kill feed's lines are typed one by one: a misread "vas", a possessive with no kill word ("ate
    Tony's grenade") or a suicide ("blew himself up") leaves a line typed as plain text. In a video
    whose kill feed names the same people, those lines are deaths too; other text is not."""
    from retrieval.obituaries import read_as, same_name

    names = {"Sarge", "Tony", "Angelyss", "Major"}
    assert read_as("Sarge vas melted by Angelyss's plasmagun", names) == "kill"
    assert read_as("Major ate Sarge's grenade", names) == "kill"
    assert read_as("Tony blew himself up", names) == "death" and read_as("Sarge tripped on his own.grenade.", names) == "death"
    assert read_as("Tony:l just couldn't take it anymore.", names) is None  # someone talking
    assert read_as("Quake's turn to move", names) is None and read_as("Tied for 4th place with 2", names) is None
    assert read_as("Sarge vas melted by Angelyss's plasmagun", set()) is None  # no kill feed, no names
    assert same_name("Ange", "Angelyss") and not same_name("Sa", "Sarge")  # a name cut short at the feed's edge
    kb = _arena_kb(tmp_path, [(5.0, "Sorceress was gunned down by Sarge"), (10.0, "Major ate Sarge's grenade"),
                              (19.0, "Sarge was machinegunned by Tony"), (26.0, "Sarge vas melted by Angelyss's plasmagun"),
                              (30.0, "Major was machinegunned by Tony"), (40.0, "Tony blew himself up"),
                              (45.0, "Sarge ate Tony's grenade")], untyped="text")
    assert [m.at_s for m in gather(kb, "who killed Sarge?")] == [19.0, 26.0, 45.0]
    answer = Extractive().answer("how many kills did Sarge get?", gather(kb, "how many kills did Sarge get?")).text
    assert answer.startswith("2 kills in arena:"), answer
    assert [m.at_s for m in gather(kb, "how many times did Tony die?")] == [40.0]


def test_a_numbered_thing_is_the_one_whose_label_says_so(tmp_path):
    """"lap 2": a round event holds "lap" through its kind's search words, and "Go (round 2 of 30)!"
    holds the 2; neither is lap 2. "round 2" is."""
    from retrieval.search import search

    kb = _arena_kb(tmp_path, [(3.0, "Go (round 2 of 30)!"), (50.0, "Final lap!"), (52.0, "Tony ate Kyonshi's rocket"),
                              (55.0, "Tony was electrocuted by Kyonshi"), (59.0, "Tony blew himself up")],
                   untyped="text", kind_words=True)
    assert [m.matched[0].label for m in search(kb, "when did round 2 start?")] == ["Go (round 2 of 30)!"]
    assert [m for m in search(kb, "when did lap 2 start?") if not m.closest] == []
    # a verb as the screen writes it, irregular: "blow" is "blew"
    assert [m.at_s for m in search(kb, "when did Tony blow himself up?")] == [59.0]


def test_a_count_of_a_thing_no_kind_names_counts_the_lines_that_name_it():
    q = parse("how many laps did I finish?")
    assert q.count and q.noun == "laps"
    found = [_moment(3.0, "round", "Ready!"), _moment(38.0, "achievement", "New fastest lap"),
             _moment(77.0, "round", "Final lap!")]
    assert [m.at_s for m in _of_kind(found, "laps")] == [38.0, 77.0]
    assert _of_kind(found, "items") == found  # no line names one: every match stays


def test_what_place_i_finished_in_is_the_last_place_line_glued_words_and_all(tmp_path):
    """A notice the screen repeats ("2nd place with 4", ... "1st place with 10"): at the end is the last
    one; OCR glues a narrow font's short words to their neighbour ("placewith")."""

    assert match_score(["place"], "1st placewith 10") == 1.0 and match_score(["place"], "placement") == 0.0
    assert match_score(["health"], "ofhealth") == 1.0 and match_score(["with"], "withering") == 0.0
    assert parse("what place did I finish in?").edge == "end" and parse("what place did I end up in?").edge == "end"
    assert parse("what position did I start in?").edge == "start"
    kb = _arena_kb(tmp_path, [(5.0, "Tied for 4th place with 2"), (17.0, "2nd place with 4"), (30.0, "Sarge was railed by Tony"),
                              (40.0, "1st placewith 9"), (50.0, "lst placewith 10"), (55.0, "Tony: gg")], untyped="text")
    assert [m.matched[0].label for m in gather(kb, "what place did I finish in?")] == ["lst placewith 10"]
    assert [m.matched[0].label for m in gather(kb, "what was my place at the start?")] == ["Tied for 4th place with 2"]
    assert [m.matched[0].label for m in gather(kb, "who died at the end?")] == ["Sarge was railed by Tony"]
    # the end alone is what happened in the last seconds, every line of them
    assert {m.matched[0].label for m in gather(kb, "what happened at the end?")} >= {"lst placewith 10", "Tony: gg"}


def test_the_biggest_hit_is_the_largest_damage_number_shown(tmp_path):
    """A strategy game's damage numbers float over the units, read as plain text (no words type them):
    the biggest hit is the largest of them, the smallest the least; a question about no damage is not
    answered with them."""
    kb = _arena_kb(tmp_path, [(4.0, "5"), (12.0, "Enemy unit sighted"), (20.0, "12"), (35.0, "22"), (41.0, "3"),
                              (50.0, "7 rounds till the end")], untyped="text")
    assert parse("what was the biggest hit?").extreme == "highest"
    assert [m.matched[0].label for m in gather(kb, "what was the biggest hit?")] == ["22"]
    assert [m.matched[0].label for m in gather(kb, "what was the smallest damage?")] == ["3"]
    text = Extractive().answer("what was the biggest hit?", gather(kb, "what was the biggest hit?")).text
    assert text == 'In arena: the screen read "22" [arena@00:34].', text
    assert "22" not in [m.matched[0].label for m in gather(kb, "what was the biggest enemy unit?") if m.matched]


def _doom_kb(tmp_path, kb=None, name="doom_e1m1"):
    """A Doom video as its pack writes it: pickups, and damage whose value is the health it took."""
    from kb import kinds
    from kb.lance import RecordedMoment
    from kb.schema import Event

    kb = kb or KnowledgeBase.open(tmp_path)
    video = kb.claim(tmp_path / f"{name}.mp4", f"{len(kb.videos()) + 7:02x}" * 32, {"duration_s": 60.0}, "lite")
    rows = [(2.0, "pickup", "ammo clip", None), (8.0, "damage", "health 97 -> 79", 18.0), (39.0, "pickup", "pump-action shotgun", None),
            (54.0, "damage", "health 58 -> 28", 30.0), (55.0, "damage", "health 28 -> 16", 12.0)]
    events = [Event(video_id=video.id, segment_idx=0, t_start=t, t_end=t + 1, kind=k, label=label, source="ocr", value=v)
              for t, k, label, v in rows]
    moments = [RecordedMoment(t, t + 1, "ocr", k, label, f"{k} {label} {kinds.get(k).words}") for t, k, label, _ in rows]
    return _one_segment(kb, video, 60.0, events, moments, ())


def test_the_biggest_drop_of_health_and_what_was_picked_up_in_a_named_game(tmp_path):
    kb = _doom_kb(tmp_path)
    _arena_kb(tmp_path, [(5.0, "Sarge was machinegunned by Tony"), (9.0, "Grism picked up the railgun")], kb=kb)
    for q in ("how much damage did the biggest hit do?", "when did my health drop the most?", "when did I take the most damage?"):
        text = Extractive().answer(q, gather(kb, q)).text
        assert text == "In doom_e1m1: you took damage (health 58 -> 28) [doom_e1m1@00:53].", (q, text)
    # "what did I pick up?" lists every pickup; "in doom" names the game (the other video's pickup is not listed)
    q = parse("what did I pick up in doom?")
    assert q.listing and parse("what did Grism say?").listing is False
    text = Extractive().answer("what did I pick up in doom?", gather(kb, "what did I pick up in doom?")).text
    assert "ammo clip" in text and "pump-action shotgun" in text and "railgun" not in text, text


def test_a_game_named_in_words_and_any_one_of_a_kind_that_did_something(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "lukjan was pierced by roland")], name="redeclipse_tdm")
    _arena_kb(tmp_path, [(5.0, "Sarge was machinegunned by Tony")], kb=kb)
    _q, f = named_videos(kb, parse("who got the most kills in red eclipse?"), Filters())
    assert f.videos == ["redeclipse_tdm"]
    # "a hedgehog": any one of them; what they did is the thing to find, not a crate's text that names hedgehogs
    kb2 = _arena_kb(tmp_path / "hw", [(10.0, "Thorn drowned"), (15.0, "Help for sick hedgehogs"), (40.0, "Ember drowned")],
                    untyped="text")
    assert parse("when did a hedgehog drown?").subjects == ["hedgehog"] and parse("when did I get a shotgun?").subjects == []
    text = Extractive().answer("when did a hedgehog drown?", gather(kb2, "when did a hedgehog drown?")).text
    assert "Thorn drowned" in text and "Ember drowned" in text and "sick" not in text, text


def test_what_the_allies_said_is_the_chat(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "[09:15] Black-Crusher (private to Player): gl ;)"), (9.0, "Chat: All"),
                              (20.0, "Black-Crusher Gives you a Truck")], untyped="text")
    q = parse("what did my allies say?")
    assert q.speech and q.chat and q.words == [] and not parse("what did the commentator say?").chat
    text = Extractive().answer("what did my allies say?", gather(kb, "what did my allies say?")).text
    # the chat line, not the chat box's prompt "Chat: All" (no one called Chat), nor a notice
    assert "gl ;)" in text and "Chat: All" not in text and "Truck" not in text, text


def test_chat_shorthand_is_found_by_what_it_stands_for(tmp_path):
    # Warzone 2100's allies: "gl" is how a player wishes good luck; a pickup's "GL" is a grenade launcher
    kb = _arena_kb(tmp_path, [(5.0, "[19:55] Green-BoneCrusher (private to Player): from Green: hi.. gl hf"),
                              (9.0, "[19:55] Purple-Crusher (private to Player): from Purple: gl"),
                              (30.0, "[19:57] Purple-Crusher (private to Player): All my new shiny army for you"),
                              (40.0, "You got the GL")], untyped="chat", kind_words=True)
    found = [m.matched[0].label for m in gather(kb, "when did Purple-Crusher wish us good luck?") if not m.closest]
    assert found == ["[19:55] Purple-Crusher (private to Player): from Purple: gl"], found
    found = [m.matched[0].label for m in gather(kb, "who said have fun?") if not m.closest]
    assert found == ["[19:55] Green-BoneCrusher (private to Player): from Green: hi.. gl hf"], found


def test_what_i_said_is_my_voice_before_an_allys_chat(tmp_path):
    from kb.lance import RecordedMoment
    from kb.schema import Event

    # the player's commentary in one video, an ally's chat in another that matches the rarer word
    kb = _arena_kb(tmp_path, [(5.0, "[20:02] Purple-Crusher (private to Player): My power is to low"),
                              (9.0, "[20:03] Purple-Crusher (private to Player): low power")], name="warzone", untyped="chat")
    video = kb.claim(tmp_path / "doom.mp4", "dd" * 32, {"duration_s": 60.0}, "lite")
    said = "My health is at sixteen percent, this is bad."
    _one_segment(kb, video, 60.0, [Event(video_id=video.id, segment_idx=0, t_start=30.0, t_end=33.0, kind="speech",
                                         label=said, source="speech")],
                 [RecordedMoment(30.0, 33.0, "speech", "speech", said, f"speech {said}")], [])
    moments = gather(kb, "when did I say I was low on health")
    assert [m.video for m in moments] == ["doom"] and said in moments[0].matched[0].label, moments
    # the chat where no speech says it, and an ally's words where the question asks for them
    assert {m.video for m in gather(kb, "when did I say my power was low") if not m.closest} == {"warzone"}
    assert {m.video for m in gather(kb, "when did Purple-Crusher say power was low?") if not m.closest} == {"warzone"}


def test_did_one_kill_another_who_killed_someone_most_and_what_happened_first(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Tony was electrocuted by Kyonshi"), (19.0, "Sarge was machinegunned by Tony"),
                              (30.0, "Tony ate Kyonshi's rocket"), (45.0, "Tony was gunned down by Sarge")])
    _arena_kb(tmp_path, [(3.0, "Year: 1600 BCE"), (50.0, "Napoli has finished building City Walls")], name="freeciv_italians", kb=kb,
              untyped="text")
    q = parse("did Sarge ever kill Tony?")
    assert (q.killer, q.victim) == ("sarge", "tony")
    text = Extractive().answer("did Sarge ever kill Tony?", gather(kb, "did Sarge ever kill Tony?")).text
    assert "Tony was gunned down by Sarge" in text and "machinegunned" not in text, text
    text = Extractive().answer("who killed Tony the most?", gather(kb, "who killed Tony the most?")).text
    assert "Kyonshi: 2 kills" in text and "Sarge: 1 kill" in text, text
    # the first thing that happened in a named video: its start ("what's" asks, it is no word to find)
    for question in ("what's the first thing that happened in freeciv?", "what happened first in freeciv?"):
        assert "what's" not in parse(question).words
        moments = gather(kb, question)
        assert moments and {m.video for m in moments} == {"freeciv_italians"} and "Year: 1600 BCE" in moments[0].matched[0].label, question


def test_who_did_it_in_the_kill_feeds_own_words_asks_for_the_one_killed(tmp_path):
    # Armagetron's feed: "X core dumped Y"; the question says it so, with no kill word of its own
    kb = _arena_kb(tmp_path, [(5.0, "glTron core dumped Linux for 3 points"), (20.0, "Linux core dumped Quake for 3 points"),
                              (40.0, "Windows core dumped glTron for 3 points")])
    for question in ("who core dumped Linux?", "Who core dumped Linux?"):
        moments = gather(kb, question)
        assert [m.matched[0].label for m in moments] == ["glTron core dumped Linux for 3 points"], (question, moments)
    assert "glTron core dumped Linux" in Extractive().answer("who core dumped Linux?", moments).text
    # words no kill line puts between two names ask no kill ("who helped Linux?" is no "who killed Linux?")
    assert [m.matched[0].label for m in gather(kb, "who helped Linux?") if not m.closest] != ["glTron core dumped Linux for 3 points"]
    # "a" after the kill words is no one's name: "who killed a teammate?" found nothing in a library
    # where a kill line says "killed" between two names and a death line holds "a"
    kb = _arena_kb(tmp_path / "bz", [(5.0, "Quake killed Windows"), (20.0, "Hawk04: killed by teammate Hawk03"),
                                     (30.0, "Linux lost 2 points since it caused a general protection fault")])
    assert "Hawk04: killed by teammate Hawk03" in [m.matched[0].label for m in gather(kb, "who killed a teammate?") if not m.closest]


def test_what_game_is_this_tells_the_game_each_video_was_read_as(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "game information received, starting..")], untyped="text")
    video = kb.claim(tmp_path / "doom_e1m1.mp4", "ef" * 32, {"duration_s": 30.0}, "lite")
    row = SegmentRow(idx=0, start_s=0.0, end_s=30.0, keyframe_s=5.0, text_vec=[1.0] + [0.0] * 383)
    kb.commit_video(video.id, VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=30, keyframe_s=5)], rows=[row],
                                           game="doom", game_score=0.9,
                                           manifest={"text_vec": {"model": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}}),
                    {"profile": "lite"})
    assert parse("what game is this?").which_game and parse("which games are in my library?").which_game
    assert not parse("what game information was received?").which_game
    text = Extractive().answer("what game is this?", gather(kb, "what game is this?")).text
    assert "In doom_e1m1: read as doom, with its game pack, chosen automatically (0.90)" in text, text
    assert "In arena: a game no pack knows, read with the generic path" in text, text
    text = Extractive().answer("which game was played in doom_e1m1?", gather(kb, "which game was played in doom_e1m1?")).text
    assert text.startswith("In doom_e1m1: read as doom") and "arena" not in text, text


def test_who_won_reads_the_name_the_screen_drew_apart_from_its_line(tmp_path):
    """"Winner:" in one font and the name in another are read as two lines: a "who" question whose
    matching line names no one is answered with the text read with it; a line that names someone
    is answered by itself."""
    kb = _arena_kb(tmp_path, [(10.0, "Glorp: gg"), (30.0, "Sarge won the duel"), (31.0, "Tony: nice"),
                              (46.0, "Winner:"), (46.5, "Quake"), (52.0, "Linux core dumped Quake")], untyped="text")
    text = Extractive().answer("who won?", gather(kb, "who won?")).text
    assert 'Winner: (read with it: "Quake") [arena@00:45]' in text, text
    assert "Sarge won the duel [arena@00:29]" in text and "nice" not in text and "core" not in text, text
    assert "read with it" not in Extractive().answer("when did I win?", gather(kb, "when did I win?")).text


def test_who_won_where_the_screen_writes_only_the_standing_is_its_first_place_at_the_end(tmp_path):
    """A spectator's deathmatch writes no "Winner:" but "1st place with 10" when the followed player
    hits the limit: "who won?" is that last standing, with the player the view follows (its "You
    fragged X" lines beside the feed's); a first place early in the match won nothing, and a video
    with a line of its own that says who won keeps it."""
    lines = [(5.0, "You fragged Grism"), (5.4, "Grism was machinegunned by Sarge"), (9.0, "Tied for 2nd place with 1"),
             (20.0, "You fragged Tony"), (20.3, "Tony was railed by Sarge"), (21.0, "1st place with 2"),
             (35.0, "Tony was railed by Major"), (52.0, "2nd place with 9"), (57.0, "lst placewith 10")]
    kb = _arena_kb(tmp_path, lines, untyped="text")
    text = Extractive().answer("who won the match?", gather(kb, "who won the match?")).text
    assert "lst placewith 10 (the player on screen: Sarge) [arena@00:56]" in text and "with 2" not in text, text
    assert [m.matched[0].label for m in gather(kb, "did I win?")] == ["lst placewith 10"]
    assert not [m for m in gather(kb, "who won the first round?") if not m.closest]  # no standing of a round
    early = _arena_kb(tmp_path / "early", lines[:6])  # first at 00:21 of 60 s: no standing at the end
    assert not [m for m in gather(early, "who won?") if not m.closest]
    _arena_kb(tmp_path, [(40.0, "Winner: Quake"), (55.0, "1st place with 3")], name="rounds", kb=kb, untyped="text")
    assert [m.matched[0].label for m in gather(kb, "who won?", filters=Filters(videos=["rounds"]))] == ["Winner: Quake"]


def test_ocr_lookalikes_and_how_a_player_says_the_screen_showed_it(tmp_path):
    """A small font's "1" reads as "l" and its "o" as "0": "Tied for lst place" is 1st place. "when was
    Ready shown?": the screen shows things without saying "shown"."""
    from retrieval.search import match_score, search

    assert match_score(["1st"], "Tied for lst place with 8") == 1.0 and match_score(["lost"], "Arnagetron l0st 2 points") == 1.0
    assert match_score(["1st"], "Tied for 4th place") == 0.0 and match_score(["list"], "lst") == 0.0
    kb = _arena_kb(tmp_path, [(3.0, "Ready!"), (4.0, "Set!"), (5.0, "Go!"), (30.0, "Tied for lst place with 8"),
                              (40.0, "Tied for 3rd place with 6")], untyped="text", kind_words=True)
    assert [m.matched[0].label for m in search(kb, "when was Ready shown?")] == ["Ready!"]
    assert [m.matched[0].label for m in search(kb, "when was I tied for 1st place?")][0] == "Tied for lst place with 8"


def test_who_won_round_2_is_the_win_between_round_2_and_round_3(tmp_path):
    """"round 2" is a span of the video: from the line that says it began to the one that says round 3
    did. What the question asks about in it need not say "round 2" itself ("Winner:")."""
    kb = _arena_kb(tmp_path, [(3.0, "Go (round 1 of 3)!"), (20.0, "Winner:"), (20.4, "Quake"), (30.0, "Go (round 2 of 3)!"),
                              (50.0, "Winner:"), (50.3, "Windows"), (55.0, "Go (round 3 of 3)!"), (58.0, "Winner:")],
                   untyped="text", kind_words=True)
    won = gather(kb, "who won round 2?")
    assert [m.at_s for m in won] == [50.0], won
    assert '"Windows"' in Extractive().answer("who won round 2?", won).text
    assert [m.at_s for m in gather(kb, "who won round 1?")] == [20.0]
    assert [m.matched[0].label for m in gather(kb, "when did round 2 start?")] == ["Go (round 2 of 3)!"]
    assert [m for m in gather(kb, "who won lap 2?") if not m.closest] == []  # no lap 2 said: none of them


def test_a_feed_line_cut_before_the_killers_name_ends_is_still_a_death(tmp_path):
    """"Kyonshi almost dodged Sorce": the killer's name and its "'s" cut at the feed's edge. The words
    after the name are those the video's own kill lines use ("Major almost dodged Tony's rocket"):
    Kyonshi died. Words no kill line of the video uses tell nothing."""
    from retrieval.obituaries import owner_phrase, read_as

    assert owner_phrase("Major almost dodged Tony's rocket") == "almost dodged" and owner_phrase("Sorceress ate Grism's rocket") == "ate"
    assert owner_phrase("Sarge was machinegunned by Tony") is None
    names = {"Kyonshi", "Major", "Tony", "Sorceress"}
    assert read_as("Kyonshi almost dodged Sorce", names, {"almost dodged"}) == "death"
    assert read_as("Kyonshi almost dodged Sorce", names) is None and read_as("Kyonshi almost won", names, {"almost dodged"}) is None
    kb = _arena_kb(tmp_path, [(1.0, "Major was machinegunned by Tony"), (2.0, "Kyonshi was machinegunned by Tony"),
                              (5.0, "Major almost dodged Tony's rocket"),
                              (12.0, "Kyonshi almost dodged Sorce"),
                              (20.0, "Kyonshi blew herself up"), (30.0, "Kyonshi almost reached the flag")], untyped="text")
    assert [m.at_s for m in gather(kb, "how many times did Kyonshi die?")] == [2.0, 12.0, 20.0]


def test_a_death_a_spectators_you_line_told_is_the_followed_players_kill_whatever_the_feed_misread(tmp_path):
    """"You fragged Angelyss" with "Angelyss was electrocuted by Safg" at once: one death, and the
    followed player's (Sarge, as two other deaths say) kill, though the feed's name is misread."""
    kb = _arena_kb(tmp_path, [(5.0, "You fragged Grism"), (5.4, "Grism was machinegunned by Sarge"),
                              (20.0, "You fragged Tony"), (20.3, "Tony was railed by Sarde"),
                              (45.0, "You fragged Angelyss"), (45.3, "Angelyss was electrocuted by Safg"),
                              (50.0, "Major was shredded by Tony's shrapnel")])
    answer = Extractive().answer("how many kills did Sarge get?", gather(kb, "how many kills did Sarge get?")).text
    assert answer.startswith("3 kills in arena:") and "Safg" in answer, answer
    text = Extractive().answer("who got the most kills?", gather(kb, "who got the most kills?")).text
    assert "read: Sarge: 3 kills" in text and "Safg" not in text.split("read:")[1].split("[")[0], text
    # who was killed is read as before: the feed's line, its killer named as it reads
    assert [m.matched[0].label for m in gather(kb, "who killed Angelyss?")] == ["Angelyss was electrocuted by Safg"]


def _race_kb(tmp_path, events, states=()):
    """A race as the generic path reads it: (t, kind, label) events (its HUD counter's changes typed
    "hud": "top-right 1/3 -> 2/3"), each searchable with its kind's words, and state samples."""
    from kb import kinds
    from kb.lance import RecordedMoment
    from kb.schema import Event

    kb = KnowledgeBase.open(tmp_path)
    video = kb.claim(tmp_path / "race.mp4", "ef" * 32, {"duration_s": 100.0}, "lite")
    rows = [Event(video_id=video.id, segment_idx=0, t_start=t, t_end=t, kind=k, label=label, source="hud" if k == "hud" else "ocr")
            for t, k, label in events]
    moments = [RecordedMoment(t, t, "ocr", k, label, f"{k} {label} {kinds.get(k).words}") for t, k, label in events]
    return _one_segment(kb, video, 100.0, rows, moments, states)


def test_how_many_laps_or_rounds_is_the_numbers_the_screen_gave_them(tmp_path):
    """"how many laps were there?" counted the lines with "lap" in them ("New fastest lap", "Final
    lap!": 2); the HUD's lap counter, or the rounds the screen numbered, say how many."""
    counter = [StateSample(t=float(t), name="top-right", value=1.0) for t in range(6, 38)]
    kb = _race_kb(tmp_path, [(5.0, "round", "Go!"), (25.0, "hud", "bottom-right 3 -> 2"), (36.0, "achievement", "New fastest lap"),
                             (38.0, "hud", "top-right 1/3 -> 2/3"), (50.0, "hud", "right 5/5 -> 0/5"),
                             (76.0, "round", "Final lap!"), (77.0, "hud", "top-right 2/3 -> 3/3")], states=counter)
    laps = Extractive().answer("how many laps were there?", gather(kb, "how many laps were there?")).text
    assert laps.startswith("3 laps in race: top-right 1/3 [race@00:05]; top-right 1/3 -> 2/3"), laps
    done = Extractive().answer("how many laps did I finish?", gather(kb, "how many laps did I finish?")).text
    assert done.startswith("2 laps in race: top-right 1/3 -> 2/3"), done
    # a line that numbers one of them ("Lap 2" at the centre) tells that one; the counter the others
    # (and a message with its other line, "New fastest lap / 00:32.717 by Pidgin", numbers no lap 0)
    kb = _race_kb(tmp_path / "banner", [(36.0, "achievement", "New fastest lap / 00:32.717 by Pidgin"), (38.0, "hud", "top-right 1/3 -> 2/3"),
                                        (38.2, "round", "Lap 2"), (76.0, "round", "Final lap!"), (77.0, "hud", "top-right 2/3 -> 3/3")],
                  states=[StateSample(t=float(t), name="top-right", value=1.0) for t in range(6, 38)])
    laps = Extractive().answer("how many laps were there?", gather(kb, "how many laps were there?")).text
    assert laps.startswith("3 laps in race: top-right 1/3 [race@00:05]; round/level: Lap 2 [race@00:37]; top-right 2/3 -> 3/3"), laps
    # a counter says not what it counts: the race never says "round", so it counts no rounds
    assert not [m for m in gather(kb, "how many rounds were there?") if m.matched and m.matched[0].kind == "hud"]
    arena = _arena_kb(tmp_path / "arena", [(0.0, "Go (round 1 of 30)!"), (30.0, "Quake was awarded 10 points"),
                                           (31.0, "Go (round 2 of 3e)!"), (40.0, "Round 2 begins")], untyped="round")
    rounds = Extractive().answer("how many rounds were played?", gather(arena, "how many rounds were played?")).text
    assert rounds.startswith("2 rounds in arena: round/level: Go (round 1 of 30)! [arena@00:00]; round/level: Go (round 2 of 3e)!"), rounds


def test_when_lap_2_started_is_when_the_lap_counter_went_to_2(tmp_path):
    """No "Lap 2" read on screen: the HUD's counter "1/3" going to "2/3" says when lap 2 began; a
    number that is no counter (the position "2 -> 1") does not, nor does a counter for "round 2"
    when the question is about something else in it."""
    clock = [StateSample(t=float(t), name="clock", value=t - 4.7) for t in range(5, 100)]
    kb = _race_kb(tmp_path, [(3.0, "round", "Ready!"), (5.0, "round", "Go!"), (25.0, "hud", "bottom-right 3 -> 2"),
                             (38.0, "hud", "top-right 1/3 -> 2/3"), (40.0, "hud", "bottom-right 2 -> 1"),
                             (76.0, "round", "Final lap!"), (77.0, "hud", "top-right 2/3 -> 3/3")], states=clock)
    assert [m.at_s for m in gather(kb, "when did lap 2 start?")] == [38.0]
    assert [m.at_s for m in gather(kb, "when did lap 3 start?")] == [77.0]
    text = Extractive().answer("when did lap 2 start?", gather(kb, "when did lap 2 start?")).text
    assert text == "In race: lap 2 began: the counter at top-right went 1/3 -> 2/3 [race@00:37].", text
    assert [m for m in gather(kb, "when did lap 4 start?") if not m.closest] == []
    # the race never says "round": its lap counter tells no round's start
    assert not [m for m in gather(kb, "when did round 2 start?") if not m.closest and m.matched and m.matched[0].kind == "hud"]
    at = gather(kb, "what was the race time when lap 2 started?")
    assert [(m.at_s, [(s.name, round(s.value, 1)) for s in m.state]) for m in at] == [(38.0, [("clock", 33.3)])], at
    assert [m.matched[0].label for m in gather(kb, "when did the final lap start?")] == ["Final lap!"]  # said on screen


def test_a_counter_in_a_video_the_question_names_counts_what_it_asks_though_the_screen_never_says_the_word(tmp_path):
    """Wesnoth's turn counter "3/8" has an hourglass beside it, no "Turn": "how many turns were
    played in wesnoth?" found nothing. In a video the question names, the one counter that only
    ever counts up by one counts what is asked; not the villages "6/14", which went down and up."""
    from kb import kinds
    from kb.lance import RecordedMoment
    from kb.schema import Event

    kb = _arena_kb(tmp_path, [(5.0, "Grism was machinegunned by Sarge")], name="arena")
    video = kb.claim(tmp_path / "wesnoth_match.mp4", "ab" * 32, {"duration_s": 120.0}, "lite")
    changes = [(9.0, "top-left 3/8 -> 4/8"), (64.0, "top-left 4/8 -> 5/8"), (66.0, "top 6/14 -> 5/14"),
               (66.5, "top 5/14 -> 6/14"), (84.0, "top 6/14 -> 7/14"), (115.0, "top-left 5/8 -> 6/8")]
    rows = [Event(video_id=video.id, segment_idx=0, t_start=t, t_end=t, kind="hud", label=label, source="hud") for t, label in changes]
    moments = [RecordedMoment(t, t, "hud", "hud", label, f"hud {label} {kinds.get('hud').words}") for t, label in changes]
    _one_segment(kb, video, 120.0, rows, moments, [StateSample(t=float(t), name="top-left", value=3.0) for t in range(0, 9)])
    turns = Extractive().answer("how many turns were played in wesnoth?", gather(kb, "how many turns were played in wesnoth?")).text
    assert turns.startswith("4 turns in wesnoth_match: top-left 3/8"), turns
    assert [m.at_s for m in gather(kb, "when did turn 5 start in wesnoth?")] == [64.0]
    assert [m.at_s for m in gather(kb, "when did turn 6 start in wesnoth?")] == [115.0]
    # not named, where no video says "turn": the one video that names nothing it counts may count
    # turns (a library of one Wesnoth game: "when did turn 5 start?" is its counter's 5)
    assert [m.at_s for m in gather(kb, "when did turn 5 start?")] == [64.0]
    # ... but not where another video says the word, nor for a video that names what its counter
    # counts (a race's "Lap 2": its lap counter counts no turns)
    race = _race_kb(tmp_path / "race", [(5.0, "round", "Go!"), (38.0, "hud", "top-right 1/3 -> 2/3"), (38.2, "round", "Lap 2"),
                                        (77.0, "hud", "top-right 2/3 -> 3/3")])
    assert not [m for m in gather(race, "when did turn 2 start?") if not m.closest and m.matched and m.matched[0].kind == "hud"]
    _arena_kb(tmp_path, [(20.0, "Turn 9 begins")], name="other", kb=kb)
    assert not [m for m in gather(kb, "when did turn 5 start?") if not m.closest and m.matched and m.matched[0].kind == "hud"]


def test_my_position_is_the_number_that_is_no_counter_unless_the_screen_writes_it_out(tmp_path):
    """A kart race's HUD: the position digit bottom right and the lap counter "1/3" top right, neither
    labelled. "what position was I in at the end?" is the position's last reading, "my best
    position" its lowest, and the lap counter is no position (but is what "what lap" asks). Where a
    video writes the rank in words ("2nd place with 5"), its lines answer instead."""
    states = [StateSample(t=t, name="bottom-right", value=v) for t, v in ((10.0, 5.0), (25.0, 2.0), (40.0, 1.0), (52.0, 2.0), (88.0, 6.0))]
    states += [StateSample(t=t, name="top-right", value=v) for t, v in ((6.0, 1.0), (38.0, 2.0), (77.0, 3.0), (99.0, 3.0))]
    kb = _race_kb(tmp_path, [(5.0, "round", "Go!"), (38.0, "hud", "top-right 1/3 -> 2/3"), (40.0, "hud", "bottom-right 2 -> 1"),
                             (76.0, "round", "Final lap!"), (77.0, "hud", "top-right 2/3 -> 3/3")], states=states)
    assert parse("what position was I in at the end?").asks_value and parse("what place did I finish in?").asks_value
    end = Extractive().answer("what position was I in at the end?", gather(kb, "what position was I in at the end?")).text
    assert "the number at bottom-right 6 (last, at 01:28)" in end and "top-right" not in end, end
    best = Extractive().answer("what was my best position?", gather(kb, "what was my best position?")).text
    assert "the number at bottom-right 1 (lowest, at 00:40)" in best and "top-right" not in best, best
    lap = Extractive().answer("what lap was I on at the end?", gather(kb, "what lap was I on at the end?")).text
    assert "the number at top-right 3 (last, at 01:39)" in lap and "bottom-right" not in lap, lap
    when = {m.matched[0].label: [(s.name, s.value, s.t) for s in m.state] for m in gather(kb, "what was my position when the final lap started?")}
    assert when["Final lap!"] == [("bottom-right", 2.0, 52.0)], when  # read at 52 s, and again only at 88 s
    # "lap 2" says when: the position at the moment the counter went to 2
    at = gather(kb, "what was my position at the start of lap 2?")
    assert [[(s.name, s.value) for s in m.state] for m in at] == [[("bottom-right", 1.0)]], at
    # a shooter that writes its rank out: the lines, not its unlabelled numbers
    kb2 = _arena_kb(tmp_path / "arena", [(17.0, "2nd place with 4"), (50.0, "1st place with 10")], untyped="text",
                    states=[StateSample(t=t, name="bottom-right", value=v) for t, v in ((1.0, 2.0), (50.0, 10.0))])
    assert [m.matched[0].label for m in gather(kb2, "what place did I finish in?")] == ["1st place with 10"]


def test_taking_and_losing_the_lead_are_changes_of_the_position(tmp_path):
    """"when did I take the lead?": the position went to 1; "lose the lead": it left 1; "drop to last
    place": it went to its largest value. The lap counter is no position, nor a number that is no
    whole number from 1 (a speed)."""
    assert parse("when did I take the lead?").rank_move == ("to", 1) and parse("when did I lose the lead?").rank_move == ("from", 1)
    assert parse("when did I drop to last place?").rank_move == ("to", None) and parse("when did I fall to 6th place?").rank_move == ("to", 6)
    assert parse("when did I move up to second place?").rank_move == ("to", 2) and parse("when did I take the shotgun?").rank_move is None
    states = [StateSample(t=t, name="bottom-right", value=v) for t, v in ((10.0, 5.0), (25.0, 2.0), (40.0, 1.0), (52.0, 2.0), (88.0, 6.0))]
    states += [StateSample(t=t, name="top-right", value=v) for t, v in ((6.0, 1.0), (38.0, 2.0), (77.0, 3.0))]
    states += [StateSample(t=t, name="bottom-left", value=v) for t, v in ((6.0, 1.0), (30.0, 42.5))]
    kb = _race_kb(tmp_path, [(5.0, "round", "Go!"), (38.0, "hud", "top-right 1/3 -> 2/3"), (77.0, "hud", "top-right 2/3 -> 3/3")],
                  states=states)

    def when(question):
        return [(s.name, s.value, s.t) for m in gather(kb, question) for s in m.state]

    assert when("when did I take the lead?") == [("bottom-right", 1.0, 40.0)]
    assert when("when did I lose the lead?") == [("bottom-right", 2.0, 52.0)]
    assert when("when did I drop to last place?") == [("bottom-right", 6.0, 88.0)]
    text = Extractive().answer("when did I take the lead?", gather(kb, "when did I take the lead?")).text
    assert text == "In race: the number at bottom-right 1 (went from 2, at 00:40) [race@00:39].", text


def test_a_count_of_things_done_to_counts_the_deed_not_lines_naming_the_things(tmp_path):
    # a strategy game's notices name enemy units, but none says one was killed: "how many enemy
    # units did I kill?" has nothing to count; kill lines would be counted
    kb = _arena_kb(tmp_path, [(24.0, "Enemy unit sighted"), (114.0 - 60.0, "2 enemy units sighted!")], name="strategy",
                   untyped="text", kind_words=True)
    assert gather(kb, "how many enemy units did I kill?") == []
    assert gather(kb, "how many units did I lose?") == []  # lost: died, not named
    assert len(gather(kb, "how many enemy units were sighted?")) == 2
    kb = _arena_kb(tmp_path, [(10.0, "Enemy unit destroyed"), (30.0, "Enemy unit sighted")], name="rts", kb=kb,
                   untyped="text", kind_words=True)
    counted = [m.matched[0].label for m in gather(kb, "how many enemy units did I kill?")]
    assert counted == ["Enemy unit destroyed"], counted


def test_a_series_beside_a_counter_at_the_same_area_is_no_counter(tmp_path):
    # a strategy game's top bar: the turn counter "3/8" and the gold, both top left: the gold's
    # series is "top-left'" (a second series of the area), and a value question reads it
    states = [StateSample(t=t, name="top-left", value=v) for t, v in ((0.0, 3.0), (3.0, 4.0), (34.0, 5.0))]
    states += [StateSample(t=t, name="top-left'", value=v) for t, v in ((0.0, 3.0), (3.0, 11.0), (35.0, 4.0))]
    kb = _race_kb(tmp_path, [(3.0, "hud", "top-left 3/8 -> 4/8"), (34.0, "hud", "top-left 4/8 -> 5/8"),
                             (3.0, "hud", "top-left' 3 -> 11"), (35.0, "hud", "top-left' 11 -> 4")], states=states)
    text = Extractive().answer("how much gold did I have at the start?", gather(kb, "how much gold did I have at the start?")).text
    assert "the second number at top-left 3 (first, at 00:00)" in text and "the number at top-left 3" not in text, text


def test_a_closest_moment_is_cited_where_its_line_was_read(tmp_path):
    # nothing says "Khmers"; the closest line, read 15 s into a 60-s segment, is cited at 00:14
    # (half a second before it), not at the segment's start
    kb = _arena_kb(tmp_path, [(15.0, "You agree on an alliance with Jayavarman II")], name="civ", untyped="text", kind_words=True)
    near = gather(kb, "when did we make an alliance with the Khmers?")
    assert [(m.closest, m.start_s) for m in near] == [(True, 14.5)], near
    text = Extractive().answer("when did we make an alliance with the Khmers?", near).text
    assert "[civ@00:14]" in text, text


def test_what_happened_in_the_first_or_last_seconds_of_a_video(tmp_path):
    kb = _arena_kb(tmp_path, [(4.0, "Sorceress was melted by Sarge's plasmagun"), (19.0, "Sarge was shredded by Grism"),
                              (38.0, "Sarge was machinegunned by Tony"), (52.0, "Fragged by Grism")])
    q = parse("what happened in the first 20 seconds?")
    assert q.span == (0.0, 20.0) and "seconds" not in q.words and "first" not in q.words
    assert parse("what happened in the last two minutes of the race?").edge_s == 120.0
    assert parse("how did the first minute go?").span == (0.0, 60.0) and parse("when was the first kill?").span is None
    first = sorted(m.matched[0].label for m in gather(kb, "what happened in the first 20 seconds?"))
    assert first == ["Sarge was shredded by Grism", "Sorceress was melted by Sarge's plasmagun"], first
    # the last 25 seconds of a 60 s video: from 00:35 on, not only the moments around its last seconds
    last = sorted(m.matched[0].label for m in gather(kb, "what happened in the last 25 seconds?"))
    assert last == ["Fragged by Grism", "Sarge was machinegunned by Tony"], last


def test_a_round_whose_number_was_misread_as_a_letter_is_counted_by_where_it_falls(tmp_path):
    # Armagetron's bitmap font: "Go (round 1 of 30)!" read "L", round 3's "3" read "a"; the line
    # read again seconds later is no other round
    kb = _arena_kb(tmp_path, [(0.0, "Go (round L of 3e)!"), (7.0, "Go (round l of 30)!"), (63.0, "Go [round 2 of"),
                              (67.0, "Go (round 2 of 3e]!"), (92.0, "Go [round a of 3e]!")], untyped="round")
    text = Extractive().answer("how many rounds were played?", gather(kb, "how many rounds were played?")).text
    assert text.startswith("3 rounds in arena: round/level: Go (round L of 3e)! [arena@00:00]; round/level: Go [round 2 of"), text
    assert "Go [round a of 3e]! [arena@01:3" in text and "00:07" not in text, text


def test_a_round_misread_as_a_letter_is_found_by_its_number(tmp_path):
    # "who won round 1?" where round 1's line read "Go (round L of 3e)!": the winner between it and
    # round 2; "when did round 3 start?" where its "3" read "a": that line, by where it falls; a
    # round with nothing asked in it, or asked when it ended, is no start
    kb = _arena_kb(tmp_path, [(0.0, "Go (round L of 3e)!"), (20.0, "Winner: Armagetron"), (25.0, "Go [round 2 of"),
                              (40.0, "Winner: glTron"), (50.0, "Go [round a of 3e]!")], untyped="round")
    assert [m.matched[0].label for m in gather(kb, "who won round 1?")] == ["Winner: Armagetron"]
    assert [m.matched[0].label for m in gather(kb, "who won round 2?")] == ["Winner: glTron"]
    assert [m.matched[0].label for m in gather(kb, "when did round 3 start?")] == ["Go [round a of 3e]!"]
    assert not [m for m in gather(kb, "who won round 3?") if not m.closest]
    assert not [m for m in gather(kb, "when did round 3 end?") if not m.closest]


def test_a_numbered_thing_run_into_a_digit_before_it_is_said_and_during_is_in(tmp_path):
    # PokerTH's log: "## Game: 1 | Hand: 4 ##" read "## Game:1Hand:4 ##" (the word after a digit);
    # "who folded during hand 4?" is asked of hand 4, from its header to hand 5's
    kb = _arena_kb(tmp_path, [(5.0, "## Game:1Hand:3 ##"), (9.0, "Stu folds."), (20.0, "## Game:1Hand:4 ##"),
                              (24.0, "Annie folds."), (40.0, "## Game:1Hand:5 ##"), (44.0, "Erik folds.")], untyped="text")
    assert [m.matched[0].label for m in gather(kb, "who folded during hand 4?")] == ["Annie folds."]
    assert [m.at_s for m in gather(kb, "when did hand 5 start?")] == [40.0]


def test_two_words_a_large_font_ran_together_match_each(tmp_path):
    # SuperTuxKart's "Final lap!" read "Finallap!": "final" and "lap" each meet it; a word of the
    # dictionary is no two ("placement" is no "place")
    assert match_score(["final", "lap"], "Finallap!") == 1.0
    assert match_score(["place"], "placement") == 0.0 and match_score(["lap"], "Finallapx") == 0.0
    kb = _arena_kb(tmp_path, [(5.0, "Go!"), (24.0, "Lap 2"), (48.0, "Finallap!")], untyped="round", kind_words=True)
    assert [m.matched[0].label for m in gather(kb, "when did the final lap start?")] == ["Finallap!"]


def test_how_many_things_were_done_counts_the_lines_that_say_so(tmp_path):
    # Pioneers' log: "Pikachu built a settlement.", "Napoleon played a Soldier development card."
    q = parse("how many settlements were built?")
    assert q.count and q.noun == "settlements" and q.words == ["settlements", "built"]
    q = parse("how many soldier cards were played?")
    assert q.count and q.noun == "cards" and {"soldier", "played"} <= set(q.words)
    assert parse("how many players were killed?").words == ["killed"] and parse("how many hedgehogs drowned?").words == ["drowned"]
    kb = _arena_kb(tmp_path, [
        (5.0, "Pikachu built a settlement."), (20.0, "Escher built a road."), (49.0, "Escher built a settlement."),
        (61.0, "Gorbachev played a Soldier development card."), (76.0, "Pikachu played a Soldier development card."),
        (80.0, "Pikachu played the Library development card.")], name="pioneers", untyped="text")
    built = Extractive().answer("how many settlements were built?", gather(kb, "how many settlements were built?")).text
    assert built.startswith("2 settlements in pioneers:") and "road" not in built, built
    played = Extractive().answer("how many soldier cards were played?", gather(kb, "how many soldier cards were played?")).text
    assert played.startswith("2 cards in pioneers:") and "Library" not in played, played


def test_what_happened_right_before_or_when_something_happened(tmp_path):
    kb = _arena_kb(tmp_path, [
        (20.0, "Pikachu bought a development card."), (41.0, "Pikachu played a Soldier development card."),
        (47.0, "Napoleon rolled 7."), (48.0, "Napoleon discarded 2 brick cards and 4 ore cards."),
        (49.0, "Escher built a road."), (52.0, "Pikachu played the Library development card."),
        (53.0, "Pikachu has won the game with 10 victory points!"), (53.5, "Napoleon said: My congratulations"),
        (58.0, "Escher said: gg")], name="pioneers", untyped="text")
    q = parse("which development cards did Pikachu play right before winning?")
    assert q.relative == ("which development cards did Pikachu play", "winning?", "before")
    assert parse("what was the race time when the final lap started?").relative is None  # a value: its own way
    assert parse("Sarge died in openarena").victim == "sarge" and parse("who died?").victim is None
    # the 10 s before the win, what the main clause asks: not the card bought long before
    cards = [m.matched[0].label for m in gather(kb, "which development cards did Pikachu play right before winning?")]
    assert cards == ["Pikachu played the Library development card."], cards
    # what was said at the win: the chat lines then, not the one five seconds later
    said = [m.matched[0].label for m in gather(kb, "what did the other players say when Pikachu won?")]
    assert "Napoleon said: My congratulations" in said and "Escher said: gg" not in said, said
    discarded = [m.matched[0].label for m in gather(kb, "what did Napoleon discard when he rolled a 7?")]
    assert discarded == ["Napoleon discarded 2 brick cards and 4 ore cards."], discarded


def test_what_happened_after_or_before_a_time_and_a_stretch_with_nothing_says_so_whole(tmp_path):
    kb = _arena_kb(tmp_path, [(5.0, "Sorceress was melted by Sarge's plasmagun"), (19.0, "Sarge was shredded by Grism"),
                              (45.0, "Sarge was machinegunned by Tony")], name="arena")
    q = parse("what happened after 0:30?")
    assert q.span is not None and q.span[0] == 30.0 and q.at == 30.0 and parse("what happened before 0:20?").span == (0.0, 20.0)
    assert [m.matched[0].label for m in gather(kb, "what happened after 0:30?")] == ["Sarge was machinegunned by Tony"]
    assert sorted(m.matched[0].label for m in gather(kb, "what happened before 0:20?")) == [
        "Sarge was shredded by Grism", "Sorceress was melted by Sarge's plasmagun"]
    # nothing in a stretch past the end: the answer names the stretch, not "what happened?" of the whole video
    q = "what happened between 5:00 and 6:00?"
    assert Extractive().answer(q, gather(kb, q)).text == "Nothing in the library matches “what happened between 5:00 and 6:00?”."


def test_a_notice_that_says_the_words_asked_for_comes_before_those_whose_kind_adds_them(tmp_path):
    # Red Eclipse: "readying 0:01", "game information received, starting." and "match start, fight!"
    # are round events, searchable with their kind's words ("round lap level wave stage turn match
    # race start begin"): each held "match" and "start", and "match start, fight!", a compound
    # whose head ("fight") the question does not name, came after them
    from retrieval.search import search

    lines = [(0.5, "readying 0:01"), (1.0, "game information received, starting."), (2.0, "match start, fight!")]
    kb = _arena_kb(tmp_path, lines, kind_words=True)
    assert [m.matched[0].label for m in search(kb, "match start")][:1] == ["match start, fight!"]
    # "when did the match start?" is where the screen says so, not the video's first seconds
    text = Extractive().answer("when did the match start?", gather(kb, "when did the match start?")).text
    assert text == "In arena: round/level: match start, fight! [arena@00:01].", text  # (cited a second before)
    # a video that says nothing of it: what happened in its first seconds, as before
    kb2 = _arena_kb(tmp_path / "b", [(0.5, "readying 0:01"), (30.0, "Tony was gunned down by Kyonshi")], name="other")
    assert "[other@00:00]" in Extractive().answer("when did the match start?", gather(kb2, "when did the match start?")).text
