"""Reading hand-written YAML (schemas, authored annotations) so that every error can name its line.

PyYAML keeps the last of two equal keys without a word, and reads the escape "\\udc00" into a
lone surrogate; in a file a person edits both are mistakes to report, not to resolve silently.
"""

from __future__ import annotations

from typing import Any

import yaml

from crocus_claims.unicode_text import describe_lone_surrogate, lone_surrogate

Loc = tuple[str | int, ...]


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; a schema with a duplicate key is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # `? [a]`: unhashable in Python, never meant
                raise yaml.constructor.ConstructorError(None, None, "a key must be a plain scalar",
                                                        key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_scalar(self, node: yaml.ScalarNode | yaml.MappingNode) -> Any:  # a mapping: its `=` key holds the scalar
        value = super().construct_scalar(node)
        index = lone_surrogate(value) if isinstance(value, str) else None
        if index is not None:
            raise yaml.constructor.ConstructorError(None, None, describe_lone_surrogate(value, index),
                                                    node.start_mark)
        return value


def compose_and_load(source: str) -> tuple[yaml.Node | None, Any]:
    """The node tree of `source` (for `line_of`) and the data it holds, from one parse with
    UniqueKeyLoader: (None, None) for an empty document. Raises yaml.YAMLError, also for what
    PyYAML raises otherwise: a document nested too deeply (RecursionError) and a value its
    constructors refuse (ValueError, such as the date 2020-13-45)."""
    loader = UniqueKeyLoader(source)
    try:
        root = loader.get_single_node()
        return root, None if root is None else loader.construct_document(root)
    except RecursionError:
        raise yaml.YAMLError("nested too deeply to read") from None
    except (ValueError, TypeError, OverflowError) as error:
        raise yaml.YAMLError(f"a value cannot be read: {error}") from None
    finally:
        loader.dispose()


def line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its nearest existing ancestor."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
            if child is None:  # a key that is the problem itself, or missing
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            return line
        node, line = child, child.start_mark.line + 1
    return line
