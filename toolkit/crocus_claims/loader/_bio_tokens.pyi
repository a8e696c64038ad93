"""The default tokenizer's compiled helper (_bio_tokens.c): what loader/bio.py calls."""

ABI: int

def token_columns(text: str) -> tuple[list[str], list[int], list[int]]: ...
