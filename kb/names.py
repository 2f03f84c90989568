"""File names as the stores keep them and as a terminal shows them (issue 14, part 3).

A POSIX file name is bytes. Python hands the bytes that are not UTF-8 over as lone surrogates
(`b"bad\\xff.mp4"` -> `"bad\\udcff.mp4"`), which neither SQLite nor PostgreSQL accepts, and a name
may hold control characters (ANSI/OSC escapes, newlines) that a terminal would obey.

- `stored_path` / `path_of`: a path as SQL text and back, losslessly. A UTF-8 path is kept as it
  is (so every library written before stays valid); any other is kept as a `file://` URI with its
  bytes percent-encoded. Stored paths are absolute, so a stored value that starts with `file://`
  can only be such a URI.
- `text`: any string made storable, undecodable bytes written as `\\xff` (video names, messages).
- `shown`: a string as the CLI prints it: control and bidi characters and undecodable bytes
  escaped the way Python writes them, everything else (accents, CJK, backslashes) as it is.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

_URI = "file://"
# Characters that reorder what follows them on screen ("Trojan Source"): shown escaped too.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text(value: str) -> str:
    """`value` with every undecodable byte (a lone surrogate) written as `\\xNN`: valid UTF-8."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name decodes to
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


def stored_path(path: Path | str) -> str:
    """The text the SQL store keeps for a path: the path itself, or a file:// URI when it is not UTF-8."""
    raw = str(path)
    try:
        raw.encode("utf-8")
        return raw
    except UnicodeEncodeError:
        return _URI + quote_from_bytes(os.fsencode(raw), safe="/")


def path_of(stored: str) -> Path:
    """The path a `stored_path` text names."""
    if stored.startswith(_URI):
        return Path(os.fsdecode(unquote_to_bytes(stored[len(_URI):])))
    return Path(stored)


def name_of(path: Path) -> str:
    """The video name a file gets: its stem, storable."""
    return text(path.stem)


def shown(value: object, keep_newlines: bool = False) -> str:
    """`value` as one safe line for a terminal: control characters (ESC, CR, LF, ...), bidi
    overrides and undecodable bytes escaped (`\\x1b`, `\\n`, `\\u202e`, `\\xff`)."""
    out = []
    for ch in str(value):
        if keep_newlines and ch == "\n":
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Cs" and 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte os.fsdecode could not decode
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif category in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)
