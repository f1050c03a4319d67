"""SPARQL results as pandas DataFrames with typed, nullable columns.

A column's dtype is decided by the datatypes of its literals:

* every value an integer literal (xsd:integer and its subtypes: yen, fiscal years,
  lines, counts) → ``Int64``;
* every value xsd:boolean → ``boolean``;
* every value xsd:decimal, xsd:double or xsd:float (the shares' percentages) →
  ``Float64`` — only there: a yen amount is never a float;
* anything else — IRIs (as their string), language-tagged and plain strings, dates,
  or a column mixing kinds → ``string`` (the lexical form).

An unbound value (an OPTIONAL that did not match) is ``<NA>``. An empty result
has the query's declared columns; with no literal to read a type from (an empty
result, or a column unbound in every row), the
columns the named queries use for integers (``fiscal_year``, ``line``,
``*_jpy`` …, see :func:`empty_dtype`) are ``Int64``, their flags (``inclusive`` …)
``boolean`` and the others ``string``,
so that an empty frame concatenates with a full one.

>>> from rdflib import Literal, URIRef, Variable
>>> from rdflib.query import Result
>>> r = Result("SELECT"); r.vars = [Variable("amount_jpy"), Variable("iri")]
>>> r.bindings = [{Variable("amount_jpy"): Literal(1200000000), Variable("iri"): URIRef("https://example.org/a")},
...               {Variable("iri"): URIRef("https://example.org/b")}]
>>> df = to_frame(r)
>>> [str(t) for t in df.dtypes], int(df.amount_jpy.sum()), df.amount_jpy.isna().tolist()
(['Int64', 'string'], 1200000000, [False, True])
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
from rdflib import XSD, Literal
from rdflib.query import Result

__all__ = ["empty_dtype", "to_frame"]

_INTEGERS = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger, XSD.positiveInteger,
             XSD.nonPositiveInteger, XSD.negativeInteger, XSD.unsignedLong, XSD.unsignedInt,
             XSD.unsignedShort, XSD.unsignedByte}
_FLOATS = {XSD.decimal, XSD.double, XSD.float}
_INTEGER_NAMES = re.compile(r"(?:.*_)?(?:jpy|line|year|fy|supplement|agreeing|disagreeing|flows|count|n|"
                            r"rows|figures|measures)$")
_BOOLEAN_NAMES = {"inclusive", "predecessor", "inferred", "minted", "upper_bound", "amount_stated"}


def empty_dtype(column: str) -> str:
    """The dtype of ``column`` in an empty result (no literal to read a type from).

    >>> [empty_dtype(c) for c in ("amount_jpy", "fiscal_year", "line", "inclusive", "agency", "measure_iri")]
    ['Int64', 'Int64', 'Int64', 'boolean', 'string', 'string']
    """
    if _INTEGER_NAMES.fullmatch(column):
        return "Int64"
    return "boolean" if column in _BOOLEAN_NAMES else "string"


def _dtype(name: str, values: list[object]) -> str:
    present = [v for v in values if v is not None]
    if not present:  # never bound in this result: typed as in an empty one
        return empty_dtype(name)
    if present and all(isinstance(v, Literal) for v in present):
        datatypes = {v.datatype for v in present}
        if datatypes <= _INTEGERS:
            return "Int64"
        if datatypes == {XSD.boolean}:
            return "boolean"
        if datatypes <= _FLOATS:
            return "Float64"
    return "string"


def _value(term: object, dtype: str) -> object:
    if term is None:
        return pd.NA
    if dtype == "Int64":
        return int(str(term))
    if dtype == "boolean":
        return str(term).strip().lower() in ("true", "1")
    if dtype == "Float64":
        return float(str(term))
    return str(term)


def to_frame(result: Result, columns: Sequence[str] = ()) -> pd.DataFrame:
    """``result`` (SELECT or ASK) as a DataFrame; ``columns`` name the columns of an empty one.

    An ASK result is one row, one ``boolean`` column ``ask``.
    """
    if result.type == "ASK":
        return pd.DataFrame({"ask": pd.array([bool(result.askAnswer)], dtype="boolean")})
    names = [str(v) for v in result.vars or ()] or list(columns)
    rows = list(result)
    if not rows:
        return pd.DataFrame({n: pd.array([], dtype=empty_dtype(n)) for n in names})
    data = {}
    for i, name in enumerate(names):
        values = [row[i] for row in rows]
        dtype = _dtype(name, values)
        data[name] = pd.array([_value(v, dtype) for v in values], dtype=dtype)
    return pd.DataFrame(data)

