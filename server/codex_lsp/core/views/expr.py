"""The expression language of views (Obsidian Bases' syntax): tokens, AST and a bounded parser.

An expression is JavaScript-like: literals (``"text"``, ``'text'``, numbers, ``true``,
``false``, ``null``, ``[lists]``), names (``status``, ``note.status``, ``file.name``,
``formula.total``, ``note["two words"]``), calls (``today()``, ``file.hasTag("x")``,
``status.lower()``), unary ``!``/``-``, and the binary operators ``* / %``, ``+ -``,
``< <= > >=``, ``== !=``, ``&&``, ``||`` (in that order of precedence, tightest first).

Every node carries its offsets in the expression text so errors and hovers have ranges. The
parser is bounded: text longer than :data:`MAX_EXPRESSION_CHARS` or nested deeper than
:data:`MAX_EXPRESSION_DEPTH` is refused with an error instead of being parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

MAX_EXPRESSION_CHARS = 4000
"""The longest expression parsed, in characters."""
MAX_EXPRESSION_DEPTH = 64
"""The deepest nesting of parentheses, calls, lists and operators an expression may have."""


class ExprError(Exception):
    """An expression that cannot be parsed; ``start``/``end`` are offsets in its text."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: str, int, float, bool or None."""

    value: object
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ListExpr:
    """A list literal ``[a, b]``."""

    items: tuple[Expr, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Name:
    """A bare name (a note property, or one of the roots ``note``, ``file``, ``formula``...)."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Member:
    """``target.name`` or ``target["name"]``."""

    target: Expr
    name: str
    start: int
    end: int
    name_start: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args)`` (a global function) or ``target.name(args)`` (a method)."""

    name: str
    target: Expr | None
    args: tuple[Expr, ...]
    start: int
    end: int
    name_start: int = 0


@dataclass(frozen=True, slots=True)
class Unary:
    """``!x`` or ``-x``."""

    op: str
    operand: Expr
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Binary:
    """``left op right``."""

    op: str
    left: Expr
    right: Expr
    start: int
    end: int
    op_start: int = field(default=0)


Expr = Union[Literal, ListExpr, Name, Member, Call, Unary, Binary]  # noqa: UP007 (a runtime alias on 3.10)

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[<>+\-*/%!().,\[\]])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "/": "/"}
_BINARY = [("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "/", "%")]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _unquote(raw: str, start: int) -> str:
    out: list[str] = []
    i = 1
    while i < len(raw) - 1:
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1]
            if nxt not in _ESCAPES:
                raise ExprError(f"unknown escape \\{nxt}", start + i, start + i + 2)
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "\"'":
                raise ExprError("unterminated string", pos, len(text))
            raise ExprError(f"unexpected character {ch!r}", pos, pos + 1)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, m.group(), m.start(), m.end()))
        pos = m.end()
    tokens.append(_Token("end", "", len(text), len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> _Token:
        tok = self.peek()
        if tok.text != text or tok.kind not in ("op",):
            found = "the end" if tok.kind == "end" else repr(tok.text)
            raise ExprError(f"expected {text!r}, found {found}", tok.start, max(tok.end, tok.start))
        return self.take()

    def enter(self, at: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise ExprError(
                f"expression nested deeper than {MAX_EXPRESSION_DEPTH}", at.start, at.end
            )

    def binary(self, level: int) -> Expr:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek().kind == "op" and self.peek().text in _BINARY[level]:
            op = self.take()
            self.enter(op)
            right = self.binary(level + 1)
            self.depth -= 1
            left = Binary(op.text, left, right, left.start, right.end, op.start)
        return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("!", "-"):
            self.take()
            self.enter(tok)
            operand = self.unary()
            self.depth -= 1
            return Unary(tok.text, operand, tok.start, operand.end)
        return self.postfix(self.primary())

    def args(self, close: str) -> tuple[list[Expr], int]:
        items: list[Expr] = []
        if self.peek().text == close and self.peek().kind == "op":
            return items, self.take().end
        while True:
            items.append(self.binary(0))
            tok = self.peek()
            if tok.kind == "op" and tok.text == ",":
                self.take()
                continue
            return items, self.expect(close).end

    def postfix(self, node: Expr) -> Expr:
        while True:
            tok = self.peek()
            if tok.kind != "op" or tok.text not in (".", "(", "["):
                return node
            self.enter(tok)
            self.take()
            if tok.text == ".":
                name = self.take()
                if name.kind != "name":
                    raise ExprError("expected a name after '.'", name.start, name.end)
                if self.peek().kind == "op" and self.peek().text == "(":
                    self.take()
                    args, end = self.args(")")
                    node = Call(name.text, node, tuple(args), node.start, end, name.start)
                else:
                    node = Member(node, name.text, node.start, name.end, name.start)
            elif tok.text == "[":
                key = self.take()
                if key.kind != "string":
                    raise ExprError("expected a quoted name inside [ ]", key.start, key.end)
                end = self.expect("]").end
                node = Member(node, _unquote(key.text, key.start), node.start, end, key.start)
            else:
                if not isinstance(node, Name):
                    raise ExprError("only a function name can be called", node.start, node.end)
                args, end = self.args(")")
                node = Call(node.name, None, tuple(args), node.start, end, node.start)

    def primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "number":
            value: object = float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text)
            return Literal(value, tok.start, tok.end)
        if tok.kind == "string":
            return Literal(_unquote(tok.text, tok.start), tok.start, tok.end)
        if tok.kind == "name":
            constants = {"true": True, "false": False, "null": None}
            if tok.text in constants:
                return Literal(constants[tok.text], tok.start, tok.end)
            return Name(tok.text, tok.start, tok.end)
        if tok.kind == "op" and tok.text == "(":
            self.enter(tok)
            inner = self.binary(0)
            self.expect(")")
            self.depth -= 1
            return inner
        if tok.kind == "op" and tok.text == "[":
            self.enter(tok)
            items, end = self.args("]")
            self.depth -= 1
            return ListExpr(tuple(items), tok.start, end)
        if tok.kind == "end":
            raise ExprError("expression ends too early", tok.start, tok.end)
        raise ExprError(f"unexpected {tok.text!r}", tok.start, tok.end)


def parse_expression(text: str) -> Expr:
    """The AST of one expression; raises :class:`ExprError` with offsets in ``text``."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExprError(f"expression longer than {MAX_EXPRESSION_CHARS} characters", 0, len(text))
    if not text.strip():
        raise ExprError("empty expression", 0, len(text))
    parser = _Parser(text)
    node = parser.binary(0)
    tok = parser.peek()
    if tok.kind != "end":
        raise ExprError(f"unexpected {tok.text!r}", tok.start, tok.end)
    return node


def walk(node: Expr) -> list[Expr]:
    """Every node of the tree, parents before children (iterative: depth is bounded anyway)."""
    out: list[Expr] = []
    stack: list[Expr] = [node]
    while stack:
        cur = stack.pop()
        out.append(cur)
        if isinstance(cur, ListExpr):
            stack.extend(reversed(cur.items))
        elif isinstance(cur, Member):
            stack.append(cur.target)
        elif isinstance(cur, Call):
            stack.extend(reversed(cur.args))
            if cur.target is not None:
                stack.append(cur.target)
        elif isinstance(cur, Unary):
            stack.append(cur.operand)
        elif isinstance(cur, Binary):
            stack.extend((cur.right, cur.left))
    return out
