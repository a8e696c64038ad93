"""Loading the dataset stays light: `import crocus_claims` and `load()` import no release builder."""

from __future__ import annotations

import json
import subprocess
import sys

from crocus_claims import resources

# The release builder and what only it needs: none of these may load with the dataset.
BUILDER_MODULES = (
    "crocus_claims.agreement",
    "crocus_claims.record_schema",
    "crocus_claims.release.build",
    "crocus_claims.release.croissant",
    "crocus_claims.release.datasheet",
    "crocus_claims.release.facts",
    "crocus_claims.release.inputs",
    "crocus_claims.release.verify",
    "crocus_claims.validation",
    "jsonschema",
)


def imported_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(json.loads(output))


def test_import_loads_neither_polars_nor_pydantic_nor_the_builder() -> None:
    modules = imported_after("import crocus_claims")
    assert not modules & {"polars", "pydantic", "msgspec", "yaml", *BUILDER_MODULES}


def test_load_imports_no_release_building_code() -> None:
    assert (resources.bundled_release_dir() / "manifest.json").is_file(), "run `make release` first"
    modules = imported_after("import crocus_claims\nds = crocus_claims.load()\nlist(ds)\nds.spans()")
    assert "crocus_claims.loader.dataset" in modules and "polars" in modules
    assert not modules & set(BUILDER_MODULES)
