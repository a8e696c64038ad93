"""Unicode facts about text that every reader of input needs: lone surrogates and grapheme clusters.

- A lone surrogate (U+D800..U+DFFF without its pair) is not a character: JSON can spell one
  (`"\\udc00"`) and Python's json and PyYAML read it into a `str`, which then cannot be encoded,
  hashed or written. Every reader refuses it with its place (exports, records, authored YAML,
  release files).
- A grapheme cluster is what a reader sees as one character (a letter with its accents, a flag,
  a Hangul syllable, an emoji sequence, CRLF). Its boundaries follow Unicode's rules (UAX #29), as
  implemented by the `regex` library's `\\X`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import msgspec


def lone_surrogate(text: str) -> int | None:
    """The index (code points) of the first lone surrogate in `text`, or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return None


def has_lone_surrogate(data: Any) -> bool:
    """Whether any string (key or value) of JSON data holds a lone surrogate: one pass in C."""
    try:
        msgspec.json.encode(data)
    except UnicodeEncodeError:
        return True
    except (TypeError, msgspec.EncodeError):
        return False
    return False


def lone_surrogates(data: Any, path: str = "") -> Iterator[tuple[str, int]]:
    """(path, index) of every string of JSON data holding a lone surrogate: `data.text`, 3012.

    Keys count too: a key with a lone surrogate is reported at its object's path.
    """
    if isinstance(data, str):
        index = lone_surrogate(data)
        if index is not None:
            yield path or "(value)", index
    elif isinstance(data, dict):
        for key, value in data.items():
            key_text = str(key)
            if lone_surrogate(key_text) is not None:
                yield path or "(object)", 0
                continue
            yield from lone_surrogates(value, f"{path}.{key_text}" if path else key_text)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from lone_surrogates(item, f"{path}[{index}]")


def describe_lone_surrogate(text: str, index: int) -> str:
    """`a lone surrogate (\\udc00) at character 3012: half of a UTF-16 pair, not a character`."""
    return (f"a lone surrogate (\\u{ord(text[index]):04x}) at character {index}: half of a UTF-16 pair, "
            "not a Unicode character")


@functools.lru_cache(maxsize=64)
def grapheme_boundaries(text: str) -> frozenset[int]:
    """Every offset (code points) where a grapheme cluster starts or the text ends."""
    import regex  # only the checks that cut text need it

    return frozenset([0, *(match.end() for match in regex.finditer(r"\X", text))])


def cuts_grapheme(text: str, offset: int) -> bool:
    """Whether `offset` falls inside a grapheme cluster (between a letter and its accent, inside a
    flag, a Hangul syllable, an emoji sequence or a CRLF)."""
    return 0 < offset < len(text) and offset not in grapheme_boundaries(text)
