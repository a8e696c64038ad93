"""The README's examples run: every ```python block executes against a freshly built release."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crocus_claims import resources
from crocus_claims.release import build_release, bundle_release

BLOCKS = re.findall(r"```python\n(.*?)```", (resources.REPO_ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_examples() -> None:
    assert BLOCKS


@pytest.mark.parametrize("block", BLOCKS)
def test_readme_python_example_runs(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = bundle_release(build_release(tmp_path / "dist"), tmp_path / "dist" / "release")
    monkeypatch.setattr(resources, "bundled_release_dir", lambda: bundled)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    if "crocus_claims.load(" in block:  # the loading example; the others assert what they show
        assert "ds" in namespace and len(list(namespace["ds"])) == 5  # type: ignore[arg-type]
