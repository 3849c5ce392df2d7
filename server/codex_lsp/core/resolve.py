"""Link resolution: which file, heading or block a link points to (rules in docs/linking.md).

Pure: the caller supplies a :class:`Catalog` that answers "which files could this name mean".
Paths are notebook-relative POSIX paths.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple, Protocol

from .anchors import HeadingKey, NamedHeading, anchor_of, heading_keys, leads_to
from .model import Link
from .syntax import NOTE_SUFFIXES, split_target


class LinkStatus(str, Enum):
    """Outcome of resolving one link."""

    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    BROKEN = "broken"
    BROKEN_ANCHOR = "broken-anchor"


@dataclass(frozen=True, slots=True)
class Target:
    """What the resolver needs to know about one file of the notebook.

    ``ref`` is an opaque reference for the caller (the storage layer keeps the file id there).
    """

    path: str
    is_note: bool
    aliases: tuple[str, ...] = ()
    headings: tuple[HeadingKey, ...] = ()
    blocks: frozenset[str] = field(default_factory=frozenset)
    ref: str = ""
    stem: str = field(init=False, compare=False, repr=False)
    """File name without a note suffix (attachments keep their extension)."""
    stem_key: str = field(init=False, compare=False, repr=False)
    """``stem`` lowercased: what a bare link name is compared with."""

    def __post_init__(self) -> None:
        stem = stem_of(self.path, self.is_note)
        object.__setattr__(self, "stem", stem)
        object.__setattr__(self, "stem_key", stem.lower())


class Resolution(NamedTuple):
    """Where a link leads: ``target`` is set for resolved, ambiguous and broken-anchor links.

    ``via_label`` tells that the label side of ``[[a|b]]`` was the target (Dendron order).
    A named tuple: an index run makes tens of thousands.
    """

    status: LinkStatus
    target: str | None = None
    candidates: tuple[str, ...] = ()
    via_label: bool = False


class Catalog(Protocol):
    """Index of the notebook's files by lookup key (see :func:`target_keys`)."""

    def candidates(self, key: str) -> Sequence[Target]:
        """Files whose stem, alias or attachment name has this lowercase key."""
        ...

    def get(self, path: str) -> Target | None:
        """The file at this exact notebook-relative path, if any."""
        ...


def strip_note_suffix(name: str) -> str:
    """``name`` without a trailing ``.md`` or ``.markdown`` (case-insensitive)."""
    lowered = name.lower()
    for suffix in NOTE_SUFFIXES:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


def stem_of(path: str, is_note: bool) -> str:
    """A file's own name: a note's file name without ``.md``, an attachment's file name."""
    base = posixpath.basename(path)
    return strip_note_suffix(base) if is_note else base


def lookup_key(target: str) -> str:
    """The catalog key a link target is looked up by: its last path part, lowercased."""
    return strip_note_suffix(target.rstrip("/").rsplit("/", 1)[-1]).lower()


def target_keys(target: Target) -> set[str]:
    """Every key under which ``target`` must be findable in a catalog."""
    keys = {target.stem_key}
    keys.update(alias.lower() for alias in target.aliases)
    return keys


class MemoryCatalog:
    """A :class:`Catalog` held in memory, built from targets."""

    def __init__(self, targets: Iterable[Target] = ()) -> None:
        self._by_path: dict[str, Target] = {}
        self._by_key: dict[str, list[Target]] = {}
        for target in targets:
            self.add(target)

    def add(self, target: Target) -> None:
        """Add or replace a target."""
        keys = target_keys(target)
        old = self._by_path.get(target.path)
        if old is not None:
            old_keys = target_keys(old)
            for key in old_keys & keys:  # replaced where it was
                bucket = self._by_key[key]
                bucket[next(i for i, t in enumerate(bucket) if t is old)] = target
            self._drop(old, old_keys - keys)
            keys -= old_keys
        self._by_path[target.path] = target
        for key in keys:
            self._by_key.setdefault(key, []).append(target)

    def remove(self, path: str) -> None:
        """Forget the target at ``path``."""
        old = self._by_path.pop(path, None)
        if old is not None:
            self._drop(old, target_keys(old))

    def _drop(self, old: Target, keys: Iterable[str]) -> None:
        """Take ``old`` out of the buckets of ``keys``."""
        for key in keys:
            bucket = self._by_key.get(key, [])
            bucket[:] = [t for t in bucket if t is not old]
            if not bucket:
                self._by_key.pop(key, None)

    def candidates(self, key: str) -> Sequence[Target]:
        """Targets under ``key``."""
        return self._by_key.get(key, ())

    def get(self, path: str) -> Target | None:
        """Target at ``path``."""
        return self._by_path.get(path)

    def __len__(self) -> int:
        return len(self._by_path)

    def targets(self) -> Iterable[Target]:
        """Every target."""
        return self._by_path.values()


