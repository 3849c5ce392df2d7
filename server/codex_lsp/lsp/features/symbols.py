"""Document symbols (heading outline), workspace symbols, document links, folding ranges and
the backlink code lens."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from weakref import WeakKeyDictionary

from lsprotocol import types

from ...core.model import Heading, ParsedNote, Position
from ...core.textpos import LineIndex
from ..convert import lsp_range
from ..feature import Feature, handles
from ..json_values import JsonList
from ..partial import partial_answer
from ..server import CodexServer, Document

if TYPE_CHECKING:
    import sqlite3

    from ...storage.service import NotebookService
    from ...storage.symbol_index import Symbol, SymbolCache

# A symbol picker shows a screen of rows and is narrowed by typing, not scrolled: the best
# hundred are several screens, and every symbol more is built, sent and read by the client.
WORKSPACE_SYMBOL_LIMIT = 100
SHOW_BACKLINKS = "codex.showBacklinks"


def outline(note: ParsedNote, index: LineIndex) -> list[types.DocumentSymbol]:
    """Headings nested by level; each symbol spans its section."""
    last_line = max(index.line_count - 1, 0)
    roots: list[types.DocumentSymbol] = []
    stack: list[tuple[Heading, list[types.DocumentSymbol]]] = []
    headings = note.headings
    for number, heading in enumerate(headings):
        end_line = next(
            (h.range.start.line - 1 for h in headings[number + 1 :] if h.level <= heading.level),
            last_line,
        )
        children: list[types.DocumentSymbol] = []
        symbol = types.DocumentSymbol(
            name=heading.text or "(empty heading)",
            kind=types.SymbolKind.String,
            detail="#" * heading.level,
            range=types.Range(
                types.Position(heading.range.start.line, 0),
                types.Position(max(end_line, heading.range.start.line), 0),
            ),
            selection_range=lsp_range(heading.range),
            children=children,
        )
        while stack and stack[-1][0].level >= heading.level:
            stack.pop()
        (stack[-1][1] if stack else roots).append(symbol)
        stack.append((heading, children))
    return roots


def folding(note: ParsedNote, index: LineIndex) -> list[types.FoldingRange]:
    """Fold the frontmatter and each heading's section."""
    found = []
    last_line = max(index.line_count - 1, 0)
    if note.frontmatter_range is not None and note.frontmatter_range.end.line > 1:
        found.append(
            types.FoldingRange(
                start_line=0,
                end_line=note.frontmatter_range.end.line - 1,
                kind=types.FoldingRangeKind.Region,
            )
        )
    for number, heading in enumerate(note.headings):
        end_line = next(
            (
                h.range.start.line - 1
                for h in note.headings[number + 1 :]
                if h.level <= heading.level
            ),
            last_line,
        )
        while end_line > heading.range.start.line and not index_line_has_text(index, end_line):
            end_line -= 1
        if end_line > heading.range.start.line:
            found.append(types.FoldingRange(start_line=heading.range.start.line, end_line=end_line))
    return found


def index_line_has_text(index: LineIndex, line: int) -> bool:
    """True when ``line`` holds anything but whitespace."""
    return bool(index.line_text(line).strip())


# By the value of storage's ``SymbolKind``, which loads with the index, after start-up; as
# the numbers sent (answers are built as JSON, see ``JsonList``).
_KINDS = {
    "note": types.SymbolKind.File.value,
    "alias": types.SymbolKind.Constant.value,
    "heading": types.SymbolKind.String.value,
    "tag": types.SymbolKind.Key.value,
}
_TOP = Position(0, 0)


def notebook_uris(root_uri: str) -> Callable[[str], str]:
    """The URI of a notebook-relative path, given the notebook root's URI.

    A path's URI is its absolute path percent-encoded character by character: the root's URI
    joined with the relative path encoded alike is the same string, at a fraction of the cost
    of encoding the whole path again for each of the hundreds of symbols of an answer.
    """
    prefix = root_uri if root_uri.endswith("/") else root_uri + "/"
    return lambda rel: prefix + quote(rel)


def workspace_symbol_of(symbol: Symbol, uri_of: Callable[[str], str]) -> dict[str, Any]:
    """The LSP shape of a stored symbol, as the JSON a ``WorkspaceSymbol`` is sent as."""
    where = symbol.range
    start, end = (where.start, where.end) if where is not None else (_TOP, _TOP)
    return {
        "name": symbol.name,
        "kind": _KINDS[symbol.kind.value],
        "location": {
            "uri": uri_of(symbol.path),
            "range": {
                "start": {"line": start.line, "character": start.character},
                "end": {"line": end.line, "character": end.character},
            },
        },
        "containerName": symbol.container,
    }


