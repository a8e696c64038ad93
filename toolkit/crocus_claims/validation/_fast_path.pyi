"""The validator's compiled helper (_fast_path.c): what fast_path.py and duplicate_keys.py call."""

from collections.abc import Callable
from typing import Any

NOT_CLEAN: int
UNKNOWN_ID: int
TOO_MANY: int

class SpanChecker:
    def __init__(self, span_types: tuple[type, ...], span_keys: tuple[int, ...],
                 string_attributes: tuple[tuple[str, ...], ...],
                 intervals: tuple[Callable[[Any], bool] | None, ...], interval_rules: tuple[Any, ...],
                 relation_type: type, relation_keys: int, kinds: tuple[str, ...], allowed: bytes,
                 max_per_head: tuple[int, ...], valid_ids: set[str]) -> None: ...
    def __call__(self, text: str, spans: list[Any], relations: list[Any]) -> int: ...

def count_colons(line: bytes, start: int, end: int) -> int: ...
