"""Where a table sits on a worksheet or in a text file: its header rows and the notes around it.

Spreadsheets and official-statistics CSV files put more than a table in a file: a title and
notes above it, a header of several rows (the parts of merged cells, units), blank spacer
rows, and a source line or footnotes below it. The Excel and the delimited-text readers both
ask this module, with the rows as lists of cells and a function that tells what a cell holds:

* ``"empty"`` -- nothing (None, NaN, blank text);
* ``"text"`` -- words;
* ``"value"`` -- a number, a date, a true/false (in a text file: a cell that reads as a number).

The header is decided on evidence from the data below it: it is the first row of text that
fills (nearly) the width of the table and whose next non-blank row holds a value in a column
where the header holds text. Title and note rows above it (however wide), blank rows between
it and the data, and a row of group names of merged cells above it (which then joins the
header) follow from that. A table without a single value (text answers only) gives no such
evidence: its header is the first row as wide as the rows below it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

__all__ = ["cell_kind", "text_kind", "find_header", "group_row", "joined_names",
           "trailing_notes", "name_text", "NOTE_START"]

#: How a footnote or a source line below a table starts.
NOTE_START = re.compile(r"\s*(?:©|\(c\)|copyright\b|bron\b|bronnen\b|source\b|sources\b|"
                        r"noot\b|note\b|notes\b|toelichting\b|opmerking\b|voetnoot\b|\*|\d\))",
                        re.IGNORECASE)
_NUMBERISH = re.compile(r"[-+]?[\d.,]*\d[\d.,]*%?")

Kind = Callable[[object], str]


def cell_kind(value) -> str:
    """What a worksheet cell holds: "empty", "text" or "value" (number, date, time, bool).

    Examples
    --------
    >>> [cell_kind(v) for v in (None, float("nan"), "  ", "nps", 9, 2.5, True)]
    ['empty', 'empty', 'empty', 'text', 'value', 'value', 'value']
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "empty"
    if isinstance(value, str):
        return "text" if value.strip() else "empty"
    if type(value).__name__ in ("NAType", "NaTType"):
        return "empty"
    return "value"


def text_kind(cell: str) -> str:
    """What a field of a text file holds: a number (``7,5``, ``1.250``, ``12%``) is a value.

    Examples
    --------
    >>> [text_kind(v) for v in ("", " 7,5 ", "1.250", "Mannen", "2024")]
    ['empty', 'value', 'value', 'text', 'value']
    """
    cell = cell.strip()
    if not cell:
        return "empty"
    return "value" if _NUMBERISH.fullmatch(cell) else "text"


def _kinds(row: Sequence, kind: Kind) -> list[str]:
    return [kind(v) for v in row]


def _filled(kinds: list[str]) -> int:
    return sum(k != "empty" for k in kinds)


def _texty(kinds: list[str]) -> bool:
    """A header is at least two-thirds text (a year may be a number)."""
    filled = _filled(kinds)
    return filled > 0 and 3 * kinds.count("text") >= 2 * filled


def group_row(upper: Sequence, lower: Sequence, kind: Kind) -> bool:
    """Whether ``upper`` names groups of the columns that ``lower`` names (merged cells).

    The upper row is text only, blank above a column the lower row names, with a group name
    to the left of that blank (the merged cell continues); a title in the first column of
    the table is not a group row.

    Examples
    --------
    >>> group_row(["id", "Tevredenheid", None, None, "nps"],
    ...           [None, "service", "prijs", "snelheid", None], cell_kind)
    True
    >>> group_row(["Klantcontact 2024", None, None], ["id", "nps", "sector"], cell_kind)
    False
    """
    up, low = _kinds(upper, kind), _kinds(lower, kind)
    width = max(len(up), len(low))
    up += ["empty"] * (width - len(up))
    low += ["empty"] * (width - len(low))
    if "value" in up or not _filled(up) or not _filled(low):
        return False
    continued = [j for j in range(1, width) if up[j] == "empty" and low[j] != "empty"
                 and any(up[i] != "empty" for i in range(j))]
    if not continued:
        return False
    first_low = next(j for j, k in enumerate(low) if k != "empty")
    lone = [j for j, k in enumerate(up) if k != "empty"]
    # one text at the left edge of the table above a full row is a title, not a group
    return not (len(lone) == 1 and lone[0] <= first_low)


