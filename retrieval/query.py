"""Parse what the user typed: anchors (`@01:23`, `video@01:23`), intent, and the words to search.

Nothing here builds SQL or LanceDB filter strings; the result only carries typed values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.errors import GamekbError
from kb.models.vocabulary import vocabulary

ANCHOR = re.compile(r"(?:(?P<video>[^\s@]+))?@(?P<ts>\d{1,3}:\d{2}(?::\d{2})?(?:\.\d+)?)")
# "what happened between 0:30 and 1:00?", "from 1:00 to 1:30": a stretch of the video
SPAN = re.compile(r"\b(?:between|from)\s+(?P<a>\d{1,3}:\d{2}(?::\d{2})?)\s+(?:and|to|till|until|-)\s+"
                  r"(?P<b>\d{1,3}:\d{2}(?::\d{2})?)(?![\d:])", re.I)
# "what happened in the first 10 seconds?", "the last two minutes of the race": a stretch at an edge
EDGE_STRETCH = re.compile(r"\b(?P<side>first|opening|last|final|closing)\s+(?:(?P<n>\d{1,4}(?:\.\d+)?|a|one|two|three|four"
                          r"|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty)\s+)?(?P<unit>seconds?|secs?"
                          r"|minutes?|mins?)\b", re.I)
COUNT_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
# "what happened after 1:00?", "before 0:30": a stretch from a time to the end, or from the start to it
OPEN_SPAN = re.compile(r"\b(?P<side>after|since|before|until|till)\s+(?P<ts>\d{1,3}:\d{2}(?::\d{2})?)(?![\d:])", re.I)
OPEN_END_S = 1e7  # "after 1:00": up to the end, however long the video
# "what happened?", "summarize the match", "give me a recap": what a video holds, told in short
SUMMARY_INTENT = re.compile(r"^\s*(?:so\s+)?what\s+(?:happened|went\s+on|happens)\s*(?:(?:first|last)\s+)?"
                            r"(?:in\s+(?:(?:the|this|that|my)\s+)?(?:[\w'-]+\s+){0,2}[\w'-]+\s*)?"  # "in the hedgewars match"
                            r"(?:first|last)?\s*[?.!]*\s*$"  # "what happened last?": the last of it
                            r"|^\s*what(?:\s+(?:was|were)|'s)\s+(?:the\s+)?(?:first|last|final)\s+(?:things?|events?)\b"
                            r"|\b(?:summari[sz]e|summary|recap|overview|highlights|rundown|tl;?dr)\b", re.I)
SUMMARY_WORDS = {"summarize", "summarise", "summary", "recap", "overview", "highlights", "rundown", "tldr", "tl",
                 "dr", "happened", "give", "short", "brief", "quick", "whole", "entire", "full", "thing", "things",
                 "event", "events"}
# what a summary is of ("summarize the match"): no word to find
SUMMARY_OF = {"match", "game", "race", "round", "video", "clip", "recording", "level", "fight", "battle"}
# "how long was the match?", "how long is this video?": its length (a round or a lap is looked for)
LENGTH_NOUNS = ("match game video clip race recording fight battle deathmatch session level mission stage map run "
                "playthrough speedrun").split()
# "how long was the match?", "how long was the redeclipse match?" (a video's name before the noun)
LENGTH_INTENT = re.compile(r"^\s*how\s+long\s+(?:was|is|did)\s+(?:the|this|that|my|it)?\s*(?:[\w'-]+\s+){0,2}?"
                           rf"(?:{'|'.join(LENGTH_NOUNS)})?\s*(?:last|take)?\s*[?.!]*\s*$", re.I)
# "what game is this?", "which games are in my library?": the game each video was read as
GAME_INTENT = re.compile(r"^\s*(?:what|which)\s+games?\s+(?:is|are|was|were|am|did|do)\s+(?:this|these|that|those|it|in|i|we|"
                         r"played|there)\b(?:\s+(?:playing|play|played|my|the|library|videos?|clips?|in)\b)*"
                         r"(?:\s+(?:in|of)\s+[\w.'-]+(?:\s+[\w.'-]+){0,2})?\s*[?.!]*\s*$", re.I)  # "... in openarena_bots_dm?"
# "give me a timeline of the kills": the kills, in order
LIST_WORDS = {"timeline", "list", "chronology", "sequence", "order", "show", "give", "me"}
# the same anchor as people write it in a question: "what happened at 0:53?", "around 1:05"
SPOKEN_ANCHOR = re.compile(r"\b(?:at|around|near|about)\s+(?P<ts>\d{1,3}:\d{2}(?::\d{2})?(?:\.\d+)?)(?![\d:])", re.I)
SPEECH_INTENT = re.compile(r"\b(did i|i)\s+(say|said|mention|mentioned|talk|talked|tell|told|call|called|shout|shouted)\b"
                           r"|\b(say|said|says|saying|mention(?:ed)?|talk(?:ed)? about|commentary|spoken|voice)\b", re.I)
# who speaks, in "what did the commentator say?": the transcript names no one, so no word to find
SPEAKERS = {"commentator", "commentators", "narrator", "caster", "casters", "announcer", "streamer", "host",
            "speaker", "commentary", "voice", "voices", "he", "she", "they", "guy"}
# a chat's senders by what they are to the player: "what did my allies say?" is every chat line
# ("the enemy" is not every chat line: whose side a sender is on is not read)
SENDERS = {"ally", "allies", "teammate", "teammates", "team", "bot", "bots", "players", "everyone", "everybody", "people",
           "others", "friends", "chat"}
CROSS_VIDEO = re.compile(r"\b(each|every|all|which|any|across)\s+(of\s+the\s+)?(videos?|clips?|runs?|recordings?|games?)\b", re.I)
THIS_VIDEO = re.compile(r"\b(?:in|of|from)\s+(?:this|that|the|my)\s+(?:videos?|clips?|runs?|recordings?)\b", re.I)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words that carry no content in a question about a video ("when did I ... in each video?").
QUESTION_WORDS = {
    "when", "where", "what", "which", "who", "how", "why", "did", "does", "do", "was", "were", "is", "are",
    "i", "me", "my", "we", "you", "the", "a", "an", "in", "on", "at", "of", "to", "for", "and", "or", "it",
    "that", "this", "there", "each", "every", "all", "any", "video", "videos", "moment",
    "time", "times", "happen", "happened", "happens", "show", "find", "first", "last", "just", "then",
    "say", "said", "mention", "mentioned", "talk", "talked", "about", "tell", "told", "be", "been", "have", "had",
    "has", "much", "many", "often", "some", "got", "them", "they", "he", "she", "his", "her", "its", "their",
    "us", "our", "your", "him", "with", "from", "by", "as", "am", "can", "could", "would", "should", "will",
    "during",  # "who died during round 2?": as "in"
    "thing", "things", "stuff", "anything", "something",
    "what's", "who's", "where's", "when's", "how's", "that's", "it's",
}
# Verbs that say how a player asks rather than what about ("when did I *get* the missile launcher?",
# "when was the bat *used*?"): they still count when the evidence holds them, but for little, so a
# moment is not judged by whether the screen happened to use the same verb (retrieval.search).
LIGHT_WORDS = {
    "get", "got", "gotten", "getting", "grab", "grabbed", "pick", "picked", "picking", "up", "use", "used", "using",
    "drop", "dropped", "dropping", "collect", "collected", "receive", "received", "obtain", "obtained", "see",
    "saw", "seen", "take", "took", "taken", "happen", "go", "went", "going", "come", "came", "make", "made",
    "finish", "finished", "end", "ended",  # "what place did I finish?": the place, whatever the verb
    "play", "played", "playing",  # "how many rounds were played?": the rounds
    "set",  # "who set the fastest lap?": the lap, not a "Set!" on screen
    "shown", "showed", "displayed", "appeared", "onscreen",  # "when was Ready shown?": the screen shows, not says so
    "someone", "somebody", "anyone", "anybody", "everyone", "everybody", "people", "bots", "bot", "players",
}
# "how many times did I die", "how often did I die", "how many zombies did I kill", "how many deaths were there"
COUNT_INTENT = re.compile(r"\bhow\s+(?:many\s+times|often)\b|\bnumber\s+of\s+times\b|\bcount\s+(?:the|my|all)\b"
                          r"|\bhow\s+many\s+(?P<noun>[a-z0-9'-]+)(?:\s+[a-z0-9'-]+)?\s+(?:did|do|does|have|has|had|were\s+there"
                          r"|was\s+there|are\s+there|is\s+there)\b", re.I)
# "how many hedgehogs drowned?", "how many players were killed?": the noun is who did it (or had it
# done to them), the verb what is counted
# what happened, as a player writes it
_PAST = (r"(?:[a-z]{2,}ed|died|fell|lost|won|blew|froze|sank|drew|left|quit|built|made|bought|sold|found|took|taken|got"
         r"|hit|shot|spent|stole|stolen|sent|caught|threw|thrown|drawn|dealt|dug|held|kept|beat|beaten|broke|broken)")
# ("how many soldier cards were played?": a thing of two words, before were or was)
SUBJECT_COUNT = re.compile(r"^\s*how\s+many\s+(?:(?P<noun>[a-z][\w'-]*)\s+(?:were\s+|got\s+|have\s+been\s+|had\s+been\s+)?"
                           r"|[a-z][\w'-]*\s+(?P<noun2>[a-z][\w'-]*)\s+(?:were|was|got|have\s+been|had\s+been)\s+)" + _PAST + r"\b", re.I)
# who a line is about without saying the word ("how many players were killed?": the kill lines name them)
PEOPLE_NOUNS = {"players", "people", "enemies", "opponents", "bots", "units", "teammates", "allies", "hedgehogs", "worms",
                "characters", "monsters", "soldiers", "troops", "robots", "drivers", "racers", "heroes", "villagers", "zombies"}
# past tenses that are no thing to count: "how many died?" counts times, not "dieds"
PAST = re.compile(r"^" + _PAST + r"$", re.I)
# "who was the first to die?", "the last hedgehog to drown": who did it first or last, not a thing
ORDINAL_SUBJECT = re.compile(r"\b(?:first|last)\s+(?:(?P<noun>[a-z][\w'-]*)\s+|one\s+)?to\s+[a-z]", re.I)
# "how many deaths?", "how many kills in total"
BARE_COUNT = re.compile(r"^\s*how\s+many\s+(?P<noun>[a-z0-9'-]+)(?:\s+(?:in\s+total|in\s+all|overall|altogether))?"
                        r"(?:\s+(?:in|on|during|of)\s+[\w' -]+)?\s*\??\s*$", re.I)
# "which weapons did I find", "what items did I pick up", "who drowned?", "list the kills"
LIST_INTENT = re.compile(r"^\s*(?:(?:which|what)\s+(?P<noun>[a-z0-9'-]+)|who\b|list\b|name\s+(?:all|every|the)\b"
                         r"|show\s+(?:me\s+)?(?:all|every)\b)", re.I)
# ("what did Grism say?" is what was said, in its words, not a list of things)
WHAT_DONE = re.compile(r"^\s*what\s+(?:did|does|do)\s+(?:i|we|you|he|she|they|[A-Z][\w-]*)\s+"
                       r"(?!(?:say|tell|shout|yell|write|type|ask|mention|talk|call|do)\b)[a-z]+", re.I)
LIST_NOUN = re.compile(r"^\s*(?:list|name|show(?:\s+me)?)\s+(?:(?:all|every|each|the|my|of)\s+)*(?P<noun>[a-z0-9'-]+)", re.I)
# the question asks for a value ("how much health ...", "what was my armor ...", "how many lives did I have")
VALUE_INTENT = re.compile(r"\bhow\s+(?:much|many|high|low)\b|\bwhat\s+(?:was|is|were|'s)\s+(?:my|the|his|her|their)\b"
                          r"|\bwhat's\s+(?:my|the)\b|\b(?:level|value|reading)\b|\bwhat\s+lap\b"
                          r"|\b(?:what|which)\s+(?:position|place|rank|turn)\b"  # "what position was I in?"
                          r"|\bwhat\s+[a-z]+\s+(?:was|is)\s+it\b", re.I)  # "what year was it at the end?"
# "who killed Sarge?", "how many times did Sarge die?", "when was Sarge fragged?": a name as the victim
VICTIM_INTENT = re.compile(r"\bwho\s+(?:killed|fragged|shot|eliminated)\s+(?:the\s+)?(?P<a>[a-z][\w-]*)"
                           r"|\b(?:did|was|were)\s+(?P<b>[a-z][\w-]*)\s+(?:die|died|get\s+killed|killed|fragged|eliminated)\b"
                           r"|\bdid\s+[a-z][\w-]*\s+(?:ever\s+)?(?:kill|frag|eliminate|shoot)\s+(?P<c>[a-z][\w-]*)"  # "did Sarge kill Tony?"
                           # "Sarge died" (a clause asked around: "what happened right before Sarge died?")
                           r"|^\s*(?!(?:who|what|which|how|when|where|why|anyone|anybody|someone|somebody|nobody)\b)(?P<d>[a-z][\w-]*)\s+(?:died|was\s+killed|got\s+killed|was\s+fragged|was\s+eliminated)\b",
                           re.I)
# "how many kills did Sarge get?", "who did Sarge kill?", "Sarge's kills": a name as the killer
KILLER_INTENT = re.compile(r"\b(?:kills?|frags?)\s+(?:did|does|has|had)\s+(?P<a>[a-z][\w-]*)\s+(?:get|make|score|have|rack)"
                           r"|\bwho\s+did\s+(?P<b>[a-z][\w-]*)\s+(?:kill|frag|shoot|eliminate)\b"
                           r"|\bhow\s+many\s+(?:\w+\s+)?did\s+(?P<c>[a-z][\w-]*)\s+(?:kill|frag|eliminate)\b"
                           r"|\b(?P<d>[a-z][\w-]*)['’]s\s+(?:kills|frags)\b|\b(?:kills|frags)\s+(?:by|of)\s+(?P<e>[a-z][\w-]*)"
                           r"|\bdid\s+(?P<f>[a-z][\w-]*)\s+(?:ever\s+)?(?:kill|frag|eliminate|shoot)\s+[a-z]", re.I)
# "who got the most kills?", "top fragger", "who died the most?": a tally of the kill feed by name
MOST_INTENT = re.compile(r"\bmost\s+(?P<kill>kills|frags)\b|\b(?:killed|fragged)\s+the\s+most\b(?<!was\skilled\sthe\smost)"
                         r"|\bwho\s+(?:killed|fragged|shot)\s+[a-z][\w-]*\s+the\s+most\b"  # "who killed Tony the most?"
                         r"|\btop\s+(?:fragger|killer)s?\b|\bmost\s+(?P<death>deaths)\b"
                         r"|\b(?P<died>died|was\s+killed|got\s+killed|was\s+fragged)\s+the\s+most\b", re.I)
# "what happened at the end of the openarena video?": when in the video, with nothing else asked
# what a player calls the whole of a video when asking for its start or end ("when did the race start?")
EDGE_NOUNS = "match game race round battle fight level mission map video clip recording skirmish duel session".split()
EDGE_INTENT = re.compile(r"\b(?:at|near|towards?|by|in)\s+the\s+(?P<w>end|start|beginning|finish|very\s+end|very\s+start)\b"
                         r"|\b(?P<v>final|last|first|opening|closing)\s+(?:moments?|seconds?|minute)\b"
                         r"|\bhow\s+did\s+(?:it|the\s+\w+|\w+)\s+(?P<e>end|start|begin)\b"
                         r"|\b(?:what|which)\s+\w+\s+did\s+\w+\s+(?P<f>finish|end\s+up|start|begin)\b"  # "what place did I finish?"
                         # "when did the match end?", "when did the race start?": the edge of what is named
                         r"|\bwhen\s+(?:did|does|do|was|is)\s+(?:the\s+|this\s+|that\s+|my\s+|our\s+)?"
                         rf"(?:{'|'.join(EDGE_NOUNS)})\s+(?P<g>end|start|begin|finish)(?:ed)?\b", re.I)
# "when was the first kill?", "what was the last thing I picked up?": the earliest or latest of them
ORDINAL_INTENT = re.compile(r"\b(?P<o>first|last|final|earliest|latest|most\s+recent)\s+(?P<noun>[a-z][\w'-]*)"
                            r"|\b(?P<o2>first|last)\s*[?.!]*\s*$", re.I)  # "which hedgehog drowned first?"
# "which hedgehog drowned?": the noun is who is asked about, the verb what happened (not "which weapons did I find")
LIST_SUBJECT = re.compile(r"^\s*(?:which|what)\s+(?P<noun>[a-z][\w'-]*)\s+(?!(?:did|do|does|was|were|is|are|has|have|had"
                          r"|can|could|will|would|of|in|on|at)\b)[a-z]", re.I)
NOT_NOUNS = {"in", "on", "at", "of", "during", "from", "for", "and", "or", "to", "the", "a", "an", "time", "times"}
NOT_ORDINAL = {"place", "blood", "person", "minute", "minutes", "moment", "moments", "second", "seconds", "round",
               "level", "lap", "wave", "stage", "half", "quarter"}  # "first blood", "last lap": names of things
NOT_A_NAME = {"i", "me", "you", "he", "she", "they", "we", "it", "the", "a", "an", "anyone", "anybody", "someone",
              "somebody", "everyone", "him", "her", "them", "us", "my", "your", "most", "first", "last", "many",
              "more", "all", "each", "any", "every", "there", "this", "that", "his", "their", "our", "its", "some",
              "everybody"}
FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|myself)\b", re.I)
# what a HUD number is called in a question
HUD_WORDS = {"health", "hp", "life", "lives", "armor", "armour", "shield", "ammo", "ammunition", "score", "points",
             "money", "gold", "coins", "fuel", "speed", "energy", "mana", "stamina", "bullets", "shells", "lap",
             "position", "place", "rank", "turn"}
# "how much health did I have when I got the minigun?": the moment a value is asked at
# "what happened right before Sarge died?", "which cards did Pikachu play right before winning?",
# "what did the others say when Pikachu won?": what is asked, and the moment it is asked around
RELATIVE = re.compile(r"^\s*(?P<main>(?:what|which|who)\b.*?)\s+(?P<side>(?:(?:right|just|shortly|immediately)\s+)?"
                      r"(?:before|after)|when|while)\s+(?P<rest>.*[A-Za-z]{2}.*)$", re.I)
WHEN_CLAUSE = re.compile(r"^\s*\S+.*?\b(?:when|as|after|before|while)\s+(?P<rest>.+)$", re.I)
# "what was my highest score?", "my best lap time", "the lowest health": which sample of a value's course
EXTREME_INTENT = re.compile(r"\b(?P<hi>highest|most|max|maximum|peak|top|biggest|largest|best)\b"
                            r"|\b(?P<lo>lowest|least|min|minimum|smallest|fewest|worst)\b", re.I)
# "when did a hedgehog drown?", "did any zombie die?": the one who did it is any of a kind; what was done is asked
ANY_SUBJECT = re.compile(r"\b(?:did|does|do|was|were|has|have)\s+(?:a|an|any|some)\s+(?P<noun>[a-z][\w-]*)\s+[a-z]", re.I)
# the biggest drop of a value, asked without "how much": "when did my health drop the most?", "the worst hit"
DROP_MOST = re.compile(r"\b(?:drop|dropped|fall|fell|lose|lost|take|took)\b.*\bthe\s+most\b"
                       r"|\b(?:biggest|largest|worst|heaviest)\s+(?:drop|fall|loss|hit|damage)\b", re.I)
# a rank is best when its number is lowest ("my best position" is 1st)
RANK_WORDS = {"position", "place", "rank", "ranking", "standing", "positions", "places"}
# "when did I take the lead?", "when did I lose the lead?", "when did I drop to last place?", "fall to 6th":
# a rank going to (or leaving) a value
RANK_MOVE = re.compile(r"\b(?P<take>take|took|taken|get|got|grab|grabbed|gain|gained|regain|regained)\s+the\s+lead\b"
                       r"|\b(?P<lose>lose|lost|losing)\s+the\s+lead\b"
                       r"|\b(?:drop|dropped|fall|fell|slip|slipped|sink|sank|move|moved|go|went|climb|climbed|get|got|rise|rose)"
                       r"\s+(?:back\s+|down\s+|up\s+)?(?:in)?to\s+(?:the\s+)?(?:(?P<nth>\d+)(?:st|nd|rd|th)?|(?P<word>first|second|"
                       r"third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last))\s+(?:place|position)\b", re.I)
NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
       "tenth": 10}
CLOCK_WORDS = {"time", "timer", "clock"}  # what a match or race clock is called in a question
# "what was the race time ...", "what is my time?": the clock asked for ("the last time I died" is not)
CLOCK_INTENT = re.compile(r"\bwhat(?:\s+(?:was|is|were)|'s)\s+(?:the|my)\s+(?:\w+\s+)?(?P<w>time|timer|clock)\b", re.I)
ANCHOR_BEFORE_S = 10.0  # "@01:23 what just happened?" looks mostly back in time
ANCHOR_AFTER_S = 5.0


@dataclass
class Query:
    raw: str
    text: str  # the question without anchors
    words: list[str] = field(default_factory=list)  # content words for matching
    video: str | None = None  # from a `video@MM:SS` anchor
    at: float | None = None  # from an anchor, seconds (a span's middle)
    span: tuple[float, float] | None = None  # "between 0:30 and 1:00": from, to (seconds)
    summary: bool = False  # "what happened?", "summarize the match": the video told in short
    length: bool = False  # "how long was the match?": each video's length, and its clock
    which_game: bool = False  # "what game is this?": the game each video was read as
    speech: bool = False  # asks what was said
    chat: bool = False  # "what did my allies say?": what the chat said (the senders name no one to find)
    cross_video: bool = False  # asks across the library ("in each video")
    count: bool = False  # the answer is a number ("how many times did I die?")
    listing: bool = False  # the answer is a list ("which weapons did I find?", "who drowned?")
    noun: str | None = None  # what is counted or listed, as the question says it ("weapons")
    asks_value: bool = False  # asks for a value ("how much health ..."): answered from HUD state samples
    pairs: list[tuple[str, str]] = field(default_factory=list)  # adjacent content words ("missile", "launcher")
    victim: str | None = None  # "who killed Sarge?": the one killed, lower case (retrieval.evidence.victim_of)
    first_person: bool = False  # "how many kills did I get?": about the player
    killer: str | None = None  # "how many kills did Sarge get?": the one who killed, lower case
    most: str | None = None  # "who got the most kills?": "kill"; "who died the most?": "death"
    edge: str | None = None  # "what happened at the end?": "end" or "start" of the video
    edge_s: float | None = None  # "in the last 30 seconds": how long before the end (a span once the video is known)
    locator: list[str] = field(default_factory=list)  # a value asked "when the final lap started": those words
    # "what happened right before Sarge died?": the question asked ("what happened"), the moment it is
    # asked around ("Sarge died"), and which side of it ("before", "after", "at")
    relative: tuple[str, str, str] | None = None
    ordinal: str | None = None  # "when was the first kill?": "first" or "last" of the matches, per video
    extreme: str | None = None  # "what was my highest score?": "highest" or "lowest" of a value's course
    rank_move: tuple[str, int | None] | None = None  # "take the lead": ("to", 1); "lose the lead": ("from", 1); "last": ("to", None)
    names: list[str] = field(default_factory=list)  # content words written as names ("Tony", "glTron"), lower case
    # "a hedgehog" of "when did a hedgehog drown?": any one of a kind, who did it, not what happened
    subjects: list[str] = field(default_factory=list)

    @property
    def numbered(self) -> list[tuple[str, str]]:
        """A word and the number after it: [("lap", "2")] for "when did lap 2 start?"."""
        return [(a, b) for a, b in self.pairs if b.isdigit() and not a.isdigit()]

    @property
    def window(self) -> tuple[float, float] | None:
        if self.span is not None:
            return self.span
        if self.at is None:
            return None
        return max(0.0, self.at - ANCHOR_BEFORE_S), self.at + ANCHOR_AFTER_S


WHEN_IN_VIDEO = {"start", "started", "beginning", "begin", "end", "ending", "ended", "final", "finally", "last",
                 "first", "middle", "lowest", "highest", "most", "least", "max", "min", "maximum", "minimum",
                 "peak", "top", "biggest", "largest", "best", "smallest", "fewest", "worst"}


def parse_ts(ts: str) -> float:
    """'01:23' -> 83.0, '1:02:03' -> 3723.0, '83' -> 83.0; GamekbError for anything else."""
    ts = ts.strip()
    try:
        parts = [float(p) for p in ts.split(":")]
    except ValueError:
        raise GamekbError(f"bad time {ts!r}; write seconds or MM:SS (e.g. 01:23)") from None
    if not parts or len(parts) > 3 or any(p < 0 or p != p or p == float("inf") for p in parts):
        raise GamekbError(f"bad time {ts!r}; write seconds or MM:SS (e.g. 01:23)")
    if any(p >= 60 for p in parts[1:]):  # 00:60 or 99:99 is a typo, not 01:00 or 100:39
        raise GamekbError(f"bad time {ts!r}: minutes and seconds after a colon run from 00 to 59 (e.g. 01:23)")
    total = 0.0
    for p in parts:
        total = total * 60 + p
    return total


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


# a word written as a name: a capital and small letters ("Tony", "Torino", "Cycles3D"), or small
# letters and a capital ("glTron")
NAME = re.compile(r"\b(?:[A-Z][a-z]+|[a-z]+[A-Z])[A-Za-z0-9]*\b")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+)[\"'(]*$")


def names_in(text: str, content: list[str]) -> list[str]:
    """The content words the question writes as names, lower case: "when did Tony trip on his own
    grenade?" -> ["tony"]. A sentence's first word counts only when it is no English word ("Kyonshi
    died when?"), not for its capital alone ("Grenades: when?")."""
    out = []
    for m in NAME.finditer(text):
        w = m.group(0).lower()
        if w not in content or w in out:
            continue
        if SENTENCE_START.search(text[:m.start()]) and w in vocabulary():
            continue
        out.append(w)
    return out


