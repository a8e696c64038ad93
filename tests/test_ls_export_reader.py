"""Reading a Label Studio export one task at a time gives exactly what json.loads gives, or a
coded error that names the task; the cases from shared/cases included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from crocus_claims.labelstudio import LabelStudioError
from crocus_claims.labelstudio.export_reader import iter_tasks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tasks=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=5), max_size=5),
       ascii_only=st.booleans(), indent=st.sampled_from([None, 1]))
def test_tasks_are_what_json_loads_gives(tmp_path: Path, tasks: list[Any], ascii_only: bool, indent: Any) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=ascii_only, indent=indent), encoding="utf-8", errors="surrogatepass")
    assert list(iter_tasks(path)) == json.loads(path.read_bytes())


def test_a_lone_surrogate_is_kept_as_json_keeps_it_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(b'[{"id": 1, "data": {"text": "West.\\ud83d"}}, {"id": 2, "data": {"text": "\\ud83d\\ude00"}}]')
    assert list(iter_tasks(path)) == json.loads(path.read_bytes())  # yajl alone gives "West.?"


def test_an_integer_beyond_64_bits_does_not_stop_the_stream(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(b'[{"id": 1}, {"id": 2, "n": 123456789012345678901234567890}, {"id": 3}]')
    assert [task["id"] for task in iter_tasks(path)] == [1, 2, 3]


@pytest.mark.parametrize("content, where", [
    (b'[{"id": 1}, {"id": 2,', "task #2"),
    (b'[{"id": 1}, {"id": 2} {"id": 3}]', "task #3"),
    (b'[{"id": 1}] trailing', "task #2"),
])
def test_a_syntax_error_names_the_task_after_giving_every_task_before_it(tmp_path: Path, content: bytes,
                                                                         where: str) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    given = []
    with pytest.raises(LabelStudioError) as raised:
        for task in iter_tasks(path):
            given.append(task["id"])
    assert raised.value.code == "invalid-export" and where in str(raised.value) and str(path) in str(raised.value)
    assert given == list(range(1, len(given) + 1)) and given


@pytest.mark.parametrize("content", [b'{"id": 1}', b"", b"\xef\xbb\xbf[]"])
def test_what_is_not_a_list_of_tasks_is_refused_with_a_code(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    with pytest.raises(LabelStudioError) as raised:
        list(iter_tasks(path))
    assert raised.value.code == "invalid-export" and str(path) in str(raised.value)