class OverlayCatalog:
    """A catalog where one file (an open editor buffer) replaces what ``base`` knows of it."""

    def __init__(self, base: Catalog, override: Target) -> None:
        self._base = base
        self._override = override
        self._keys = target_keys(override)

    def candidates(self, key: str) -> Sequence[Target]:
        """Base candidates, with the overriding file put in or taken out."""
        found = [t for t in self._base.candidates(key) if t.path != self._override.path]
        if key in self._keys:
            found.append(self._override)
        return found

    def get(self, path: str) -> Target | None:
        """The overriding file at its path, else the base's answer."""
        return self._override if path == self._override.path else self._base.get(path)


def target_of_note(
    path: str, aliases: Iterable[str], headings: Iterable[NamedHeading], blocks: Iterable[str]
) -> Target:
    """The resolver's view of a parsed (or stored) note at ``path``."""
    return Target(path, True, tuple(aliases), heading_keys(headings), frozenset(blocks))


def resolve_link(
    target: str,
    anchor: str | None,
    is_block: bool,
    source_path: str,
    catalog: Catalog,
    *,
    relative: bool = False,
    alternate: str | None = None,
) -> Resolution:
    """Resolve one link written in ``source_path``.

    ``relative`` is True for Markdown links, whose paths are relative to the linking note.
    ``alternate`` is the other side of ``[[a|b]]``: when ``a`` leads nowhere and ``b`` does,
    the link was written in Dendron's ``[[label|target]]`` order and ``b`` is used.
    """
    result = _resolve_once(target, anchor, is_block, source_path, catalog, relative)
    if alternate and label_may_decide(result, relative=relative):
        other_path, other_anchor, other_block = split_target(alternate)
        if other_path:
            other = _resolve_once(
                other_path, other_anchor, other_block, source_path, catalog, False
            )
            if other.status is not LinkStatus.BROKEN:
                return other._replace(via_label=True)
    return result


def label_may_decide(result: Resolution, *, relative: bool) -> bool:
    """True when the label side of ``[[a|b]]`` is tried: the target side led nowhere."""
    return result.status is LinkStatus.BROKEN and not relative


def effective_target(link: Link, result: Resolution) -> tuple[str, str | None, bool]:
    """(target, anchor, is_block) that ``result`` was resolved from: the label side when
    the link was read in Dendron's ``[[label|target]]`` order."""
    if result.via_label and link.label:
        return split_target(link.label)
    return link.target, link.anchor, link.is_block


def resolve_written(link: Link, source_path: str, catalog: Catalog) -> Resolution:
    """Resolve a parsed link as written in ``source_path`` (all the rules of docs/linking.md)."""
    return resolve_link(
        link.target,
        link.anchor,
        link.is_block,
        source_path,
        catalog,
        relative=link.kind.is_markdown,
        alternate=None if link.kind.is_markdown else link.label,
    )


def _resolve_once(
    target: str,
    anchor: str | None,
    is_block: bool,
    source_path: str,
    catalog: Catalog,
    relative: bool,
) -> Resolution:
    if not target:
        source = catalog.get(source_path)
        return (
            _check_anchor(source, anchor, is_block, ()) if source else Resolution(LinkStatus.BROKEN)
        )
    found = _by_path(target, source_path, catalog, relative)
    if found is not None:
        return (
            found if isinstance(found, Resolution) else _check_anchor(found, anchor, is_block, ())
        )
    matches = _by_name(target, catalog)
    if not matches:
        return Resolution(LinkStatus.BROKEN)
    chosen = _prefer(matches, source_path)
    candidates = tuple(sorted(m.path for m in matches)) if len(matches) > 1 else ()
    return _check_anchor(chosen, anchor, is_block, candidates)


