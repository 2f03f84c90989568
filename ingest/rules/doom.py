"""Doom-engine games: Doom, Doom II, Freedoom Phase 1 and 2 (and source ports that keep the classic HUD).

Message texts are copied verbatim from the games' string tables:
- Doom / Doom II: `d_englsh.h` (id Software source release, kept by chocolate-doom and most ports);
- Freedoom 0.12.x and 0.13: the [STRINGS] section of `lumps/dehacked/dehacked.txt` in
  freedoom/freedoom (0.13 renamed most pickups, e.g. "Smash them to pieces!" for the berserk pack);
- "A secret is revealed!": Boom-lineage and ZDoom-lineage ports (dsda-doom, PrBoom+, GZDoom).

Every entry carries the label a player would search for and the other games' names as aliases, so
that "rocket launcher" finds Freedoom's "missile launcher" and the other way round.
"""

from __future__ import annotations

from ingest.rules import HudValue, LexiconEntry, Region, RulePack, Thresholds


def _e(text: str, kind: str, label: str, *aliases: str, game: str = "doom") -> LexiconEntry:
    return LexiconEntry(text=text, kind=kind, label=label, aliases=tuple(aliases), game=game)


# Names that differ between Doom and Freedoom; each side gets the other as alias.
_ALIASES = {
    "chainsaw": ("angle grinder",), "angle grinder": ("chainsaw",),
    "chaingun": ("minigun",), "minigun": ("chaingun",),
    "rocket launcher": ("missile launcher",), "missile launcher": ("rocket launcher",),
    "plasma gun": ("polaric energy weapon", "polaric energy cannon", "plasma rifle"),
    "polaric energy weapon": ("plasma gun", "plasma rifle", "polaric energy cannon"),
    "polaric energy cannon": ("plasma gun", "plasma rifle", "polaric energy weapon"),
    "bfg9000": ("skag 1337", "bfg"), "skag 1337": ("bfg9000", "bfg"),
    "shotgun": ("pump-action shotgun",), "pump-action shotgun": ("shotgun",),
    "super shotgun": ("double-barrelled shotgun", "double barrel shotgun", "ssg"),
    "double-barrelled shotgun": ("super shotgun", "ssg"),
    "clip": ("ammo clip", "bullets"), "ammo clip": ("clip", "bullets"),
    "box of bullets": ("box of ammo",), "box of ammo": ("box of bullets",),
    "rocket": ("missile",), "missile": ("rocket",),
    "box of rockets": ("crate of missiles",), "crate of missiles": ("box of rockets",),
    "energy cell": ("small energy recharge", "cell"), "small energy recharge": ("energy cell", "cell"),
    "energy cell pack": ("large energy recharge", "cell pack"),
    "large energy recharge": ("energy cell pack", "cell pack"),
    "shotgun shells": ("shells",), "box of shotgun shells": ("shell box",),
    "backpack": ("backpack full of ammo",),
    "stimpack": ("small health pack",), "small health pack": ("stimpack",),
    "medikit": ("large health pack", "medkit"), "large health pack": ("medikit", "medkit"),
    "health bonus": ("life charge", "health potion"), "life charge": ("health bonus",),
    "armor bonus": ("armor charge", "armour bonus"), "armor charge": ("armor bonus",),
    "green armor": ("light armor vest", "basic infantry armor", "armor vest"),
    "light armor vest": ("green armor", "basic infantry armor"),
    "basic infantry armor": ("green armor", "light armor vest"),
    "megaarmor": ("blue armor", "heavy armor vest", "heavy assault armor"),
    "heavy armor vest": ("megaarmor", "blue armor", "heavy assault armor"),
    "heavy assault armor": ("megaarmor", "blue armor", "heavy armor vest"),
    "supercharge": ("soulsphere", "overdrive sphere", "life surge"),
    "overdrive sphere": ("supercharge", "soulsphere", "life surge"),
    "life surge": ("supercharge", "soulsphere", "overdrive sphere"),
    "megasphere": ("ultra-overdrive sphere", "maximum power"),
    "ultra-overdrive sphere": ("megasphere",), "maximum power": ("megasphere",),
    "invulnerability": ("untouchable", "vanguard of the gods"),
    "untouchable": ("invulnerability",), "vanguard of the gods": ("invulnerability",),
    "berserk": ("berserk pack", "punch 'em to death", "smash them to pieces"),
    "partial invisibility": ("stealth sphere", "invisibility", "blursphere"),
    "stealth sphere": ("partial invisibility", "invisibility"),
    "invisibility": ("partial invisibility", "stealth sphere"),
    "radiation suit": ("radiation shielding suit", "hazard suit", "rescue operations suit"),
    "hazard suit": ("radiation suit", "radiation shielding suit"),
    "rescue operations suit": ("radiation suit", "hazard suit"),
    "computer area map": ("automap", "tactical survey map", "area survey map"),
    "tactical survey map": ("computer area map", "automap"),
    "area survey map": ("computer area map", "automap"),
    "light amplification visor": ("night vision goggles", "light visor", "low-light goggles"),
    "night vision goggles": ("light amplification visor", "light visor"),
    "low-light goggles": ("light amplification visor", "night vision goggles"),
}
for _c in ("blue", "yellow", "red"):
    _ALIASES[f"{_c} keycard"] = (f"{_c} passcard", f"{_c} key", f"{_c} card")
    _ALIASES[f"{_c} passcard"] = (f"{_c} keycard", f"{_c} key", f"{_c} card")
    _ALIASES[f"{_c} skull key"] = (f"{_c} skeleton key", f"{_c} skull", f"{_c} key")
    _ALIASES[f"{_c} skeleton key"] = (f"{_c} skull key", f"{_c} skull", f"{_c} key")


