"""The default tokenizer's compiled helper (_bio_tokens.c): what loader/bio.py calls."""

from collections.abc import Callable, Iterable
from typing import Any

ABI: int

def token_columns(text: str) -> tuple[list[str], list[int], list[int]]: ...

def tag_tiled(doc_id: str, starts: list[int], ends: list[int], spans: Iterable[Any],
              label_tags: dict[str, tuple[str, str]],
              issue: Callable[..., Any]) -> tuple[list[str], list[Any]] | None: ...

def tag_layered(doc_id: str, starts: list[int], ends: list[int], spans: Iterable[Any], labels: list[str],
                label_tags: dict[str, tuple[str, str]],
                issue: Callable[..., Any]) -> tuple[dict[str, list[str]], list[Any]] | None: ...