def joined_names(rows: Sequence[Sequence], kind: Kind, spans: dict | None = None) -> list:
    """One name per column from a header of several rows: the group names of merged cells
    (carried to the right over the blanks they span) and the row's own texts, joined by
    `` - ``. A column named in no row gives None.

    ``spans`` gives the merged cells where the file records them (an Excel workbook):
    ``{(row, column): last column}``, rows counted within ``rows``; a group name then covers
    exactly its merged cell. Without it (a text file), a name continues over the blank cells
    to its right above columns that the rows below name.

    Examples
    --------
    >>> joined_names([["id", "Tevredenheid", None, None, "nps"],
    ...               [None, "service", "prijs", "snelheid", None]], cell_kind)
    ['id', 'Tevredenheid - service', 'Tevredenheid - prijs', 'Tevredenheid - snelheid', 'nps']
    >>> joined_names([["Perioden", "Bevolking", ""], ["", "Mannen", "Vrouwen"],
    ...               ["", "aantal", "aantal"]], text_kind)
    ['Perioden', 'Bevolking - Mannen - aantal', 'Bevolking - Vrouwen - aantal']
    """
    width = max((len(r) for r in rows), default=0)
    parts: list[list[str]] = [[] for _ in range(width)]
    for depth, row in enumerate(rows):
        below = rows[depth + 1:]
        group, end = None, -1
        for j in range(width):
            value = row[j] if j < len(row) else None
            if kind(value) != "empty":
                text = name_text(value)
                parts[j].append(text)
                group = text
                end = math.inf if spans is None else spans.get((depth, j), j)
            elif group is not None and j <= end and any(j < len(r) and kind(r[j]) != "empty"
                                                        for r in below):
                # a merged cell continues over the columns that the rows below name
                parts[j].append(group)
            else:
                group = None
    names = []
    for column in parts:
        joined = []
        for part in column:
            if not joined or joined[-1] != part:
                joined.append(part)
        names.append(" - ".join(joined) if joined else None)
    return names


