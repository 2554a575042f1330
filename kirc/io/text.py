"""Sniffing text files: encoding, separator and decimal mark, and what a file's first bytes are.

A leaf module (it imports nothing else from kirc but the errors) used by both the generic
delimited reader and the survey-platform readers, so that each file is decoded once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from ..errors import InputFileError

__all__ = ["detect_encoding", "sniff_csv", "SEPARATOR_CANDIDATES", "SAMPLE_BYTES",
           "TEXT_NA_VALUES"]

#: separators that :func:`sniff_csv` chooses between
SEPARATOR_CANDIDATES = ";,\t|"


#: how much of a text file is decoded for sniffing and platform detection
SAMPLE_BYTES = 64 * 1024

# Cell texts read as missing in CSV and Excel files. pandas' default list also contains
# "None", "null" and "nan", which are real free-text answers in a survey ("Which improvement
# would you like? None"); "#NULL!" is what SPSS writes for system-missing when exporting.
TEXT_NA_VALUES = ["", "#NULL!", "#N/A", "N/A", "NA", "NaN", "NULL"]

SPSS_MAGIC = (b"$FL2", b"$FL3")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # legacy .xls, or a password-protected .xlsx


def detect_encoding(raw: bytes) -> str:
    """Guess the text encoding of (the start of) a file.

    Parameters
    ----------
    raw : bytes
        The file's bytes, or its first part (a multi-byte character cut off at the end is
        allowed).

    Returns
    -------
    str
        ``"utf-8-sig"`` when the bytes start with the UTF-8 byte-order mark (Excel's "CSV UTF-8",
        LimeSurvey, legacy Qualtrics), ``"utf-16"`` after a UTF-16 byte-order mark (Excel's
        "Unicode text"), ``"utf-8"`` when the bytes are valid UTF-8, otherwise ``"cp1252"``
        (Windows Western European, what Excel writes on a Dutch Windows), or ``"latin-1"`` for
        the rare bytes that cp1252 leaves undefined.

    Examples
    --------
    >>> detect_encoding("Tevredenheid;Toelichting\\n8;prima geholpen\\n".encode("utf-8"))
    'utf-8'
    >>> detect_encoding(b"\\xef\\xbb\\xbfid,nps\\n1,9\\n")
    'utf-8-sig'
    >>> detect_encoding("Privacyverklaring;Geïnformeerd\\n".encode("cp1252"))
    'cp1252'
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def sniff_csv(text: str, *, sep: str | None = None) -> dict:
    """Detect the field separator and decimal mark of delimited text.

    Parameters
    ----------
    text : str
        The first lines of the file (decoded). A last line that is cut off is ignored.
    sep : str, optional
        A known separator; only the decimal mark is then detected.

    Returns
    -------
    dict
        ``{"sep": ..., "decimal": ...}``. The separator is one of ``; , <tab> |``: the one
        :class:`csv.Sniffer` picks, provided every line then has as many fields as the header
        (quotes respected); otherwise the candidate that splits the most lines into that same
        number of fields (``","`` when nothing splits). The decimal mark is ``","`` when the
        separator is not a comma and numbers written like ``1,25`` outnumber ones written like
        ``1.25`` (Dutch and German exports), else ``"."``.

    Examples
    --------
    >>> sniff_csv("id;nps;wachttijd\\n1;9;1,25\\n2;6;3,5\\n")
    {'sep': ';', 'decimal': ','}
    >>> sniff_csv('id,opmerking\\n1,"snel, vriendelijk"\\n2,traag\\n')
    {'sep': ',', 'decimal': '.'}
    """
    sample = _complete_lines(text)
    if sep is None:
        sep = _sniff_separator(sample)
    return {"sep": sep, "decimal": _sniff_decimal(sample, sep)}


def _complete_lines(text: str, max_lines: int = 200) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]            # cut off by the sample size
    return "".join(lines[:max_lines])


def _field_counts(sample: str, sep: str) -> list[int]:
    try:
        return [len(row) for row in csv.reader(io.StringIO(sample), delimiter=sep) if row]
    except csv.Error:
        return []


def _consistency(sample: str, sep: str) -> tuple[float, int]:
    """Share of rows with as many fields as the header, and that number of fields."""
    counts = _field_counts(sample, sep)
    if not counts or counts[0] < 2:
        return 0.0, 0
    return sum(c == counts[0] for c in counts) / len(counts), counts[0]


def _sniff_separator(sample: str) -> str:
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=SEPARATOR_CANDIDATES).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and _consistency(sample, sniffed)[0] == 1.0:
        return sniffed
    # csv.Sniffer is thrown by quoted free text full of other separators; count fields instead.
    scores = {cand: _consistency(sample, cand) for cand in SEPARATOR_CANDIDATES}
    best = max(SEPARATOR_CANDIDATES, key=lambda c: scores[c])
    return best if scores[best][1] >= 2 else ","


_COMMA_DECIMAL = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_POINT_DECIMAL = re.compile(r"^\s*[-+]?\d+\.\d+\s*$")


def _sniff_decimal(sample: str, sep: str) -> str:
    if sep == ",":
        return "."
    comma = point = 0
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=sep):
            for cell in row:
                comma += bool(_COMMA_DECIMAL.match(cell))
                point += bool(_POINT_DECIMAL.match(cell))
    except csv.Error:
        return "."
    return "," if comma > point else "."


def detect_file_encoding(path: Path) -> str:
    """:func:`detect_encoding` over the whole file, streamed, so that a non-UTF-8 byte on the
    last line is not missed."""
    block = 1 << 20
    with open(path, "rb") as handle:
        first = handle.read(block)
        guess = detect_encoding(first)
        if guess in ("utf-8-sig", "utf-16"):
            return guess
        if guess == "utf-8":
            decoder = codecs.getincrementaldecoder("utf-8")()
            chunk = first
            try:
                while chunk:
                    decoder.decode(chunk, final=False)
                    chunk = handle.read(block)
                decoder.decode(b"", final=True)
                return "utf-8"
            except UnicodeDecodeError:
                pass
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(block):
                decoder.decode(chunk)
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def decoded_sample(path: Path, encoding: str) -> str:
    head = read_head(path, SAMPLE_BYTES)
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the file is not valid {encoding} text (byte {head[exc.start]:#04x} at position "
            f"{exc.start}); leave encoding=None to detect the encoding", file=path) from exc


def read_head(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def what_it_looks_like(head: bytes) -> str:
    """A phrase saying what kind of file the first bytes suggest, for error messages."""
    if head.startswith(SPSS_MAGIC):
        return "an SPSS system file"
    if head[8:20] == b"ENCRYPTEDSAV":
        return "an encrypted SPSS file"
    if head.startswith(ZIP_MAGIC):
        return "a zip archive (an .xlsx workbook?)"
    if head.startswith(OLE2_MAGIC):
        return "a legacy Office file (.xls, or a password-protected workbook)"
    if b"SPSS PORT FILE" in head:
        return "an SPSS portable file"
    if head.startswith(b"<stata_dta>"):
        return "a Stata file"
    if b"\x00" not in head:
        return "a text file"
    return "an unrecognised binary file"


