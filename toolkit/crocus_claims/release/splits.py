"""Which split a document belongs to: a pure function of its doc_id.

A hash of the doc_id, not a shuffle, so that a document keeps its split in every later release
as documents are added, and no random seed has to be kept anywhere. With the five seed articles
the splits are for wiring training and evaluation code end to end, not for measuring models: a
dev or test set of one or two articles gives no figure worth reporting.
"""

from __future__ import annotations

import hashlib

from crocus_claims.records import SPLITS

# Upper bounds of each split's share of the hash range, in the order of SPLITS (train, dev, test).
SHARES = (0.6, 0.8, 1.0)
HASH_DIGITS = 8  # the first 32 bits of the SHA-256: plenty to spread doc_ids evenly


def split_position(doc_id: str) -> float:
    """Where the doc_id falls in [0, 1): the first 32 bits of its SHA-256 (UTF-8)."""
    digest = hashlib.sha256(doc_id.encode("utf-8")).hexdigest()
    return int(digest[:HASH_DIGITS], 16) / 16**HASH_DIGITS


def assign_split(doc_id: str) -> str:
    position = split_position(doc_id)
    return next(split for split, bound in zip(SPLITS, SHARES, strict=True) if position < bound)


def describe_rule() -> str:
    """The rule in words, for the datasheet and the Croissant metadata (computed from SHARES)."""
    lower, parts = 0.0, []
    for split, bound in zip(SPLITS, SHARES, strict=True):
        parts.append(f"{split} when it is in [{lower:g}, {bound:g})")
        lower = bound
    return (
        "A document's split is fixed by its doc_id alone: the first 32 bits of the SHA-256 of the "
        "doc_id (UTF-8), read as a fraction of 2^32, put it in " + ", ".join(parts) + "."
    )