class Symbols(Feature):
    """Outline, folding, workspace symbols, document links, and code lens: the backlink
    lens and every provider's (view row counts, git history)."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        # One symbol index per notebook, used only on that notebook's reader thread.
        self.caches: WeakKeyDictionary[NotebookService, SymbolCache] = WeakKeyDictionary()

    @handles(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        self, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | None:
        """The heading outline of any open or notebook document."""
        doc = await self.server.text_at(params.text_document.uri)
        return outline(doc.note, doc.index) if doc else None

    @handles(types.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding_range(
        self, params: types.FoldingRangeParams
    ) -> list[types.FoldingRange] | None:
        """The frontmatter and heading sections of any open or notebook document."""
        doc = await self.server.text_at(params.text_document.uri)
        return folding(doc.note, doc.index) if doc else None

    @handles(types.WORKSPACE_SYMBOL)
    async def workspace_symbol(self, params: types.WorkspaceSymbolParams) -> JsonList:
        """Notes, aliases, headings and tags matching the query, best first, capped (as
        ``WorkspaceSymbol`` JSON)."""
        from ...storage.symbol_index import SymbolCache

        ls = self.server
        services = list(ls.services.values())
        indexing = [s.notebook.name for s in services if not s.ready.is_set()]
        found: list[tuple[Symbol, NotebookService]] = []
        # workspace/symbol has no isIncomplete: the work-done token says the answer is partial.
        with partial_answer(ls, params.work_done_token, "Workspace symbols", indexing):
            for service in services:
                cache = self.caches.setdefault(service, SymbolCache())
                symbols = await ls.read(
                    service,
                    partial(cache.search, query=params.query, limit=WORKSPACE_SYMBOL_LIMIT),
                )
                found += [(symbol, service) for symbol in symbols]
        found.sort(key=lambda pair: -pair[0].score)
        uris = {service: notebook_uris(ls.uri_of(service, "")) for service in services}
        return JsonList(
            workspace_symbol_of(symbol, uris[service])
            for symbol, service in found[:WORKSPACE_SYMBOL_LIMIT]
        )

    @handles(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    async def document_link(
        self, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        """Every link of the note that leads somewhere, with where (line anchors)."""
        from ...storage.references import destination as link_destination

        ls = self.server
        doc = await ls.note_at(params.text_document.uri)
        if doc is None:
            return None
        service = doc.service
        link_caps = ls.client_capabilities.text_document
        tooltips = bool(
            link_caps and link_caps.document_link and link_caps.document_link.tooltip_support
        )

        def build(conn: sqlite3.Connection) -> list[types.DocumentLink]:
            found = []
            for link in doc.note.links:
                destination = link_destination(conn, doc.rel, doc.note, link)
                if destination is None:
                    continue
                path, where = destination
                target = ls.uri_of(service, path)
                if where.start.line or where.start.character:
                    target += f"#L{where.start.line + 1}"
                found.append(
                    types.DocumentLink(
                        range=lsp_range(link.range),
                        target=target,
                        tooltip=path if tooltips else None,
                    )
                )
            return found

        return await ls.read(service, build)

    @handles(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(self, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        """The backlink lens (unless turned off), then every lens provider's."""
        ls = self.server
        doc = await ls.note_at(params.text_document.uri)
        if doc is None:
            return None
        lenses = [await backlink_lens(ls, doc)] if ls.settings.code_lens_backlinks else []
        for provide in list(ls.providers.lenses):
            lenses += await provide(doc)
        return lenses or None


async def backlink_lens(ls: CodexServer, doc: Document) -> types.CodeLens:
    """ "N backlinks" on the title line, opening the list of referencing places."""
    from ...core.locate import title_heading
    from ...storage import lookups

    service = doc.service
    rows = await ls.read(service, lambda conn: lookups.links_to(conn, doc.rel))
    heading = title_heading(doc.note)
    line = heading.range.start.line if heading else 0
    where = types.Range(types.Position(line, 0), types.Position(line, 0))
    locations = [
        {
            "uri": ls.uri_of(service, row.path),
            "range": {
                "start": {"line": row.range.start.line, "character": row.range.start.character},
                "end": {"line": row.range.end.line, "character": row.range.end.character},
            },
        }
        for row in rows
    ]
    count = len(rows)
    return types.CodeLens(
        range=where,
        command=types.Command(
            title=f"{count} backlink{'s' * (count != 1)}",
            command=SHOW_BACKLINKS,
            arguments=[
                {"uri": doc.uri, "position": {"line": line, "character": 0}, "locations": locations}
            ],
        ),
    )
