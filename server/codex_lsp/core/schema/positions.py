"""Positions of values inside YAML (and JSON) text: from a data path to an exact range.

The frontmatter parser keeps ranges for top-level keys only; schema errors can sit deeper
(``sample.volume``, ``authors[2]``). :class:`NodeLocator` composes the YAML node tree of a
piece of text (safe loader, no object construction) and walks it along a path of mapping keys
and sequence indexes. JSON is YAML for this purpose (tabs, which YAML refuses as indentation
but JSON allows, are read as spaces: offsets do not move). Pure: text in, ranges out; any text
that does not compose gives ``None`` results, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from ..model import Position, Range
from ..textpos import LineIndex
from ..yamlload import YamlFailure, compose_yaml

PathItem = str | int


@dataclass(frozen=True, slots=True)
class Found:
    """The deepest place a path reached: the key and value nodes there, and how far it got."""

    key: yaml.Node | None
    value: yaml.Node
    depth: int
    complete: bool


class NodeLocator:
    """Maps data paths to ranges inside ``text[start:end]`` (the YAML or JSON part of a file).

    Ranges are in the coordinates of the whole ``text`` (LSP lines, UTF-16 columns).
    """

    def __init__(
        self,
        text: str,
        start: int = 0,
        end: int | None = None,
        *,
        index: LineIndex | None = None,
        is_json: bool = False,
    ) -> None:
        self.text = text
        self.start = start
        self.end = len(text) if end is None else end
        self.index = index or LineIndex(text)
        self._is_json = is_json
        self._root: yaml.Node | None = None
        self._composed = False

    @property
    def root(self) -> yaml.Node | None:
        """The composed root node, or None when the text is not valid YAML."""
        if not self._composed:
            self._composed = True
            source = self.text[self.start : self.end]
            if self._is_json:
                source = source.replace("\t", " ")
            try:
                self._root = compose_yaml(source)
            except YamlFailure:
                self._root = None
        return self._root

    # -- walking -------------------------------------------------------------------------

    def find(self, path: Sequence[PathItem]) -> Found | None:
        """Follow ``path`` from the root as far as the nodes allow."""
        node = self.root
        if node is None:
            return None
        key_node: yaml.Node | None = None
        for depth, item in enumerate(path):
            child = _child(node, item)
            if child is None:
                return Found(key_node, node, depth, False)
            key_node, node = child
        return Found(key_node, node, len(path), True)

    def value_range(self, path: Sequence[PathItem]) -> Range | None:
        """Range of the value at ``path`` (quotes included), or None if it is not there."""
        found = self.find(path)
        if found is None or not found.complete:
            return None
        return self.node_range(found.value)

    def key_range(self, path: Sequence[PathItem]) -> Range | None:
        """Range of the mapping key of the last element of ``path``."""
        found = self.find(path)
        if found is None or not found.complete or found.key is None:
            return None
        return self.node_range(found.key)

    def nearest_range(self, path: Sequence[PathItem], instance: object = None) -> Range | None:
        """The value at ``path``, or the deepest node on the way to it.

        When the walk stops on a scalar and ``instance`` is a string written inside it (the
        items of a comma-separated ``tags: "a, b"``), the range narrows to that text.
        """
        found = self.find(path)
        if found is None:
            return None
        if found.complete:
            return self.node_range(found.value)
        node = found.value
        if isinstance(node, yaml.ScalarNode) and isinstance(instance, str) and instance:
            start, end = self._offsets(node)
            at = self.text.find(instance, start, end)
            if at != -1:
                return self.index.range(at, at + len(instance))
        if found.key is not None:
            return self.node_range(found.key)
        return self.first_line_range(node)

    def node_range(self, node: yaml.Node) -> Range:
        """Range of a node, without the trailing line breaks of block collections."""
        start, end = self._offsets(node)
        return self.index.range(start, end)

    def first_line_range(self, node: yaml.Node) -> Range:
        """Range from a node's start to the end of that line (or of the node)."""
        start, end = self._offsets(node)
        line_end = self.text.find("\n", start, end)
        if line_end != -1:
            end = line_end
            if end > start and self.text[end - 1] == "\r":
                end -= 1
        return self.index.range(start, end)

    def _offsets(self, node: yaml.Node) -> tuple[int, int]:
        start = self.start + node.start_mark.index
        end = self.start + node.end_mark.index
        end = min(max(end, start), self.end)
        while end > start and self.text[end - 1] in " \t\r\n":
            end -= 1
        return start, end

    # -- from a position to a path -------------------------------------------------------

    def path_at(self, position: Position) -> tuple[list[PathItem], bool] | None:
        """The data path of the key or value under ``position``; the flag is True on a key."""
        root = self.root
        if root is None:
            return None
        offset = self.index.offset(position)
        path: list[PathItem] = []
        node: yaml.Node = root
        while True:
            step = self._step_at(node, offset)
            if step is None:
                return (path, False) if path else None
            item, key_node, value_node = step
            path.append(item)
            if key_node is not None and self._covers(key_node, offset):
                return path, True
            node = value_node

    def _step_at(
        self, node: yaml.Node, offset: int
    ) -> tuple[PathItem, yaml.Node | None, yaml.Node] | None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                if self._covers(key_node, offset) or self._covers(value_node, offset):
                    return str(key_node.value), key_node, value_node
        elif isinstance(node, yaml.SequenceNode):
            for number, item in enumerate(node.value):
                if self._covers(item, offset):
                    return number, None, item
        return None

    def _covers(self, node: yaml.Node, offset: int) -> bool:
        start, end = self._offsets(node)
        return start <= offset <= end


def _child(node: yaml.Node, item: PathItem) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(item, str):
        for key_node, value_node in reversed(node.value):  # the last duplicate wins, as in YAML
            if isinstance(key_node, yaml.ScalarNode) and str(key_node.value) == item:
                return key_node, value_node
        return None
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(item, int)
        and 0 <= item < len(node.value)
    ):
        return None, node.value[item]
    return None


def mapping_keys(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    """The (key, value) node pairs of a mapping node with scalar keys (empty otherwise)."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


__all__ = ["Found", "NodeLocator", "PathItem", "mapping_keys"]