def name_text(value) -> str:
    """A header cell as a column name: a whole number without ".0", white space collapsed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


#: At most this many rows make one header.
MAX_HEADER_ROWS = 5


def _repeats(row: Sequence, kind: Kind) -> bool:
    """A text repeated in adjacent cells: a group name written out over its columns."""
    texts = [name_text(v) if kind(v) == "text" else None for v in row]
    return any(a is not None and a == b for a, b in zip(texts, texts[1:]))


def find_header(rows: Sequence[Sequence], kind: Kind) -> dict:
    """Where the header of the table in ``rows`` (the top of a sheet or file) is.

    Parameters
    ----------
    rows : sequence of sequences
        The first rows (50 or so), each a list of cells.
    kind : callable
        :func:`cell_kind` for worksheet cells, :func:`text_kind` for fields of a text file.

    Returns
    -------
    dict
        ``first`` and ``last`` (0-based rows of the header: ``last > first`` for a header of
        several rows), ``data`` (the first data row: blank rows between header and data are
        passed over), ``evidence`` ("values" when a value under the header decided it,
        "width" for a text-only table, "none" when no row qualifies: row 0 is taken).

    Examples
    --------
    >>> rows = [["Enquête 2024", None], [None, None], ["Notes on the method", "see annex"],
    ...         ["id", "nps"], [None, None], [1, 9], [2, 7]]
    >>> find_header(rows, cell_kind)
    {'first': 3, 'last': 3, 'data': 5, 'evidence': 'values'}
    >>> cbs = [["Bevolking, 1 januari"], [], ["Onderwerp", "Bevolking", "Bevolking"],
    ...        ["Geslacht", "Mannen", "Vrouwen"], ["Perioden", "aantal", "aantal"], [],
    ...        ["2020", "8648031", "8759554"]]
    >>> find_header(cbs, text_kind)
    {'first': 2, 'last': 4, 'data': 6, 'evidence': 'values'}
    """
    kinds = [_kinds(r, kind) for r in rows]
    counts = [_filled(k) for k in kinds]
    width = max((len(k) for k in kinds), default=0)
    columns = sum(any(j < len(k) and k[j] != "empty" for k in kinds) for j in range(width))
    needed = 1 if columns <= 1 else max(2, math.ceil(columns / 2))

    def next_filled(i):
        return next((r for r in range(i + 1, len(rows)) if counts[r]), None)

    def widest_below(i):
        after = [counts[r] for r in range(i + 1, len(rows)) if counts[r]][:10]
        return max(after, default=0)

    def cells(r):
        return {j for j, k in enumerate(kinds[r]) if k != "empty"}

    def joins(upper, i):
        """Whether the text row ``upper`` directly above the header rows upper+1..i is one
        of them: group names of merged cells, a group written out over its columns, names
        above a row of units or parts (which fills some of their columns), or any row above
        such a block (a statistical office's header of several rows)."""
        if "value" in kinds[upper] or not _texty(kinds[upper]):
            return False
        below = upper + 1
        return (group_row(rows[upper], rows[below], kind) or _repeats(rows[upper], kind)
                or cells(below) < cells(upper)
                or any(_repeats(rows[r], kind) for r in range(below, i + 1)))

    def block(i):
        """(first row of the header ending at i, cells it fills)."""
        first, filled = i, cells(i)
        while first > 0 and i - first < MAX_HEADER_ROWS - 1 and counts[first - 1] \
                and joins(first - 1, i):
            first -= 1
            filled |= cells(first)
        return first, len(filled)

    def confirmed(i, data):
        """The data row holds a value under a text of the header."""
        return any(k == "value" and j < len(kinds[i]) and kinds[i][j] == "text"
                   for j, k in enumerate(kinds[data]))

    def answers(i):
        """Row i holds answers, not names: a third or more of its texts recur below it in
        their column (a respondent's "Ja" or "Noord"; column names do not recur as values)."""
        texts = [(j, name_text(rows[i][j])) for j, k in enumerate(kinds[i]) if k == "text"]
        if not texts:
            return False
        below = rows[i + 1:]
        recurring = sum(any(j < len(r) and kind(r[j]) == "text" and name_text(r[j]) == text
                            for r in below) for j, text in texts)
        return recurring >= max(1, math.ceil(len(texts) / 3))

    for i in range(len(rows)):
        if not counts[i] or not _texty(kinds[i]):
            continue
        data = next_filled(i)
        if data is None or not confirmed(i, data) or answers(i):
            continue
        first, filled = block(i)
        if filled >= needed and filled >= 0.75 * widest_below(i):
            return {"first": first, "last": i, "data": data, "evidence": "values"}
    # no value anywhere under a header: the first row as wide as the rows below it
    for i in range(len(rows)):
        if counts[i] < needed or not _texty(kinds[i]):
            continue
        data = next_filled(i)
        together = counts[i]
        if data is not None and _texty(kinds[data]) and "value" not in kinds[data] \
                and group_row(rows[i], rows[data], kind):
            together = len({j for k in (kinds[i], kinds[data])
                            for j, c in enumerate(k) if c != "empty"})
        if together < 0.75 * widest_below(i):
            continue
        if data is None:
            break
        return {"first": i, "last": i, "data": data, "evidence": "width"}
    first_filled = next((r for r in range(len(rows)) if counts[r]), 0)
    return {"first": first_filled, "last": first_filled,
            "data": next_filled(first_filled) or first_filled + 1, "evidence": "none"}


#: Rows above the notes that tell which columns hold numbers.
BODY_ROWS = 200


def trailing_notes(rows: Sequence[Sequence], kind: Kind) -> int:
    """How many rows at the end of a table are notes (a source line, footnotes, a copyright),
    blank rows among them included; 0 when the last row is data.

    A row is a note when every cell it fills is text and it begins like a note (``©``,
    ``Bron:``, ``Source``, ``*``, ``1)``...), fills a column that holds values in the rest
    of the table, or fills a single cell of a table at least three columns wide.

    Examples
    --------
    >>> table = [["id", "nps"], [1, 9], [2, 7], [None, None], ["* nps on 0-10"],
    ...          ["Bron: panel"]]
    >>> trailing_notes(table[1:], cell_kind)
    3
    """
    if len(rows) < 2:
        return 0
    # rows without a value at the end are the candidates; the columns of numbers are judged
    # on the rows just above them (a table may be long)
    candidates = 0
    while candidates < len(rows) - 1 and "value" not in _kinds(rows[-1 - candidates], kind):
        candidates += 1
    if not candidates:
        return 0
    rows = rows[max(0, len(rows) - candidates - BODY_ROWS):]
    kinds = [_kinds(r, kind) for r in rows]
    width = max((len(k) for k in kinds), default=0)
    if width < 2:
        return 0
    body = kinds[:len(kinds) - candidates]
    numeric = set()
    for j in range(width):
        cells = [k[j] for k in body if j < len(k) and k[j] != "empty"]
        if cells and cells.count("value") >= 0.8 * len(cells):
            numeric.add(j)
    notes = 0
    for row, k in zip(reversed(rows), reversed(kinds)):
        filled = [j for j, c in enumerate(k) if c != "empty"]
        if not filled:
            notes += 1
            continue
        if "value" in k:
            break
        first = row[filled[0]]
        if (NOTE_START.match(str(first)) or numeric & set(filled)
                or (len(filled) == 1 and width >= 3)):
            notes += 1
            continue
        break
    return notes if any(_filled(k) for k in kinds[len(kinds) - notes:]) else 0