def _by_path(
    target: str, source_path: str, catalog: Catalog, relative: bool
) -> Target | Resolution | None:
    """Targets written as a path: relative (``./``, ``../``, Markdown) or rooted (``/``)."""
    if not (relative or target.startswith(("/", "./", "../"))):
        return None
    found = _at_path(written_path(target, source_path), catalog)
    if found is not None:
        return found
    if relative and not target.startswith((".", "/")):
        if "/" not in target:
            return None
        # Obsidian's "absolute path in vault": folder/Note.md written in another folder.
        found = _at_path(posixpath.normpath(target), catalog)
        if found is not None:
            return found
    return Resolution(LinkStatus.BROKEN)


def written_path(target: str, source_path: str) -> str:
    """The notebook path that ``target``, written as a path in the file at ``source_path``,
    names: from the notebook's root when it starts with ``/``, else from that file's folder
    (normalised; it may lead out of the notebook: ``../``)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_path), target))


def path_candidates(path: str) -> tuple[str, ...]:
    """The files a notebook-relative ``path`` may name, its note suffix optional, in the
    order they are tried; none when the path leads out of the notebook."""
    if path == ".." or path.startswith("../"):
        return ()
    return (path, *(path + suffix for suffix in NOTE_SUFFIXES))


def _at_path(path: str, catalog: Catalog) -> Target | None:
    """The file at notebook-relative ``path``, its note suffix optional; None outside."""
    for candidate in path_candidates(path):
        found = catalog.get(candidate)
        if found is not None:
            return found
    return None


def _by_name(target: str, catalog: Catalog) -> list[Target]:
    wanted = strip_note_suffix(target).lower()
    explicit_note = wanted != target.lower()
    found = catalog.candidates(lookup_key(target))
    if "/" in wanted:
        return [t for t in found if _path_matches(t, wanted, target.lower())]
    stems = [t for t in found if t.is_note and t.stem_key == wanted]
    if stems:
        return stems
    if not explicit_note:
        files = [t for t in found if not t.is_note and t.stem_key == wanted]
        if files:
            return files
    return [t for t in found if t.is_note and wanted in (a.lower() for a in t.aliases)]


def _path_matches(target: Target, wanted: str, written: str) -> bool:
    path = target.path.lower()
    if target.is_note:
        path = strip_note_suffix(path)
        return path == wanted or path.endswith("/" + wanted)
    return path == written or path.endswith("/" + written)


def _prefer(matches: list[Target], source_path: str) -> Target:
    if len(matches) == 1:
        return matches[0]
    folder = posixpath.dirname(source_path)
    return min(
        matches,
        key=lambda t: (posixpath.dirname(t.path) != folder, t.path.count("/"), len(t.path), t.path),
    )


def has_clear_winner(target: str | None, candidates: Sequence[str], source_path: str) -> bool:
    """True when an ambiguous link resolves as Obsidian resolves it without asking.

    ``target`` (the chosen one of ``candidates``) is the only candidate in the linking note's
    folder, or, with none there, the only one with the fewest folders in its path. Such a
    link is reported only on request (a setting, ``check --strict``): vaults rely on it.
    """
    if target is None or len(candidates) < 2:
        return False
    others = [c for c in candidates if c != target]
    folder = posixpath.dirname(source_path)
    if posixpath.dirname(target) == folder:
        return all(posixpath.dirname(c) != folder for c in others)
    depth = target.count("/")
    return all(c.count("/") > depth and posixpath.dirname(c) != folder for c in others)


def _check_anchor(
    target: Target, anchor: str | None, is_block: bool, candidates: tuple[str, ...]
) -> Resolution:
    status = LinkStatus.AMBIGUOUS if candidates else LinkStatus.RESOLVED
    if anchor and target.is_note and find_anchor(target, anchor, is_block) is None:
        status = LinkStatus.BROKEN_ANCHOR
    return Resolution(status, target.path, candidates)


def find_anchor(target: Target, anchor: str, is_block: bool) -> int | None:
    """Index of the heading (or 0 for a block) the anchor names in ``target``; None if absent
    (the rule is :mod:`.anchors`)."""
    return leads_to(target.headings, target.blocks, anchor_of(anchor, is_block))
