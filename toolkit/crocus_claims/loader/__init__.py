"""Loading a release: `load()` gives a `Dataset` of typed documents and polars frames, with BIO
tags (loader.bio) and exports to Hugging Face datasets and spaCy, whose libraries are imported
only when an export is asked for."""

from crocus_claims.loader.dataset import Dataset, DatasetError, load

__all__ = ["Dataset", "DatasetError", "load"]
