"""Words on screen: is a read real text, and what kind of event do its words say?

`readable` tells words (and names, and numbers) from misreads of a texture; `classify_text` types a
line from its words alone (kill, death, pickup, objective, round, achievement, locked, a damage
number). Both serve any game: the dictionary is the whole-word vocabulary of the MiniLM tokenizer
gamekb already ships, the patterns are the words games use for these things.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from itertools import combinations
from typing import Iterable

from ingest.screen_text import text_key
from kb.models.vocabulary import vocabulary, word_ranks

_SHORT_WORDS = frozenset({"a", "i", "an", "by", "of", "to", "in", "on", "at", "up", "is", "it", "go", "no", "ok",
                          "hp", "xp", "vs", "me", "my", "we", "be", "do", "so", "or", "if", "us"})


_CAMEL_NAME = re.compile(r"[a-z]{0,3}(?:[A-Z][a-z]{2,}){1,2}")  # a player's name of joined words


def wordness(text: str) -> float:
    """Share of the text's characters that belong to dictionary words or plain numbers (0..1).
    A capitalised word counts in part (names such as "Marlin" are in no dictionary); a token that
    mixes letters and digits ("07T8") or a character of another script ("6.05租") counts against."""
    vocab = vocabulary()
    tokens = re.findall(r"[^\s.,:;!?()\[\]{}\"'@/|_-]+", text)  # ("USE_ITEM": two words)
    total = good = 0.0
    for tok in tokens:
        total += len(tok)
        low = tok.lower().rstrip("%")
        if re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?%?m?|[0Oo]x[\dA-Fa-f]{2,}", tok):
            good += len(tok)  # a number (a distance "4.92m", a share "75%", a console's "0x1b05014e")
        elif not tok.isascii() or not tok.isalpha():
            continue
        elif low in vocab and (len(low) >= 3 or low in _SHORT_WORDS):
            good += len(tok)
        elif compound(low, vocab):
            good += len(tok) * 0.8  # "hedgehogs", "headshots": known words joined or inflected
        elif (tok[0].isupper() and tok[1:].islower() and len(tok) >= 4) or _CAMEL_NAME.fullmatch(tok):
            good += len(tok) * 0.6  # a name, perhaps ("Marlin", "glTron", "DarkLord")
    return good / total if total else 0.0


def compound(word: str, vocab: frozenset[str]) -> bool:
    """A word the dictionary lacks but that is known words inflected or joined."""
    if len(word) < 5:
        return False
    for suffix in ("s", "es", "ed", "ing", "er", "ers", "ly", "'s"):
        if word.endswith(suffix) and word[: -len(suffix)] in vocab and len(word) - len(suffix) >= 3:
            return True
    stem = word[:-1] if word.endswith("s") else word
    return any(stem[:i] in vocab and stem[i:] in vocab for i in range(3, len(stem) - 2))


def sure_word(word: str) -> bool:
    """A word read surely: a dictionary word of 3 letters or more (or known words joined or
    inflected), a capitalised name ("Tony", "Kyonshi's") or an ordinal ("2nd"); not a scrap ("ed"),
    a misread ("ikTr", "2bH1") nor a bare number (a kill feed's damage "(97)" is often misread)."""
    word = re.sub(r"'s$", "", word.strip(".,:;!?()[]{}\"'"))
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", word):
        return True
    if not word.isascii() or not word.isalpha() or len(word) < 3:
        return False
    low = word.lower()
    return low in vocabulary() or compound(low, vocabulary()) or (word[0].isupper() and word[1:].islower())


def readable(text: str, min_wordness: float = 0.6) -> bool:
    """Real words (or a name, or a number), not a misread of a texture."""
    key = text_key(text)
    if len(key) < 3 and not key.isdigit():
        return False
    if wordness(text) < min_wordness:
        return False
    words = re.findall(r"[A-Za-z]+", text)
    vocab = vocabulary()
    # a name alone, or with the short words of a line around it: "00:32.717 by Pidgin" (the lap it set)
    named = [w for w in words if not (len(w) == 2 and w.lower() in vocab)]
    return (not words or any((w.lower() in vocab and len(w) >= 3) or compound(w.lower(), vocab) for w in words)
            or (len(named) == 1 and len(named[0]) >= 4 and named[0][0].isupper()))


# What a small or bitmap font's letters are read as, and what they were: "Uindous" is "Windows",
# "qane" "game", "dunped" "dumped", "l0st" and "Iost" "lost", "protect1on" "protection"
MISREADS = {"u": "w", "v": "w", "n": "m", "q": "g", "0": "o", "1": "li", "i": "l", "l": "i", "5": "s"}
MEND_AT_MOST = 2  # letters changed in one word
GLUED = ("with", "for", "and", "of")  # short words a narrow space loses to the word before ("1st placewith 10")
# a number with a digit read as the letter it looks like ("5O", "l00"): digits and those letters only
# (read back as digits by `_DIGIT_ALIKE`)
_NUMBER_ALIKE = re.compile(r"(?=.*\d)[\dOoIl]+")
_ORDINAL = re.compile(r"(?:\d+|[li])(?:st|nd|rd|th)")  # "2nd", "4th": no word to mend
_GLUED_NAME = re.compile(r"([a-z]{4,})([A-Z][a-z]{2,})")  # "fraggedGrism": a word, then a name
_GLUED_ORDINAL = re.compile(r"((?:\d+|[li])(?:st|nd|rd|th))([a-z]{3,})")  # "lstplace": a place and its word


@functools.lru_cache(maxsize=1 << 16)
def mended_word(token: str) -> str:
    """`token` as the dictionary word it is a misread of, when exactly one word is a change of one
    letter (or else two) by `MISREADS` (and "rn" for "m") away; else `token` as it is. A word of
    the dictionary, known words joined or inflected, an ordinal and words under 3 characters stay
    as read, so a name is changed only where the dictionary has one word a misread away; a word of
    three is mended by one letter only ("vas": "was"). "lst" is "1st", and a word with "with",
    "for", "and" or "of" run into its end is two ("placewith": "place with"), as is an ordinal run
    into the word after it ("lstplace": "1st place"), a word into the name after it ("fraggedGrism":
    "fragged Grism") and a name into "was" ("lukjanwas"); a mark read on a plain letter goes ("plaçe")."""
    if _NUMBER_ALIKE.fullmatch(token) and not token.isdigit():
        return token.translate(_DIGIT_ALIKE)  # "5O Health": a number's 0 read as an O
    low = token.lower()
    vocab = vocabulary()
    if low in ("lst", "ist"):
        return "1st"  # "Tied for lst place", a small font's 1 read as an l
    plain = unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode()
    if plain != token and low not in vocab and (plain.lower() in vocab or _GLUED_ORDINAL.fullmatch(plain.lower())):
        token, low = plain, plain.lower()  # "plaçe": a mark read on a plain letter
    named = _GLUED_NAME.fullmatch(token)
    if named:
        return f"{mended_word(named.group(1))} {named.group(2)}"  # "You fraggedGrism": a narrow space lost before a name
    ordinal = _GLUED_ORDINAL.fullmatch(low)
    if ordinal and ordinal.group(2) in vocab:
        return f"{mended_word(ordinal.group(1))} {token[ordinal.end(1):]}"  # "lstplace": "1st place"
    glue = next((g for g in GLUED if low.endswith(g) and low[:-len(g)] in vocab and len(low) - len(g) >= 4), None)
    if glue is not None and low not in vocab:
        return f"{token[:-len(glue)]} {token[-len(glue):]}"  # "placewith": a font's narrow space lost
    if low.endswith("was") and len(low) >= 4 and low not in vocab and not compound(low, vocab):
        return f"{token[:-3]} {token[-3:]}"  # "lukjanwas pierced by": a name, the space before "was" lost
    if len(low) < 3 or not low.isascii() or not re.search(r"[a-z]", low) or low in vocab or compound(low, vocab) \
            or _ORDINAL.fullmatch(low):
        return token
    changes = [(i, 1, alt) for i, c in enumerate(low) for alt in MISREADS.get(c, "")]
    changes += [(i, 2, "m") for i in range(len(low) - 1) if low[i:i + 2] == "rn"]
    for n in range(1, MEND_AT_MOST + 1 if len(low) >= 4 else 2):  # "vas": "was"; no two letters of three
        found = set()
        for combo in combinations(changes, n):
            if any(a[0] + a[1] > b[0] for a, b in zip(combo, combo[1:])):
                continue  # two changes of one letter
            word = low
            for i, length, alt in reversed(combo):
                word = word[:i] + alt + word[i + length:]
            if word in vocab:
                found.add(word)
        if found:
            if len(found) > 1:
                return token  # "tean": "team" or "teal"? the read stays
            word = found.pop()
            if token.isupper() and len(token) > 1:
                return word.upper()
            # a capital stays one ("Uindous": "Windows"), but a capital I read for an l was none ("Iost")
            return word.capitalize() if token[0].isupper() and not (token[0] == "I" and word[0] == "l") else word
    return run_together(token)


# letters a pixel font's capitals are read as one another ("PTCKED" for "PICKED", "AHAMMO" for
# "AN AMMO"), folded to one when words run together are looked for (`run_together`)
_RUN_FOLD = str.maketrans("tlj1|!0q584uwyhm", "iiiiiioosbavvvnn")
RUN_MIN = 8  # letters of a run of words run together, at least
RUN_KNOWN = 0.75  # share of its letters that must be in words found
RUN_LETTERS = 3.0  # letters a piece of it, at least, on average (not a run of short words found in letters of no word)


@functools.lru_cache(maxsize=1)
def _run_words() -> dict[str, list[tuple[str, float]]]:
    """The dictionary's words by their letters folded (`_RUN_FOLD`), each with the cost of taking
    it (1 for the most frequent, up to 2); words of two letters only where they are short words of
    game text (`_SHORT_WORDS`)."""
    ranks = word_ranks()
    top = max(ranks.values(), default=1) or 1
    words: dict[str, list[tuple[str, float]]] = {}
    for word, rank in ranks.items():
        if len(word) >= 3 or word in _SHORT_WORDS:
            words.setdefault(word.translate(_RUN_FOLD), []).append((word, 1.0 + rank / top))
    return words


def _run_word(piece: str, words: dict[str, list[tuple[str, float]]]) -> tuple[float, str] | None:
    """(cost, word) of `piece` as a word of the dictionary read with letters alike, or None: a
    letter misread costs 0.7, and a word takes one such letter (two from six letters on), a single
    letter none."""
    allowed = 0 if len(piece) == 1 else 1 if len(piece) <= 5 else 2
    best = None
    for word, cost in words.get(piece.translate(_RUN_FOLD), ()):
        misread = sum(a != b for a, b in zip(piece, word))
        if misread <= allowed and (best is None or cost + 0.7 * misread < best[0]):
            best = (cost + 0.7 * misread, word)
    return best


@functools.lru_cache(maxsize=1 << 14)
def run_together(token: str) -> str:
    """`token`, in capitals, as the words it is run together ("PICKEDUPASMALLHEALTHPACK": a pixel font's
    narrow spaces read as none, letters perhaps misread: "PTCKEDUPAHAMMOCLTP" -> "PICKED UP AN AMMO
    CLIP"); `token` as it is when it is one word, a name ("MARSEILLES"), letters that are not mostly
    words, or in small letters. The fewest and most frequent words, letters read alike taken as one
    (`_RUN_FOLD`), a piece that is no word perhaps between them (kept as read); taken when they are
    most of its letters (`RUN_KNOWN`), one of five letters or more among them, and not a run of short
    ones."""
    low, vocab = token.lower(), vocabulary()
    letters = [c for c in token if c.isalpha()]
    # (capitals: small letters run together are words inflected or joined, or a name, more often)
    if len(low) < RUN_MIN or sum(c.isupper() for c in letters) < 0.8 * len(letters) or not re.fullmatch(r"[a-z0-9|!]+", low) \
            or low in vocab or compound(low, vocab):
        return token
    words = _run_words()
    # best[i]: (cost, pieces as (end, the word or None)) of the first i letters
    none: tuple[tuple[int, str | None], ...] = ()
    best = [(0.0, none)] + [(1e9, none)] * len(low)
    for i in range(1, len(low) + 1):
        for j in range(max(0, i - 20), i):
            match = _run_word(low[j:i], words)
            cost, word = match if match is not None else (2.5 * (i - j), None)  # a letter in no word: 2.5
            if best[j][0] + cost < best[i][0]:
                best[i] = (best[j][0] + cost, best[j][1] + ((i, word),))
    cuts = [0, *(end for end, _ in best[-1][1])]
    spans = [(a, b, word) for (a, b), (_, word) in zip(zip(cuts, cuts[1:]), best[-1][1])]
    # a word of three letters or fewer beside a piece that is none is a piece of it ("UE ALT I" of
    # "UEALTI", a misread "HEALTH"): one piece with it
    merged: list[list] = []  # [start, end, the word found or None]
    for k, (a, b, word) in enumerate(spans):
        beside = [spans[m][2] is not None for m in (k - 1, k + 1) if 0 <= m < len(spans)]
        word = word if b - a > 3 or all(beside) else None
        if merged and word is None and merged[-1][2] is None:
            merged[-1][1] = b
        else:
            merged.append([a, b, word])
    found = [b - a for a, b, word in merged if word is not None]
    if len(found) < 2 or sum(found) < RUN_KNOWN * len(low) or max(found) < 5 or len(low) / len(merged) < RUN_LETTERS:
        return token
    # a word found is written as the dictionary has it ("PTCKED": "PICKED"), in the token's capitals
    return " ".join(token[a:b] if word is None else word.upper() for a, b, word in merged)


# a numbered thing read with its number run together: "Lap2" is "Lap 2"
_RUN_TOGETHER = re.compile(r"\b(lap|round|turn|wave|level|stage|heat|mission|chapter|day)(\d{1,3})\b", re.I)


def mend(text: str) -> str:
    """A line's words misread as letters alike mended (`mended_word`): "Uindous vas auarded 1e points
    for being last active tean" -> "Windows was awarded 1e points for being last active team"; a
    numbered thing read with its number run together apart again ("Lap2" -> "Lap 2")."""
    text = re.sub(r"[^\W_]+", lambda m: mended_word(m.group(0)), text)  # ("Körner" is one word, not "K" and "rner")
    return _RUN_TOGETHER.sub(r"\1 \2", text)


# letters a small font is read as one another: a word that differs from a name only in these is
# that name misread ("Torine" for "Torino", "CuclesBD" for "Cycles3D")
_ALIKE_GROUPS = ("aceo", "il1tIjT!|", "nmrh", "uvwyUVWY", "gq9", "o0OQDC", "s5S", "b8B3", "kx")
_ALIKE = {(a, b) for g in _ALIKE_GROUPS for a in g for b in g if a != b}


# a name with a number: letters, then digits ("Hawk02", "Unit7"); its letters, and digits a small font
# reads as letters alike ("Hawk0z", "Hawko4")
_NUMBERED = re.compile(r"\b[A-Za-z]{2,}\d+\b")
_NUMBERED_STEM = re.compile(r"[A-Za-z]+")
_DIGIT_ALIKE = str.maketrans({"o": "0", "O": "0", "D": "0", "Q": "0", "l": "1", "i": "1", "I": "1", "|": "1",
                              "z": "2", "Z": "2", "s": "5", "S": "5", "b": "8", "B": "8", "g": "9", "q": "9"})


_Q_NOT_U = re.compile(r"q(?!u)")


class Names:
    """The words of one video's lines by the number of lines they are in (its names: "Torino",
    "Kyonshi", and its words). A word no dictionary has that is a much more frequent one with a
    letter or two read as a letter alike ("Torine"), or one cut off at the line's end ("... gunned
    down by Kyonsh"), is that one: `mend` writes it so, after the dictionary's own mends (`mend`)."""

    MIN_LINES = 3  # a name is in this many lines at least ...
    TIMES = 3  # ... and this many times as many as the word taken for a misread of it
    MIN_CUT = 4  # letters a name cut off at the line's end keeps, at least

    def __init__(self, texts: Iterable[str], numbered: Iterable[str] | None = None):
        """`numbered`: the lines to count numbered names in ("Hawk02: killed by Hawk03", which no
        dictionary reads as words), `texts` when None."""
        texts = list(texts)
        self.lines: Counter[str] = Counter()
        self.spelled: dict[str, str] = {}  # lower case -> as the video writes it most
        written: Counter[str] = Counter()
        for text in texts:
            for w in set(re.findall(r"[^\W\d_]{4,}", mend(text))):
                self.lines[w.lower()] += 1
                written[w] += 1
        for w, _ in written.most_common():
            self.spelled.setdefault(w.lower(), w)
        self.names = [n for n, c in self.lines.items() if c >= self.MIN_LINES]
        # names with a number ("Hawk02": robots, bots, units), as written, by the lines they are in
        self.numbered: Counter[str] = Counter()
        for text in (texts if numbered is None else numbered):
            self.numbered.update(set(_NUMBERED.findall(text)))

    def _name_for(self, word: str, last: bool) -> str | None:
        low = word.lower()
        if low in vocabulary() or compound(low, vocabulary()) or len(low) < 4 or not low.isalpha():
            return None
        with_g = _Q_NOT_U.sub("g", low)
        if with_g != low and self.lines[with_g]:
            return self.spelled[with_g]  # "qlTron" where "glTron" is read too: a g's tail lost ("q" goes with "u")
        most = self.lines[low]
        found = {n for n in self.names if self.lines[n] >= self.TIMES * max(1, most) and _Q_NOT_U.sub("g", n) != low and
                 (_misread_of(word, self.spelled[n]) or (last and len(low) >= self.MIN_CUT and len(n) > len(low) and n.startswith(low)))}
        return self.spelled[found.pop()] if len(found) == 1 else None

    def _numbered_for(self, word: str) -> str | None:
        """"Hawk0z", "Hawko4" (digits read as letters alike) -> "Hawk02", "Hawk04": the one name of
        the video's numbered names, each in MIN_LINES lines or more and TIMES as many as the word,
        whose letters the word begins with and whose number it reads so."""
        if not self.numbered:
            return None
        most = self.numbered[word]
        found = set()
        for name, lines in self.numbered.items():
            stem = _NUMBERED_STEM.match(name)
            if stem is None or lines < self.MIN_LINES or lines < self.TIMES * max(1, most) or len(word) != len(name):
                continue
            head, tail = word[:stem.end()], word[stem.end():]
            if head.lower() == stem.group(0).lower() and tail.translate(_DIGIT_ALIKE) == name[stem.end():]:
                found.add(name)
        return found.pop() if len(found) == 1 else None

    def mend(self, text: str) -> str:
        text = re.sub(r"\b[A-Za-z][A-Za-z0-9]{2,}\b", lambda m: self._numbered_for(m.group(0)) or m.group(0), text)
        text = mend(text)
        tokens = list(re.finditer(r"[^\W\d_]+", text))
        out, at = [], 0
        for i, m in enumerate(tokens):
            # the line's last word, nothing but punctuation after it: where a line is cut off
            last = i == len(tokens) - 1 and not re.search(r"[^\W_]", text[m.end():])
            name = self._name_for(m.group(0), last)
            if name is not None:
                out += [text[at:m.start()], name]
                at = m.end()
        return "".join(out) + text[at:]


# ---------------------------------------------------------------------------------------------
# A video's own kill-feed phrase
# ---------------------------------------------------------------------------------------------

# "glTron core dumped Linux for 3 points": a name, one to three lower-case words, another name
NAME = r"[^\W\d_][\w-]{1,23}"  # a player's name as a line writes it: a letter first, then letters, digits, hyphens
_DUEL = re.compile(rf"^(?P<a>{NAME})\s+(?P<m>[a-z]{{2,}}(?:\s+[a-z]{{2,}}){{0,2}})\s+(?P<b>{NAME})\b")
# words that make the phrase between two names something other than a kill ("Tux overtook Konqi",
# "Tony joined Blue", "Napoli has finished building City Walls") or a sentence's grammar
NOT_DUEL = frozenset("""entered joined joins left leaves has have had is are was were be been gives gave give
passed passes overtook overtakes overtaken helped helps healed heals revived revives assisted assists invited
invites thanks thanked welcomes welcomed follows followed watching watches sends sent traded trades says said
tells told whispers whispered and or with vs versus to the of from at in on for as by into than then
teamed allied greets greeted""".split())
NOT_NAMES = frozenset("the a an you your i we it this that there he she they my our its his her their".split())


# what players type in a chat, written out: "when did Purple-Crusher wish us good luck?" finds
# "Purple-Crusher (private to Player): from Purple: gl" (ingest.events.searchable adds these words)
CHAT_SHORTHAND = {
    "gl": "good luck", "hf": "have fun", "glhf": "good luck have fun", "gg": "good game", "ggwp": "good game well played",
    "wp": "well played", "gj": "good job", "ty": "thank you", "thx": "thanks", "np": "no problem", "brb": "be right back",
    "afk": "away from keyboard", "gtg": "got to go", "cya": "see you", "lol": "laugh", "n1": "nice one", "ns": "nice shot",
    "gz": "congratulations", "gratz": "congratulations", "grats": "congratulations", "nvm": "never mind", "idk": "I don't know",
    "pls": "please", "plz": "please", "rdy": "ready", "omw": "on my way", "ez": "easy", "wb": "welcome back",
}


def shorthand(text: str) -> str:
    """The chat shorthand of a line written out ("gl hf" -> "good luck have fun"), or ""."""
    return " ".join(dict.fromkeys(CHAT_SHORTHAND[w] for w in re.findall(r"[a-z0-9]+", text.lower()) if w in CHAT_SHORTHAND))


class Duels:
    """The phrase a game's own kill feed puts between two players, learned from one video's lines:
    "Quake core dumped Windows", "glTron core dumped Linux", "Windows core dumped Quake" make "core
    dumped" such a phrase. A phrase is one when at least `MIN_LINES` lines put it between two different
    pairs of names (written with a capital), someone is named before it in one line and after it in
    another (the same players kill and are killed) or every one it names is named in other lines too
    ("Linux entered the game"), no line names an owner after it ("Major ate Sarge's grenade": Major
    was killed, by Sarge's grenade), and none of its words says something else was
    done (`NOT_DUEL`: "joined", "overtook", "has finished building"). Names are counted over the
    `texts` and the video's other lines (`context`, typed ones too), letters a small font confuses
    taken as one ("qITron lost 2 points" names qlTron). `read` gives the line's (one who killed, one
    killed) when it is of that shape with a learned phrase, else None."""

    MIN_LINES = 2

    def __init__(self, texts: Iterable[str], context: Iterable[str] = ()):
        lines = set(texts)
        pairs: dict[str, set[tuple[str, str]]] = {}
        owned: set[str] = set()  # "Major ate Sarge's grenade": the one named first was killed (retrieval reads those)
        for text in lines:
            if (shape := _duel_shape(text)) is not None:
                pairs.setdefault(shape[1], set()).add((folded(shape[0]), folded(shape[2])))
                if shape[3]:
                    owned.add(shape[1])
        # in how many lines each word is: a player is named in other lines too ("Linux entered the game",
        # "qITron lost 2 points" for qlTron: letters a small font confuses are one letter here)
        named = Counter(w for text in lines | set(context) for w in {folded(t) for t in re.findall(r"[\w-]+", text)})
        self.phrases = {p for p, ab in pairs.items() if len(ab) >= self.MIN_LINES and p not in owned and (
            {a for a, _ in ab} & {b for _, b in ab} or all(named[w] >= 2 for pair in ab for w in pair))}

    def read(self, text: str) -> tuple[str, str] | None:
        shape = _duel_shape(text)
        return (shape[0], shape[2]) if shape is not None and shape[1] in self.phrases and not shape[3] else None


_NAME_FOLD = str.maketrans({"i": "l", "1": "l", "|": "l", "q": "g", "0": "o"})


def known_words(texts: Iterable[str], lines: int = 3) -> frozenset[str]:
    """The words of four letters or more in `lines` of the `texts` or more (a video's names and the
    words of its lines), letters a small font confuses taken as one ("glTron", "qlTron" and "gITron"
    count together), written as `folded` writes them."""
    counts = Counter(w for text in texts for w in {folded(t) for t in re.findall(r"[^\W\d_]{4,}", text)})
    return frozenset(w for w, n in counts.items() if n >= lines)


def folded(name: str) -> str:
    """A name in lower case, letters a small font confuses as one ("qITron" -> "gltron")."""
    return name.lower().translate(_NAME_FOLD)


def _duel_shape(text: str) -> tuple[str, str, str, bool] | None:
    """(name, phrase, name, whether the second name is an owner's: "Sarge's") of a line that begins so, or None."""
    m = _DUEL.match(text.strip())
    if m is None:
        return None
    a, phrase, b = m.group("a"), m.group("m"), m.group("b")
    named = all(w.lower() not in NOT_NAMES and any(c.isupper() for c in w) for w in (a, b))
    if not named or a.lower() == b.lower() or set(phrase.split()) & NOT_DUEL:
        return None
    return a, phrase, b, bool(re.match(r"\s?['’]\s?s\b", text.strip()[m.end("b"):]))


def _misread_of(word: str, name: str) -> bool:
    """`word` is `name` with one or two letters read as letters alike, as written (a "D" is read for
    a "Q", a "d" is not read for a "q"); the same length, a letter's case aside otherwise."""
    if len(word) != len(name):
        return False
    diff = [(a, b) for a, b in zip(word, name) if a.lower() != b.lower()]
    return 0 < len(diff) <= 2 and all(d in _ALIKE for d in diff)


# ---------------------------------------------------------------------------------------------
# Kinds from the text itself
# ---------------------------------------------------------------------------------------------

# (kind, pattern over the lower-cased text, confidence). First match wins, so the specific come first.
PATTERNS: list[tuple[str, re.Pattern, float]] = [(k, re.compile(p), c) for k, p, c in (
    ("death", r"\b(you (died|are dead|were killed|have been killed)|wasted|game over|you lose|respawn(ing)? in|"
              r"fragged:|(?:killed|shot) (?:my|him|her|them)sel(?:f|ves)|blew (?:my|him|her|them|it)sel(?:f|ves) up|"
              r"suicide|fell victim|own crossfire|drowned|unit lost|"
              r"(?:on|by|in|with) (?:his|her|their|its) own)"
              r"|^(?:you )?(?:(?:were|got) )?(?:fragged|killed|slain|eliminated|destroyed|shot) by\b", 0.8),
    # ("X was shocked into submission by Y": small text read with the name run into "was", and "by"
    # read as "br", "oy", or run into the word before it: "Ewas ... piercedoy")
    ("kill", r"\b(killed|fragged|slain|eliminated|headshot|destroyed|defeated|"
             r"double[- ]kill|triple[- ]kill|multi[- ]kill|killing spree|first blood|assisted by|\bkills?\b)|"
             r"wa[s5]\b.{3,60}?(?:\b|(?<=ed))(?:[bdh][yvr]|oy)\b|^k\.o\.!?$", 0.75),
    ("achievement", r"\b(achievement|unlocked|trophy|new (high )?(score|record)|high score|personal best|"
                    r"perfect|bonus|combo|streak|rank(ed)? up|level up|carnage|rampage|dominating|"
                    r"(fastest|best) (lap|time)|lap record|extra life|1 ?up!?$)|(?:^|\s)\+\d+ ?xp\b", 0.7),
    ("objective", r"\b(objective|mission|checkpoint|captured|capture|flag|secured|completed?|"
                  r"accomplished|quest|goal|target (destroyed|reached)|bomb (has been )?(planted|defused)|under attack)", 0.7),
    ("round", r"\b(round|lap|wave|stage|level|chapter|turn)(\b|(?=\d))|\b(sudden death|match (start|end|over)|fight!?$|"
              r"victory|defeat|you win|wins?!?$|winner|draw|overtime|match point|time'?s up|time out|final|go!?$|let'?s go|ready|start|loading)"
              r"|^(get )?set!?$|^(?:year|day|week|month|season|night)\W{0,3}\d", 0.65),  # "Year: 1650 BCE": a new turn
    ("pickup", r"\b(picked up|you got|got (a|an|the)|found|collected|acquired|received|obtained|pick ?up|"
               r"ammo|health pack|medkit|armou?r)\b|(?:^|\s)\+?\d+ ?(?:ammo|health|armou?r|hp|coins?|gold|shields?)\b", 0.7),
    ("locked", r"\b(locked|need(s)? (a|the)? ?key|requires? (a|the)? ?key)", 0.75),
)]
_NUMBER = re.compile(r"^[-+]?\d{1,5}$")
# "Sarge: Yep", "[RED] julian: nice shot": a name, a colon, and words: a chat line (or a line of dialogue)
# ("[09:15] Black-Crusher (private to Player): All my army for you": a time, and to whom, in brackets)
# ("00:51:47 Napoleon said: Hehe!": a clock before it, and the verb a log writes before the colon)
_CHAT = re.compile(r"^(?:\[[^\]]{1,12}\]\s*|\d{1,2}:\d{2}(?::\d{2})?\s+)?(?P<name>[^\s:]{2,24})(?:\s*\([^()]{1,30}\))?"
                   r"(?:\s+(?:said|says|whispers|whispered|yells|yelled|shouts|shouted|writes|wrote))?:\s+(?P<said>.*[a-z]{2}.*)$")
# what a kill feed says after a name and a colon ("Hawk04: killed by Hawk05", "Hawk: blew myself up"):
# the one named died; no one talking
_OBITUARY_SAID = re.compile(r"^(?:was |got )?(?:killed|fragged|slain|eliminated|destroyed|shot) by\b|"
                            r"^(?:blew|killed|shot) (?:my|him|her|them)sel(?:f|ves)\b")
# what stands before a colon on a HUD or in a notice, not a speaker ("Objective: ...", "Fragged: Down for 5")
NOT_SPEAKERS = frozenset("""objective objectives mission goal task tip hint note warning info notice alert round lap
wave level stage turn time timer clock score scores health hp armor armour ammo shield team teams fragged killed
status map mode server console error system position pos place rank kills deaths frags speed gold money coins
lives fps ping best record total points reward bonus achievement quest checkpoint loading press wind weapon item
target enemy boss next previous current new winner loser result results chapter area zone location inventory
difficulty players player spectators spectator vote year date day week month season era age phase period population
tax taxes lux luxury sci science research chat""".split())


def classify_text(text: str) -> tuple[str, float] | None:
    """(kind, confidence) of one transient line from its words alone, or None."""
    low = " ".join(text.lower().split())
    chat = _CHAT.match(low)
    if chat and re.search(r"[a-z]", chat.group("name")) and chat.group("name").strip("[]()") not in NOT_SPEAKERS \
            and not _OBITUARY_SAID.match(chat.group("said")):
        return "chat", 0.6
    for kind, pattern, conf in PATTERNS:
        if pattern.search(low):
            return kind, conf
    if _NUMBER.match(low.replace(" ", "")) and low.startswith("-"):
        return "damage", 0.4  # "-25" popping up where no number stays: damage taken
    # an unsigned number popping up may be damage, a score, a combo or a countdown: it stays text
    # (on the Hedgewars, Red Eclipse and OpenArena clips most were health tags and scores)
    return None
