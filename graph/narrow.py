"""Parameters that narrow the work: a bound term goes where Oxigraph's planner starts from it.

pyoxigraph's ``substitutions`` pre-bind a variable but the planner does not use
them: ``measure-history`` for one measure reads every figure of every measure and
keeps one measure's at the end. :func:`narrowed` instead puts each bound term
into the query as a one-row ``VALUES ?v { term }`` at the start of every group
in its scope — the outer ``WHERE``, its UNION branches, OPTIONAL and EXISTS
groups, and every subquery that hands ``?v`` out to it — so each part of the
plan begins at that term. The term is an RDF term serialised by pyoxigraph
(N-Triples: IRIs checked by its parser, every quote, backslash and line break of
a literal escaped) and re-read by the tokenizer as exactly one term before it is
placed; the query's own text is never edited, only tokens are inserted between
its tokens.

Why the rows do not change. A ``VALUES`` block with one row joined at the start
of a group pre-binds ``?v`` for the whole group, its FILTERs included — what
rdflib's ``initBindings`` and pyoxigraph's ``substitutions`` do; repeating it in
a group inside (a UNION branch, an OPTIONAL, an EXISTS) only drops rows that
could not join with ``?v`` = term anyway. MINUS groups are left alone: a MINUS
compares only the variables both sides bind. A subquery is
narrowed only when the narrowing cannot reach past it: it projects ``?v`` as a
plain variable, groups by it (or does not group), and has no LIMIT or OFFSET;
then keeping its rows with ``?v`` = term equals joining them with ``?v`` = term
afterwards. A query in which ``?v`` is assigned (``BIND(… AS ?v)``,
``(… AS ?v)``) or listed in its own ``VALUES``, or a blank-node value, is not
narrowed: :func:`narrowed` returns None and the caller falls back to
``substitutions``. tests/test_narrowing.py checks every named query × parameter
case, hostile values included, against rdflib and the plain substitutions.

>>> from pyoxigraph import Literal, NamedNode
>>> print(narrowed("SELECT ?s WHERE { ?s <urn:p> ?v }", {"v": Literal('a "}')}))
SELECT ?s WHERE { VALUES ?v { "a \\"}" } ?s <urn:p> ?v }
>>> narrowed("SELECT ?v WHERE { BIND(1 AS ?v) }", {"v": Literal("1")}) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

__all__ = ["narrowed", "tokens"]

_TOKEN = re.compile(r'''
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][^\s{}()\[\],;.<>=!|&+*/"'\#^?$@]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<punct>\^\^|[{}()])
  | (?P<word>[A-Za-z_][\w-]*(?::[^\s{}()\[\],;<>"'\#]*)?|:[^\s{}()\[\],;<>"'\#]*)
  | (?P<other>.)
''', re.VERBOSE | re.DOTALL)

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int  # offset in the query text

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def name(self) -> str:  # a variable's name without ? or $
        return self.text[1:] if self.kind == "var" else ""


def tokens(text: str) -> list[Token]:
    """The SPARQL tokens of ``text`` that matter here, white space and comments left out.

    >>> [t.text for t in tokens('SELECT ?a { ?a <urn:p> "x # }" } # }')]
    ['SELECT', '?a', '{', '?a', '<urn:p>', '"x # }"', '}']
    """
    found = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup not in ("space", "comment"):
            found.append(Token(m.lastgroup, m[0], m.start()))
    return found


@dataclass
class _Select:
    at: int  # index of the SELECT token
    open: int  # index of the "{" of its WHERE group
    close: int  # index of the matching "}"
    end: int  # index past its solution modifiers
    parent: _Select | None
    plain: frozenset[str]  # variables projected as themselves (or "*")
    grouped: frozenset[str] | None  # GROUP BY variables; None: no GROUP BY
    aggregates: bool
    limited: bool  # LIMIT or OFFSET


def _matching(toks: list[Token]) -> dict[int, int] | None:
    """Index of each "{" -> index of its "}"; None when the braces do not balance."""
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, t in enumerate(toks):
        if t.text == "{" and t.kind == "punct":
            stack.append(i)
        elif t.text == "}" and t.kind == "punct":
            if not stack:
                return None
            match[stack.pop()] = i
    return None if stack else match


def _structure(toks: list[Token]) -> list[_Select] | None:
    """The SELECTs of the query (outer first), or None when its braces do not balance."""
    match = _matching(toks)
    if match is None:
        return None
    enclosing: dict[int, int] = {}  # token index -> index of the "{" directly around it
    stack = []
    for i, t in enumerate(toks):
        if stack:
            enclosing[i] = stack[-1]
        if t.text == "{" and t.kind == "punct":
            stack.append(i)
        elif t.text == "}" and t.kind == "punct":
            stack.pop()
    selects: list[_Select] = []
    for i, t in enumerate(toks):
        if t.upper != "SELECT":
            continue
        depth, j = 0, i + 1
        while j < len(toks) and not (depth == 0 and toks[j].text == "{" and toks[j].kind == "punct"):
            depth += {"(": 1, ")": -1}.get(toks[j].text if toks[j].kind == "punct" else "", 0)
            j += 1
        if j == len(toks):
            return None
        projection = toks[i + 1:j]
        close = match[j]
        end = match[enclosing[i]] if i in enclosing else len(toks)
        modifiers = toks[close + 1:end]
        parent = next((s for s in reversed(selects) if s.open < i < s.close), None)
        selects.append(_Select(
            at=i, open=j, close=close, end=end, parent=parent,
            plain=_plain(projection),
            grouped=_grouped(modifiers),
            aggregates=any(x.upper in _AGGREGATES for x in projection + modifiers),
            limited=any(x.upper in ("LIMIT", "OFFSET") for x in modifiers)))
    return selects


def _plain(projection: list[Token]) -> frozenset[str]:
    plain, depth = set(), 0
    for x in projection:
        if x.kind == "punct":
            depth += {"(": 1, ")": -1}.get(x.text, 0)
        elif depth == 0 and x.kind == "var":
            plain.add(x.name)
        elif depth == 0 and x.text == "*":
            plain.add("*")
    return frozenset(plain)


def _grouped(modifiers: list[Token]) -> frozenset[str] | None:
    for k in range(len(modifiers) - 1):
        if modifiers[k].upper == "GROUP" and modifiers[k + 1].upper == "BY":
            names, depth = set(), 0
            for x in modifiers[k + 2:]:
                if x.upper in ("HAVING", "ORDER", "LIMIT", "OFFSET"):
                    break
                if x.kind == "punct":
                    depth += {"(": 1, ")": -1}.get(x.text, 0)
                elif depth == 0 and x.kind == "var":
                    names.add(x.name)
            return frozenset(names)
    return None


def _assigned_or_listed(toks: list[Token]) -> set[str]:
    """Variables some ``AS ?v`` assigns or some ``VALUES`` lists: never narrowed."""
    found = set()
    for k, t in enumerate(toks):
        if t.upper == "AS" and k + 1 < len(toks) and toks[k + 1].kind == "var":
            found.add(toks[k + 1].name)
        if t.upper == "VALUES":
            j = k + 1
            if j < len(toks) and toks[j].kind == "var":
                found.add(toks[j].name)
            elif j < len(toks) and toks[j].text == "(":
                while j < len(toks) and toks[j].text != ")":
                    if toks[j].kind == "var":
                        found.add(toks[j].name)
                    j += 1
    return found


def _values_data(toks: list[Token]) -> set[int]:
    """Indices of the "{" that open a VALUES block's data (not a group)."""
    found = set()
    for k, t in enumerate(toks):
        if t.upper != "VALUES" or k + 1 >= len(toks):
            continue
        j = k + 1
        if toks[j].text == "(":
            while j < len(toks) and toks[j].text != ")":
                j += 1
        if j + 1 < len(toks) and toks[j + 1].text == "{":
            found.add(j + 1)
    return found