def _x(text: str, kind: str, label: str, game: str) -> LexiconEntry:
    return _e(text, kind, label, *_ALIASES.get(label, ()), game=game)


_DOOM = [  # Doom / Doom II (d_englsh.h)
    ("Picked up the armor.", "armor", "green armor"),
    ("Picked up the MegaArmor!", "armor", "megaarmor"),
    ("Picked up a health bonus.", "health", "health bonus"),
    ("Picked up an armor bonus.", "armor", "armor bonus"),
    ("Picked up a stimpack.", "health", "stimpack"),
    ("Picked up a medikit that you REALLY need!", "health", "medikit"),
    ("Picked up a medikit.", "health", "medikit"),
    ("Supercharge!", "powerup", "supercharge"),
    ("Picked up a blue keycard.", "key", "blue keycard"),
    ("Picked up a yellow keycard.", "key", "yellow keycard"),
    ("Picked up a red keycard.", "key", "red keycard"),
    ("Picked up a blue skull key.", "key", "blue skull key"),
    ("Picked up a yellow skull key.", "key", "yellow skull key"),
    ("Picked up a red skull key.", "key", "red skull key"),
    ("Invulnerability!", "powerup", "invulnerability"),
    ("Berserk!", "powerup", "berserk"),
    ("Partial Invisibility", "powerup", "partial invisibility"),
    ("Radiation Shielding Suit", "powerup", "radiation suit"),
    ("Computer Area Map", "powerup", "computer area map"),
    ("Light Amplification Visor", "powerup", "light amplification visor"),
    ("MegaSphere!", "powerup", "megasphere"),
    ("Picked up a clip.", "ammo", "clip"),
    ("Picked up a box of bullets.", "ammo", "box of bullets"),
    ("Picked up a rocket.", "ammo", "rocket"),
    ("Picked up a box of rockets.", "ammo", "box of rockets"),
    ("Picked up an energy cell.", "ammo", "energy cell"),
    ("Picked up an energy cell pack.", "ammo", "energy cell pack"),
    ("Picked up 4 shotgun shells.", "ammo", "shotgun shells"),
    ("Picked up a box of shotgun shells.", "ammo", "box of shotgun shells"),
    ("Picked up a backpack full of ammo!", "ammo", "backpack"),
    ("You got the BFG9000!  Oh, yes.", "weapon", "bfg9000"),
    ("You got the chaingun!", "weapon", "chaingun"),
    ("A chainsaw!  Find some meat!", "weapon", "chainsaw"),
    ("You got the rocket launcher!", "weapon", "rocket launcher"),
    ("You got the plasma gun!", "weapon", "plasma gun"),
    ("You got the shotgun!", "weapon", "shotgun"),
    ("You got the super shotgun!", "weapon", "super shotgun"),
    ("You need a blue key to activate this object", "locked", "blue key"),
    ("You need a red key to activate this object", "locked", "red key"),
    ("You need a yellow key to activate this object", "locked", "yellow key"),
    ("You need a blue key to open this door", "locked", "blue key"),
    ("You need a red key to open this door", "locked", "red key"),
    ("You need a yellow key to open this door", "locked", "yellow key"),
    # ZDoom-lineage wording of the locked-door messages
    ("You need a blue card to open this door", "locked", "blue keycard"),
    ("You need a red card to open this door", "locked", "red keycard"),
    ("You need a yellow card to open this door", "locked", "yellow keycard"),
    ("You need a blue skull to open this door", "locked", "blue skull key"),
    ("You need a red skull to open this door", "locked", "red skull key"),
    ("You need a yellow skull to open this door", "locked", "yellow skull key"),
    ("A secret is revealed!", "secret", "secret"),
]

