"""CSV for people to open in a spreadsheet: no cell is taken for a formula.

Excel, LibreOffice Calc and Google Sheets run a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula, also when it comes from a CSV file (a tab or a carriage return in front can hide one), so a
value in a municipality's spreadsheet such as ``=HYPERLINK("https://…","click")`` would become a live
link or a command in the report of the person who checks it (CSV injection). Following the OWASP
guidance, such a cell gets a single quote in front: ``'=HYPERLINK(…)``. Harmless values that begin
the same way are quoted too (``-``, ``+81-3-…``, ``-1``): the rule cannot tell them apart. Only CSV
written for people changes; the RDF, the JSON reports and the SPARQL endpoint's standard CSV keep
every value as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

#: first characters that make spreadsheet software read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` with a ``'`` in front when it is text that begins like a formula; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """:func:`safe_cell` of every value of a row."""
    return [safe_cell(v) for v in values]


__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row"]