def _under_minus(toks: list[Token], i: int, top: int) -> bool:
    """Whether the group opened at ``i`` is (inside) a MINUS group below the group opened at ``top``:
    a MINUS compares only the variables both sides bind, so binding more on its side changes rows."""
    depth = 0
    for j in range(i, top, -1):
        t = toks[j]
        if t.kind == "punct" and t.text == "}":
            depth += 1
        elif t.kind == "punct" and t.text == "{":
            if depth == 0:
                if toks[j - 1].upper == "MINUS":
                    return True
            else:
                depth -= 1
    return False


def serialised(term: ox.NamedNode | ox.Literal) -> str:
    """``term`` in SPARQL syntax, checked to read back as exactly one term.

    >>> serialised(ox.Literal("2024", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    '"2024"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> serialised(ox.Literal("line\\n} INSERT", language="ja"))
    '"line\\\\n} INSERT"@ja'
    """
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise TypeError(f"only IRIs and literals narrow a query, not {term!r}")
    text = str(term)
    kinds = [t.kind for t in tokens(text)]
    if kinds not in (["iri"], ["string"], ["string", "lang"], ["string", "punct", "iri"]):
        raise ValueError(f"{text!r} does not read back as one RDF term")
    return text


def narrowed(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode]) -> str | None:
    """``text`` with each bound term as a one-row ``VALUES`` at the start of every group that
    binds it (module docstring); None when a binding cannot narrow it (then use substitutions)."""
    toks = tokens(text)
    selects = _structure(toks)
    if not selects or not bindings:
        return None
    if set(bindings) & _assigned_or_listed(toks):
        return None
    if any(isinstance(term, ox.BlankNode) for term in bindings.values()):
        return None
    data = _values_data(toks)
    close = _matching(toks)
    inserts: dict[int, list[str]] = {}  # token index of a "{" -> VALUES blocks to put after it
    for name in sorted(bindings):
        block = f"VALUES ?{name} {{ {serialised(bindings[name])} }}"
        visible: dict[int, bool] = {}
        for s in selects:
            if s.parent is None:
                visible[s.at] = True
            else:
                visible[s.at] = (visible[s.parent.at] and bool({name, "*"} & s.plain) and not s.limited
                                 and (name in s.grouped if s.grouped is not None else not s.aggregates))
        for i, t in enumerate(toks):
            if t.kind != "punct" or t.text != "{" or i in data or toks[i + 1].upper == "SELECT":
                continue
            if any(s.at < i < s.open for s in selects):
                continue  # in a projection: (EXISTS { … } AS ?x)
            scope = [s for s in selects if s.open <= i <= s.close]
            if not scope or not visible[scope[-1].at] or _under_minus(toks, i, scope[-1].open):
                continue
            if i != scope[-1].open and not any(x.name == name for x in toks[i:close[i]]):
                continue  # a group that never mentions ?v (a label's OPTIONAL) gains nothing
            inserts.setdefault(i, []).append(block)
    out, last = [], 0
    for i in sorted(inserts):
        cut = toks[i].start + 1
        out += [text[last:cut], " ", " ".join(inserts[i])]
        last = cut
    out.append(text[last:])
    return "".join(out)
