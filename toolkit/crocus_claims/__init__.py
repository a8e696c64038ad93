"""Crocus Claims: a span-annotated news dataset and the toolkit that builds, checks and ships it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crocus-claims")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
