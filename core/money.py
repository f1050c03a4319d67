"""The one money formatter: integer yen as 億円 (10^8 yen), exactly or rounded.

Amounts are stored as integer yen; text for people shows 億円, the unit of the summary tables.
Rounding is ``ROUND_HALF_UP`` on the exact decimal value (never binary floating point).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

OKU = 10**8


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