def _without(raw: str, found: re.Match) -> str:
    """The question less a phrase found in it (a time, a stretch): when, not what."""
    return (raw[:found.start()] + " " + raw[found.end():]).strip()


def parse(raw: str) -> Query:
    text, video, at = raw, None, None
    span = None
    stretch = SPAN.search(raw)
    if stretch:
        lo, hi = sorted((parse_ts(stretch.group("a")), parse_ts(stretch.group("b"))))
        span, at = (lo, hi), (lo + hi) / 2
        text = _without(raw, stretch)
    if not stretch and (open_span := OPEN_SPAN.search(raw)):
        t = parse_ts(open_span.group("ts"))
        span, at = ((t, OPEN_END_S) if open_span.group("side").lower() in ("after", "since") else (0.0, t)), t
        text = _without(raw, open_span)
        stretch = open_span
    edge_s = None
    at_end = None
    if not stretch and (lasting := EDGE_STRETCH.search(raw)) and (lasting.group("n") or lasting.group("unit").lower().startswith("min")):
        # "the first 10 seconds": from the start; "the last 2 minutes": up to the end, once its length is known
        n = lasting.group("n") or "1"
        edge_s = (float(n) if n[0].isdigit() else COUNT_WORDS[n.lower()]) * (60.0 if lasting.group("unit").lower().startswith("m") else 1.0)
        if lasting.group("side").lower() in ("first", "opening"):
            span, at = (0.0, edge_s), edge_s / 2
        else:
            at_end = "end"
        text = _without(raw, lasting)
    m = None if stretch else ANCHOR.search(raw) or SPOKEN_ANCHOR.search(raw)
    if m:
        at = parse_ts(m.group("ts"))
        video = m.groupdict().get("video") or None
        text = _without(raw, m)
    # "in each clip", "in this recording" say where to look, not what: an "ammo clip" keeps its word
    tokens = words(THIS_VIDEO.sub(" ", CROSS_VIDEO.sub(" ", text)))
    clock = CLOCK_INTENT.search(text)

    def kept(w: str) -> bool:
        return w not in QUESTION_WORDS or bool(clock and w == clock.group("w").lower())

    content = [w for w in tokens if kept(w)]
    # two content words side by side name one thing ("missile launcher", "health pack"): a moment
    # that holds the first but not the second is about something else (retrieval.search.judge)
    pairs = [(a, b) for a, b in zip(tokens, tokens[1:]) if kept(a) and kept(b) and a not in LIGHT_WORDS and b not in LIGHT_WORDS
             and not (len(b) > 4 and b.endswith(("ed", "ing")))]  # "lap started" is no compound, "missile launcher" is
    locator: list[str] = []
    if VALUE_INTENT.search(text) and (HUD_WORDS | CLOCK_WORDS) & set(content):
        # "what was the time when the final lap started?": the clause after "when" says at which moment
        clause = WHEN_CLAUSE.search(text)
        locator = [w for w in words(clause.group("rest")) if kept(w)] if clause else []
        # "what was my health at the end?": when, not what; the answer gives first, lowest, highest, last
        content = [w for w in content if w not in WHEN_IN_VIDEO or w in locator]
    subject_count = SUBJECT_COUNT.search(text)
    count = COUNT_INTENT.search(text) or subject_count or BARE_COUNT.search(text)
    listing = None if count else LIST_INTENT.search(text)
    intent = count or listing
    noun = (intent.group("noun") or intent.groupdict().get("noun2")) if intent else None
    if noun and PAST.match(noun):
        noun = None  # "how many drowned?": times
    doer = (subject_count.group("noun") or "").lower() if subject_count else ""  # ("soldier cards": what, not who)
    if subject_count and doer and re.search(r"\b(?:were|was|got|been)\s", subject_count.group(0)) and doer not in PEOPLE_NOUNS:
        doer = ""  # "how many settlements were built?": what was done is about settlements, a line says so
    if doer and [w for w in content if w != doer and w not in LIGHT_WORDS]:
        content = [w for w in content if w != doer]  # "how many hedgehogs drowned?": drownings
    if listing and noun is None and (what := LIST_NOUN.match(text)):
        noun = what.group("noun")  # "list every death", "show me all the kills"
    if noun and (noun in QUESTION_WORDS or noun in LIGHT_WORDS):
        # "what did I pick up?", "what did Sarge kill?": every thing done, as "which items did I pick up?"
        done = noun in ("did", "does", "do") and WHAT_DONE.match(text)
        noun = None
        listing = listing if listing and (listing.group(0).lower().startswith(("who", "list", "name")) or done) else None
    killed = VICTIM_INTENT.search(text)
    victim = (killed.group("a") or killed.group("b") or killed.group("c") or killed.group("d")).lower() if killed else None
    if victim in ("i", "me", "myself"):
        victim = "you"  # the screen says "you"
    elif victim in NOT_A_NAME:
        victim = None
    nth = ORDINAL_INTENT.search(text)
    ordinal = None
    if nth and (nth.group("noun") or "").lower() not in NOT_ORDINAL and not EDGE_INTENT.search(text):
        ordinal = "first" if (nth.group("o") or nth.group("o2")).lower() in ("first", "earliest") else "last"
        content = [w for w in content if w not in ("final", "earliest", "latest", "recent")]
        after = (nth.group("noun") or "").lower()  # ("what happened first in freeciv?", "for the first time": no noun)
        noun = noun or (after if after not in NOT_NOUNS else None) or None
        if (who := ORDINAL_SUBJECT.search(text)) is not None:
            # "the last hedgehog to die": who died last; the noun is who, and no word to find
            asked = (who.group("noun") or "").lower()
            noun = None if noun in (asked, "to", "one") else noun
            content = [w for w in content if w != asked or not [c for c in content if c != asked and c not in LIGHT_WORDS]]
    subject = LIST_SUBJECT.match(text) if listing else None
    if subject and [w for w in content if w != subject.group("noun").lower() and w not in LIGHT_WORDS]:
        content = [w for w in content if w != subject.group("noun").lower()]  # "which hedgehog drowned?": who drowned
    by = KILLER_INTENT.search(text)
    killer = next((g for g in by.groups() if g), "").lower() if by else None
    killer = None if killer in NOT_A_NAME or killer in ("i", "myself") else killer  # "I": first_person
    most = MOST_INTENT.search(text)
    edge = EDGE_INTENT.search(text)
    at_edge = at_end
    if edge:
        word = (edge.group("w") or edge.group("v") or edge.group("e") or edge.group("f") or edge.group("g")).lower()
        at_edge = "end" if set(word.split()) & {"end", "finish", "final", "last", "closing"} else "start"
        content = [w for w in content if w not in word.split()]  # "my place at the start": when, not what
    extreme = None
    if DROP_MOST.search(text):
        extreme = "highest"  # "when did my health drop the most?": the biggest hit
    elif locator == [] and (top := EXTREME_INTENT.search(text)) and VALUE_INTENT.search(text):
        extreme = "highest" if top.group("hi") else "lowest"
        if top.group(0).lower() in ("best", "worst") and RANK_WORDS & set(tokens):
            extreme = "lowest" if extreme == "highest" else "highest"  # "my best position": the 1st
    move = RANK_MOVE.search(text)
    rank_move: tuple[str, int | None] | None = None
    if move:
        place = move.group("nth") or (move.group("word") or "").lower()
        rank_move = ("from", 1) if move.group("lose") else ("to", 1) if move.group("take") else (
            "to", None if place == "last" else int(place) if place.isdigit() else NTH[place])
    speech = bool(SPEECH_INTENT.search(text))
    chat = speech and bool(SENDERS & set(content))
    if speech:
        content = [w for w in content if w not in SPEAKERS and w not in SENDERS]
    length = bool(LENGTH_INTENT.search(text))
    if length:  # its words are how it asks, but for a video's name ("the redeclipse match")
        content = [w for w in content if w not in LENGTH_NOUNS and w not in ("long", "last", "take")]
    summary = at is None and bool(SUMMARY_INTENT.search(text))
    listed = bool(listing) and not summary  # a summary is told in time order, not grouped as a list
    if summary:
        content = [w for w in content if w not in SUMMARY_WORDS and w not in SUMMARY_OF]
        noun = None if noun in SUMMARY_WORDS else noun
    elif (rest := [w for w in content if w not in LIST_WORDS]) != content and rest and \
            (listing or count or {"timeline", "list"} & set(content)):
        listed, content = listed or not count, rest  # "give me a timeline of the kills": the kills, listed
    any_one = ANY_SUBJECT.search(text)  # "when did a hedgehog drown?"
    which_game = bool(GAME_INTENT.search(text))
    if which_game:
        content = [w for w in content if w not in ("game", "games", "playing", "play", "played", "library")]
    relative = None
    if not locator and span is None and at is None and (rel := RELATIVE.match(text)) and not EDGE_INTENT.search(rel.group("rest")):
        side = rel.group("side").lower().split()[-1]
        relative = (rel.group("main"), rel.group("rest"), "at" if side in ("when", "while") else side)
    return Query(raw=raw, text=" ".join(text.split()), words=content, video=video, at=at, span=span, summary=summary, length=length,
                 relative=relative,
                 which_game=which_game,
                 extreme=extreme, rank_move=rank_move,
                 victim=victim, first_person=bool(FIRST_PERSON.search(text)), killer=killer,
                 most=(None if not most else "death" if most.group("death") or most.group("died") else "kill"),
                 edge=at_edge, edge_s=edge_s if at_end else None, ordinal=ordinal, locator=locator,
                 speech=speech, chat=chat, cross_video=bool(CROSS_VIDEO.search(text)),
                 count=bool(count), listing=listed, noun=noun, asks_value=bool(VALUE_INTENT.search(text)),
                 pairs=pairs, names=names_in(text, content),
                 subjects=[w for w in [any_one.group("noun").lower()] if w in content] if any_one else [])
