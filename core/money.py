"""The one money formatter: integer yen as 億円 (10^8 yen), exactly or rounded; in English units.

Amounts are stored as integer yen; text for people shows 億円, the unit of the summary tables,
or in English ``¥1.2 bn`` (:func:`yen_en`). :func:`in_unit` gives an amount in yen, 億円, millions
or billions of yen as an exact decimal string. Rounding is ``ROUND_HALF_UP`` on the exact
decimal value (never binary floating point).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

OKU = 10**8


class Unit(str, Enum):
    """Units an amount column can be given in (``--unit``): the value is yen / :attr:`factor`."""

    YEN = "yen"
    OKU = "oku"  # 億円, 10^8 yen
    MILLION = "million"  # millions of yen
    BILLION = "billion"  # billions of yen

    @property
    def factor(self) -> int:
        return {"yen": 1, "oku": OKU, "million": 10**6, "billion": 10**9}[self.value]


def in_unit(yen: int | Decimal | str, unit: Unit | str) -> str:
    """``yen`` in ``unit`` as an exact decimal string: no rounding, no exponent, no trailing zeros.

    >>> [in_unit(1_200_000_000, u) for u in ("yen", "oku", "million", "billion")]
    ['1200000000', '12', '1200', '1.2']
    >>> in_unit(1, "billion"), in_unit(-240_000_000, "oku"), in_unit("158400000000", "billion")
    ('0.000000001', '-2.4', '158.4')
    """
    value = Decimal(yen) / Unit(unit).factor  # exact: the factor is a power of ten
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def oku(yen: int | Decimal | None, *, places: int | None = None) -> str:
    """Yen as 億円: exactly, with as many decimals as needed and at least one (``places=None``),
    or rounded half up to ``places`` decimals. ``None`` (no amount) is an em dash.

    >>> oku(212620000000), oku(193000000), oku(5000000), oku(-240000000)
    ('2,126.2億円', '1.93億円', '0.05億円', '-2.4億円')
    >>> oku(5_410_000_000, places=1), oku(74_000_000, places=2), oku(1_235_000_000, places=1)
    ('54.1億円', '0.74億円', '12.4億円')
    >>> oku(None)
    '—'
    """
    if yen is None:
        return "—"
    value = Decimal(yen) / OKU
    if places is None:
        text = f"{value.normalize():,f}"
        if "." not in text:
            text += ".0"
    else:
        text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,f}"
    return text + "億円"


def oku_display(yen: int | None) -> str:
    """億円 as the diagrams show it: one decimal, two below 1億円 where the tenth would hide it.

    >>> oku_display(5_410_000_000), oku_display(74_000_000), oku_display(300_000_000), oku_display(None)
    ('54.1億円', '0.74億円', '3.0億円', '—')
    """
    if yen is None:
        return "—"
    return oku(yen, places=1 if abs(yen) >= OKU or yen % 10_000_000 == 0 else 2)


def yen_en(yen: int | None) -> str:
    """Yen as the English diagrams show it: billions to two decimals from ¥1 bn, else millions
    to one decimal (half up, trailing zeros dropped).

    >>> yen_en(1_200_000_000), yen_en(1_584_000_000), yen_en(212_620_000_000), yen_en(70_000_000)
    ('¥1.2 bn', '¥1.58 bn', '¥212.62 bn', '¥70 mn')
    >>> yen_en(5_000_000), yen_en(-240_000_000), yen_en(None)
    ('¥5 mn', '-¥240 mn', '—')
    """
    if yen is None:
        return "—"
    sign, yen = ("-" if yen < 0 else ""), abs(yen)
    if yen >= 10**9:
        value, places, unit = Decimal(yen) / 10**9, 2, "bn"
    else:
        value, places, unit = Decimal(yen) / 10**6, 1, "mn"
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    return f"{sign}¥{value:,f} {unit}"
