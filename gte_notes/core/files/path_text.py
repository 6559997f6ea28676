"""Note paths as text: kept losslessly in the database, shown safely to people.

A file name on Linux is bytes, not necessarily UTF-8 (old archives, other locales). Python hands such
a name over with each undecodable byte as a lone surrogate (U+DC80-U+DCFF, "surrogateescape"), which
reopens the same file but cannot be written to SQLite, a UTF-8 terminal or JSON. So:

- `to_db` / `from_db` map a path to database text and back without loss. Ordinary names are stored
  unchanged (no migration); a surrogate becomes ESC + four hex digits, and ESC itself ESC ESC. ESC is
  U+FDD0, a Unicode noncharacter reserved for internal use, which no real name is expected to hold.
- `display` replaces each surrogate with U+FFFD, one character for one, so offsets stay valid; use it
  for anything shown (terminal, JSON, titles).
"""

from __future__ import annotations

import base64
import os
import re

ESC = "\ufdd0"
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED = re.compile(f"{ESC}({ESC}|[0-9a-f]{{4}})")


def to_db(path: str) -> str:
    if ESC not in path and not _SURROGATE.search(path):
        return path
    return "".join(
        ESC + ESC if c == ESC else f"{ESC}{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in path
    )


def from_db(text: str) -> str:
    if ESC not in text:
        return text
    return _ESCAPED.sub(lambda m: ESC if m[1] == ESC else chr(int(m[1], 16)), text)


def display(text: str) -> str:
    """`text` with every undecodable byte shown as U+FFFD: always encodable as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def is_exact(text: str) -> bool:
    """True when `display(text)` loses nothing."""
    return not _SURROGATE.search(text)


def raw_b64(path: str) -> str:
    """The file name's exact bytes, base64: for scripts reading --json output of an undecodable name."""
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a surrogate that did not come from the file system
        raw = path.encode("utf-8", "surrogatepass")
    return base64.b64encode(raw).decode("ascii")
