"""Safe YAML loading shared by frontmatter, schema files and range look-ups.

Always the safe loader (libyaml's when present): no object construction. Every document is
bounded before anything walks it: text longer than :data:`MAX_CHARS` or nested so deeply that
libyaml would overflow the C stack is refused before it is parsed, and a composed document
larger than :data:`MAX_NODES` once its aliases are expanded ("billion laughs"), nested deeper
than :data:`MAX_NESTING` or holding a recursive alias is refused before it is turned into
values. A loaded alias graph is cheap; what walks it afterwards (plain values, JSON, schema
validation, hover) sees every alias expanded, so the limits hold for every consumer.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from typing import Any

import yaml

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader


_CACHED_LENGTH = 100


@lru_cache(maxsize=4096)
def _resolved_tag(kind: Any, value: str | None, implicit: Any) -> str:
    """The tag PyYAML's resolver gives a node: a function of these three alone, as the safe
    loader has no path resolvers; cached, since keys and common values come back note after
    note."""
    return _BaseLoader.resolve(_RESOLVER, kind, value, implicit)


class SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, where a timestamp that names no real day (``2026-02-31``) is text.

    Such a value is a mistake in one field, for a schema to report there, not a document
    that cannot be read.
    """

    def resolve(self, kind: Any, value: str | None, implicit: Any) -> str:
        """The tag of a node (see :func:`_resolved_tag`); long text is not kept in the cache."""
        if value is not None and len(value) > _CACHED_LENGTH:
            return _BaseLoader.resolve(self, kind, value, implicit)
        return _resolved_tag(kind, value, implicit)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """The date or time a timestamp scalar names, or its text when there is no such day or
    when it names none (``!!timestamp soon``, which PyYAML's constructor cannot read)."""
    if not loader.timestamp_regexp.match(node.value):
        return node.value
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return node.value


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_RESOLVER = SafeLoader("")  # whose resolver rules _resolved_tag applies