_FREEDOOM_012 = [  # Freedoom 0.12.x (dehacked.txt at commit 82b14b3)
    ("Picked up a light armor vest.", "armor", "light armor vest"),
    ("Picked up a heavy armor vest.", "armor", "heavy armor vest"),
    ("Got a 1% health bonus.", "health", "health bonus"),
    ("Got a 1% armor bonus.", "armor", "armor bonus"),
    ("Found a large health pack, just in time!", "health", "large health pack"),
    ("You got the overdrive sphere!", "powerup", "overdrive sphere"),
    ("You are untouchable!", "powerup", "untouchable"),
    ("Punch 'em to death!", "powerup", "berserk"),
    ("You got the stealth sphere!", "powerup", "stealth sphere"),
    ("Picked up a hazard suit.", "powerup", "hazard suit"),
    ("Got the tactical survey map.", "powerup", "tactical survey map"),
    ("Got the night vision goggles.", "powerup", "night vision goggles"),
    ("You got the ultra-overdrive sphere!", "powerup", "ultra-overdrive sphere"),
    ("You got the polaric energy cannon!", "weapon", "polaric energy cannon"),
]

_FREEDOOM_013 = [  # Freedoom 0.13 (dehacked.txt at commit 012fad5)
    ("Picked up some basic infantry armor.", "armor", "basic infantry armor"),
    ("Picked up some heavy assault armor.", "armor", "heavy assault armor"),
    ("Picked up a life charge.", "health", "life charge"),
    ("Picked up an armor charge.", "armor", "armor charge"),
    ("Life surge!", "powerup", "life surge"),
    ("Vanguard of the gods!", "powerup", "vanguard of the gods"),
    ("Smash them to pieces!", "powerup", "berserk"),
    ("Invisibility!", "powerup", "invisibility"),
    ("Rescue operations suit.", "powerup", "rescue operations suit"),
    ("Area survey map.", "powerup", "area survey map"),
    ("Low-light goggles.", "powerup", "low-light goggles"),
    ("Maximum power!", "powerup", "maximum power"),
    ("You got the polaric energy weapon!", "weapon", "polaric energy weapon"),
]

_FREEDOOM_ALL = [  # unchanged between Freedoom 0.12 and 0.13
    ("Picked up a small health pack.", "health", "small health pack"),
    ("Picked up a large health pack.", "health", "large health pack"),
    ("Picked up a blue passcard.", "key", "blue passcard"),
    ("Picked up a yellow passcard.", "key", "yellow passcard"),
    ("Picked up a red passcard.", "key", "red passcard"),
    ("Picked up a blue skeleton key.", "key", "blue skeleton key"),
    ("Picked up a yellow skeleton key.", "key", "yellow skeleton key"),
    ("Picked up a red skeleton key.", "key", "red skeleton key"),
    ("Picked up an ammo clip.", "ammo", "ammo clip"),
    ("Picked up a box of ammo.", "ammo", "box of ammo"),
    ("Picked up a missile.", "ammo", "missile"),
    ("Picked up a crate of missiles.", "ammo", "crate of missiles"),
    ("Picked up a small energy recharge.", "ammo", "small energy recharge"),
    ("Picked up a large energy recharge.", "ammo", "large energy recharge"),
    ("Picked up some shotgun shells.", "ammo", "shotgun shells"),
    ("You found a backpack!", "ammo", "backpack"),
    ("The SKAG 1337 ... time to kick some ass!", "weapon", "skag 1337"),
    ("You got the minigun!", "weapon", "minigun"),
    ("You got the angle grinder!", "weapon", "angle grinder"),
    ("You got the missile launcher!", "weapon", "missile launcher"),
    ("You got the pump-action shotgun!", "weapon", "pump-action shotgun"),
    ("You got the double-barrelled shotgun!", "weapon", "double-barrelled shotgun"),
    ("This object requires a blue key.", "locked", "blue key"),
    ("This object requires a red key.", "locked", "red key"),
    ("This object requires a yellow key.", "locked", "yellow key"),
    ("This door requires a blue key.", "locked", "blue key"),
    ("This door requires a red key.", "locked", "red key"),
    ("This door requires a yellow key.", "locked", "yellow key"),
    ("This door requires the blue passcard.", "locked", "blue passcard"),
    ("This door requires the red passcard.", "locked", "red passcard"),
    ("This door requires the yellow passcard.", "locked", "yellow passcard"),
    ("This door requires the blue skeleton key.", "locked", "blue skeleton key"),
    ("This door requires the red skeleton key.", "locked", "red skeleton key"),
    ("This door requires the yellow skeleton key.", "locked", "yellow skeleton key"),
    ("This door requires any key.", "locked", "any key"),
    ("This door requires all three keys.", "locked", "all keys"),
    ("This door requires all six keys!", "locked", "all keys"),
]


