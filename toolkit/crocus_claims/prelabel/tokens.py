"""Tokens and sentences of a text, with code-point offsets, as the pre-annotators read it.

A token is a number in digits (with thousands separators: "2,300"), a word (letters, with
inner hyphens and apostrophes: "twenty-five", "Iranʼs"), or one other non-space character.
Sentences end at a newline or at ., ! or ? followed by space and a capital, a digit or a quote
(so "U.S. intelligence" stays one sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d])|\d+|[^\W\d_]+(?:[-'’ʼ][^\W\d_]+)*|\S")
SENTENCE_END = re.compile(r"\n+|(?<=[.!?])[\"”’]?\s+(?=[\"“‘A-Z0-9])")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    sentence: int  # index of the sentence the token is in

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_digits(self) -> bool:
        """A number in decimal digits: what TOKEN's \\d matches (str.isdecimal, not isdigit,
        which is also true of superscripts such as '²' that int() refuses)."""
        return self.text[0].isdecimal()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()


def sentence_starts(text: str) -> list[int]:
    """The code-point offset at which each sentence starts, the first being 0."""
    return [0] + [match.end() for match in SENTENCE_END.finditer(text)]


def tokenize(text: str) -> list[Token]:
    """Every token of `text` in order, each with its sentence index."""
    starts = sentence_starts(text)
    tokens, sentence = [], 0
    for match in TOKEN.finditer(text):
        while sentence + 1 < len(starts) and match.start() >= starts[sentence + 1]:
            sentence += 1
        tokens.append(Token(match.group(), match.start(), match.end(), sentence))
    return tokens