class YamlFailure(Exception):
    """YAML that cannot be loaded; ``offset`` is where in the text, when known."""

    def __init__(self, detail: str, offset: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.offset = offset


MAX_DEPTH = 1000
"""Flow brackets or indentation this deep are refused before libyaml sees the text."""
MAX_CHARS = 1_000_000
"""The longest YAML text loaded (frontmatter, schema file, sidecar), in characters."""
MAX_NODES = 100_000
"""The most nodes a document may hold, each alias counted as the nodes it stands for."""
MAX_NESTING = 100
"""The deepest collections may nest in a loaded document (a scalar inside 100 lists is fine)."""
# A document without anchors has no aliases and fewer than 2 nodes per character (``[?,?]``
# makes 7 nodes of 5 characters), so below this length it cannot exceed MAX_NODES.
_COUNT_FROM_CHARS = MAX_NODES // 2


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when YAML text may nest ``limit`` levels or more (flow brackets or indentation).

    libyaml composes recursively in C: thousands of levels crash the process instead of
    raising, so such text is refused before it is parsed. (Deeper than Python's recursion
    limit could not be constructed anyway.)
    """
    if len(text) < limit:
        return False
    if text.count("[") + text.count("{") >= limit:
        depth = 0
        for char in text:
            if char in "[{":
                depth += 1
                if depth >= limit:
                    return True
            elif char in "]}" and depth:
                depth -= 1
    return any(len(line) - len(line.lstrip(" -?:\t")) >= limit for line in text.splitlines())


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (None for an empty one); raises YamlFailure, also
    for a document beyond the limits (see :func:`check_bounds`)."""
    return _load(text, construct=False)[0]


def load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the plain value (see :func:`plain_value`) of one YAML document.

    Raises YamlFailure for text that is not YAML, RecursionError for a value nested too deeply
    to be turned into plain values.
    """
    return _load(text, construct=True)


def plain_value(value: Any) -> Any:
    """Turn YAML values into JSON-compatible ones (dates become ISO text)."""
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain_value(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def check_bounds(node: yaml.Node) -> None:
    """Raise YamlFailure unless ``node`` keeps within :data:`MAX_NODES` and :data:`MAX_NESTING`.

    Walks the alias graph once, each distinct node once: a node shared through aliases counts
    as many nodes as it stands for, and a node that contains itself is refused.
    """
    sizes: dict[int, int] = {}  # expanded node count of every node walked, by id
    heights: dict[int, int] = {}  # how deep collections nest below each node
    open_ids: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if isinstance(current, yaml.ScalarNode):
            sizes[key], heights[key] = 1, 0
            continue
        children = _children(current)
        if children_done:
            open_ids.discard(key)
            size = 1 + sum(sizes[id(child)] for child in children)
            if size > MAX_NODES:
                raise YamlFailure(f"more than {MAX_NODES} values once aliases are expanded")
            height = 1 + max((heights[id(child)] for child in children), default=0)
            if height > MAX_NESTING:
                raise _too_deep()
            sizes[key], heights[key] = size, height
            continue
        if key in sizes:
            continue
        if key in open_ids:
            raise YamlFailure("an alias refers to a collection that contains it")
        open_ids.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _too_deep() -> YamlFailure:
    return YamlFailure(f"nested more than {MAX_NESTING} levels deep")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return list(node.value)


def _load(text: str, *, construct: bool) -> tuple[yaml.Node | None, Any]:
    if len(text) > MAX_CHARS:
        raise YamlFailure(f"longer than {MAX_CHARS} characters")
    if too_deep(text):
        raise YamlFailure("nested too deeply")
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            # Plain values are built by a walk that checks the nesting itself: the node count
            # needs a walk of its own only where aliases or sheer length could break it.
            data = None
            if node is not None:
                checked = not construct or "&" in text or len(text) > _COUNT_FROM_CHARS
                if checked:
                    check_bounds(node)
                if construct:
                    data = _construct_plain(loader, node, checked)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or exc.context or "invalid YAML"
        raise YamlFailure(detail, min(mark.index, len(text)) if mark else None) from exc
    except (yaml.YAMLError, ValueError, TypeError, MemoryError) as exc:
        raise YamlFailure(str(exc) or type(exc).__name__) from exc
    return node, data


_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"
_TIMESTAMP = _TAG + "timestamp"


class _NotSimple(Exception):
    """A node the quick conversion leaves to PyYAML's constructor."""


def _construct_plain(loader: yaml.SafeLoader, node: yaml.Node, checked: bool) -> Any:
    """``plain_value`` of what PyYAML's constructor makes of ``node``.

    Frontmatter is nearly always plain maps, lists and strings: those are converted straight
    from the node tree, several times faster than the constructor. Anything else (anchors,
    merge keys, explicit collection tags, complex keys) goes through the constructor, once
    the document is known to be within bounds (``checked`` when it already is).
    """
    try:
        return _simple(loader, node, set(), 0)
    except (_NotSimple, yaml.YAMLError, RecursionError):
        pass
    if not checked:
        check_bounds(node)
    try:
        return plain_value(loader.construct_document(node))
    except RecursionError as exc:
        raise RecursionError("nested too deeply") from exc


def _simple(loader: yaml.SafeLoader, node: yaml.Node, seen: set[int], depth: int) -> Any:
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag
        # A day (the only timestamp of 10 characters, YYYY-MM-DD) is its own text as a plain
        # value: its ISO form, or the text itself when there is no such day.
        if tag == _STR or (tag == _TIMESTAMP and len(node.value) == 10):
            return node.value
        return plain_value(loader.construct_object(node))
    if id(node) in seen:  # an alias: shared or recursive, the constructor knows how
        raise _NotSimple
    if depth >= MAX_NESTING:
        raise _too_deep()
    seen.add(id(node))
    depth += 1
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [_simple(loader, item, seen, depth) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _KEY_TAGS:
                raise _NotSimple  # merge keys ("<<"), "=" keys, complex keys
            # Keys as constructed, then as text: 1 and true are one key, as in a dict.
            key = key_node.value if key_node.tag == _STR else loader.construct_object(key_node)
            mapping[key] = _simple(loader, value_node, seen, depth)
        return {str(key): value for key, value in mapping.items()}
    raise _NotSimple


_KEY_TAGS = frozenset(_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp"))
_NULL = _TAG + "null"
_PLAIN = (True, False)  # a plain scalar's implicit flags, as the composer passes them
UNREAD = object()
""":func:`plain_scalar`'s answer for a scalar it leaves to the whole loader."""


def plain_scalar(text: str) -> Any:
    """What :func:`load_yaml` makes of the plain (unquoted) scalar ``text``: text, None, a
    boolean, a number or a date's text; :data:`UNREAD` for any other (``<<``, ``=``, an
    integer its constructor cannot read)."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, _PLAIN)
    if tag == _STR or (tag == _TIMESTAMP and len(text) == 10):
        return text
    if tag == _NULL:
        return None
    if tag not in _KEY_TAGS:  # the tags of the scalars _simple converts itself
        return UNREAD
    try:
        value = SafeLoader.yaml_constructors[tag](_RESOLVER, yaml.ScalarNode(tag, text))
    except Exception:  # the whole loader reports what is wrong with it
        return UNREAD
    return plain_value(value)


def is_text_key(text: str) -> bool:
    """True when the plain scalar ``text`` is read as text (``true`` or ``1`` are not)."""
    return _RESOLVER.resolve(yaml.ScalarNode, text, _PLAIN) == _STR