def _lexicon() -> tuple[LexiconEntry, ...]:
    out: dict[str, LexiconEntry] = {}
    for game, rows in (("doom", _DOOM), ("freedoom-0.12", _FREEDOOM_012),
                       ("freedoom-0.13", _FREEDOOM_013), ("freedoom", _FREEDOOM_ALL)):
        for text, kind, label in rows:
            out.setdefault(text, _x(text, kind, label, game))
    return tuple(out.values())


LEXICON = _lexicon()

# Classic status bar, 320x200 layout (st_stuff.c): the bar is rows 168..199; big red numbers
# (STTNUM, 14x16) are right-aligned at x=44 (ammo), 90 (health, then "%"), 221 (armor, then "%"),
# top y=171. Boxes below are those rectangles divided by 320x200, with a little slack.
_S = 1 / 320, 1 / 200


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    return (x0 * _S[0], y0 * _S[1], x1 * _S[0], y1 * _S[1])


# Panel borders of the classic status bar, x on the 320-wide screen (st_stuff.c: arms panel at 104,
# face at 143, armor panel at 178, keys at 236). The same on Doom, Doom II and Freedoom.
_BORDERS_X = (104.0, 144.0, 178.0, 236.0)

# Registered by discovery: the entry point `doom = "ingest.rules.doom:DOOM_PACK"` (pyproject.toml)
DOOM_PACK = RulePack(
    name="doom",
    title="Doom, Doom II, Freedoom Phase 1 and 2 (classic HUD: message line, status bar)",
    lexicon=LEXICON,
    # Messages are drawn with the small STCFN font (7 px high) at the top-left corner, y=0..8 of 200.
    message_region=Region("message", _box(0, 0, 320, 10), colors=("red",)),
    # dsda-doom (and PrBoom+) draw "A secret is revealed!" apart from the message line: the
    # `secret_message` HUD component, same 8-row font (scaled like the 4:3 HUD: 16 px at 480p), coloured gold (DSDATC hud_secret_message 6 =
    # CR_GOLD), centred horizontally (HUlib_setTextXCenter), for ~2 s. PrBoom+ put it at
    # y = (200 - 32) / 2 - 1 - 8 = 75; the band below is generous (y 24..166, above the status
    # bar) since ports and HUD lumps move it. Only reads that snap to the lexicon count there.
    message_regions=(
        Region("secret", _box(16, 24, 304, 166), colors=("gold",), line_height=8 / 240,
               centered=True, snapped_only=True),
    ),
    message_ttl_s=4.0,  # HU_MSGTIMEOUT = 4 * TICRATE
    # Doom's maxima: 200% health and armor (soulsphere, megaarmor), 600 cells with a backpack
    hud_values={
        "ammo": HudValue(Region("ammo", _box(1, 170, 46, 189), colors=("red",)), "ammo", (0, 600)),
        "health": HudValue(Region("health", _box(47, 170, 91, 189), colors=("red",)), "health", (0, 200)),
        "armor": HudValue(Region("armor", _box(178, 170, 222, 189), colors=("red",)), "armor", (0, 200)),
    },
    status_bar=Region("status_bar", _box(0, 168, 320, 200)),
    status_bar_borders=tuple(x / 320 for x in _BORDERS_X),
    thresholds=Thresholds(low_health=25, damage_drop=15, damage_window_s=4.0),
    aspect=4 / 3,  # a 320x200 picture shown at 4:3
    entity_prompts=("enemy", "monster", "zombie", "imp", "demon", "health pack", "medikit",
                    "armor", "ammo", "key card", "skull key", "weapon", "barrel", "door",
                    "switch", "teleporter", "exit sign"),
)
