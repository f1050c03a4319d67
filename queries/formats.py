"""Query results as text: an aligned table, or the W3C SPARQL 1.1 CSV, TSV and JSON formats.

* ``json`` — SPARQL 1.1 Query Results JSON (``head.vars``, ``results.bindings``
  with ``type`` uri/literal/bnode, ``datatype``, ``xml:lang``);
* ``csv`` — SPARQL 1.1 Query Results CSV: header of bare variable names, values
  as plain strings, CRLF line ends (RFC 4180);
* ``tsv`` — SPARQL 1.1 Query Results TSV: header ``?var``, terms in
  Turtle/SPARQL syntax (``<iri>``, ``"text"@ja``, ``"x"^^<dt>``), integers,
  decimals and doubles in their abbreviated form (``2024``), LF line ends;
* ``table`` — for reading: columns aligned by display width (CJK characters
  count two), IRIs shortened to ``id:``/``pk:``, numbers right-aligned.
"""

from __future__ import annotations

import json
import re
import unicodedata
from enum import Enum

from rdflib import XSD, BNode, Literal, URIRef, Variable
from rdflib.query import Result

from policykg.errors import QueryError
from policykg.money import Unit, in_unit
from policykg.namespace import ID, PK


class Format(str, Enum):
    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"


_NUMERIC = {
    XSD.integer: re.compile(r"[+-]?\d+"),
    XSD.decimal: re.compile(r"[+-]?\d*\.\d+"),
    XSD.double: re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)[eE][+-]?\d+"),
}
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
#: Widest a table cell may be, in display columns (longer text ends in "…").
MAX_CELL = 60


def format_result(result: Result, fmt: Format | str = Format.TABLE) -> str:
    """``result`` as text in ``fmt`` (table, csv, tsv or json)."""
    try:
        fmt = Format(fmt)
    except ValueError as e:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(f.value for f in Format)}") from e
    if fmt is Format.JSON:
        data = json.loads(result.serialize(format="json"))
        ordered = {"head": data.get("head", {}), **{k: v for k, v in data.items() if k != "head"}}
        return json.dumps(ordered, ensure_ascii=False, indent=2) + "\n"
    if result.type == "ASK":
        if fmt is Format.TABLE:
            return f"{str(result.askAnswer).lower()}\n"
        raise QueryError("CSV and TSV are formats of SELECT results; use json or table for ASK")
    if fmt is Format.CSV:
        return result.serialize(format="csv").decode("utf-8")
    if fmt is Format.TSV:
        return to_tsv(result)
    return to_table(result)


def tsv_term(term: object) -> str:
    """One RDF term as a TSV field (SPARQL 1.1 TSV: Turtle syntax).

    >>> tsv_term(Literal(2024)), tsv_term(Literal("厚生労働省", lang="ja")), tsv_term(None)
    ('2024', '"厚生労働省"@ja', '')
    >>> tsv_term(Literal("a\\tb")), tsv_term(URIRef("https://w3id.org/policykg/id/agency/mhlw"))
    ('"a\\\\tb"', '<https://w3id.org/policykg/id/agency/mhlw>')
    """
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        pattern = _NUMERIC.get(term.datatype)
        if pattern is not None and pattern.fullmatch(str(term)):
            return str(term)
        text = f'"{str(term).translate(_ESCAPES)}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    raise QueryError(f"cannot write {term!r} as a TSV term")  # pragma: no cover


def to_tsv(result: Result) -> str:
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    for row in result:
        lines.append("\t".join(tsv_term(term) for term in row))
    return "\n".join(lines) + "\n"


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide and full-width characters count two.

    >>> display_width("厚生労働省"), display_width("IPA"), display_width("ＩＰＡ")
    (10, 3, 6)
    """
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _cell(term: object) -> str:
    if term is None:
        return ""
    text = str(term)
    if isinstance(term, URIRef):
        for prefix, base in (("id:", str(ID)), ("pk:", str(PK._NS))):
            if text.startswith(base):
                return prefix + text[len(base):]
    text = text.replace("\n", " ")
    if display_width(text) > MAX_CELL:
        while display_width(text) > MAX_CELL - 1:
            text = text[:-1]
        text += "…"
    return text


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - display_width(text))
    return space + text if right else text + space


def to_table(result: Result) -> str:
    """Aligned columns for reading; the row count at the end."""
    names = [str(v) for v in result.vars]
    rows = [list(row) for row in result]
    cells = [[_cell(t) for t in row] for row in rows]
    numeric = [
        all(t is None or (isinstance(t, Literal) and t.datatype in _NUMERIC) for t in col) and any(col)
        for col in zip(*rows)
    ] if rows else [False] * len(names)
    widths = [max([display_width(n)] + [display_width(r[i]) for r in cells]) for i, n in enumerate(names)]
    out = ["  ".join(_pad(n, w, num) for n, w, num in zip(names, widths, numeric)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for r in cells:
        out.append("  ".join(_pad(c, w, num) for c, w, num in zip(r, widths, numeric)).rstrip())
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def with_unit_columns(result: Result, unit: Unit | str) -> Result:
    """``result`` with, after each ``*_jpy`` column, the amount in ``unit`` as an exact decimal string
    (column ``amount_jpy`` → ``amount_oku`` …; empty where the yen cell is empty). Rows and other
    columns are unchanged.

    >>> r = Result("SELECT")
    >>> r.vars = [Variable("measure"), Variable("amount_jpy")]
    >>> r.bindings = [{Variable("measure"): Literal("m"), Variable("amount_jpy"): Literal(1_200_000_000)}]
    >>> [str(v) for v in with_unit_columns(r, "billion").vars]
    ['measure', 'amount_jpy', 'amount_billion']
    >>> [str(t) for t in next(iter(with_unit_columns(r, "oku")))]
    ['m', '1200000000', '12']
    """
    unit = Unit(unit)
    names = [str(v) for v in result.vars or ()]
    added = {n: f"{n.removesuffix('_jpy')}_{unit.value}" for n in names if n.endswith("_jpy")}
    if clash := [a for a in added.values() if a in names]:
        raise QueryError(f"--unit {unit.value}: the query already has a column {clash[0]!r}")
    out = Result("SELECT")
    out.vars = [Variable(v) for n in names for v in (n, *([added[n]] if n in added else []))]
    rows = []
    for row in result:
        values = dict(zip(result.vars, row, strict=True))
        for n, extra in added.items():
            yen = values.get(Variable(n))
            if yen is not None:
                values[Variable(extra)] = Literal(in_unit(str(yen), unit))
        rows.append({k: v for k, v in values.items() if v is not None})
    out.bindings = rows
    return out
