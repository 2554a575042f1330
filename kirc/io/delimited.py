"""Generic delimited text (CSV, TSV), and the hand-over to the survey-platform readers."""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError
from . import platforms
from .frames import columns_selected, empty_attrs, platform_frames, with_attrs
from .meta import warn
from .text import (NUMBERISH, SAMPLE_BYTES, TEXT_NA_VALUES, decoded_sample, detect_encoding,
                   detect_file_encoding, duplicate_note, mangle_names, read_head, sniff_table,
                   what_it_looks_like)


def _text_encoding(path: Path, encoding, head: bytes, decisions: list) -> str:
    """The encoding to read with; refuses binary files before pandas sees them."""
    wide = encoding is not None and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    if b"\x00" in head and not wide and not head.startswith((codecs.BOM_UTF16_LE,
                                                              codecs.BOM_UTF16_BE)):
        guess = detect_encoding(head)
        if encoding is not None or guess not in ("utf-16-le", "utf-16-be"):
            raise InputFileError("this is not a text file: it looks like "
                                 f"{what_it_looks_like(head)}" + (
                                     "; if it is UTF-16 text, pass encoding='utf-16-le' (or "
                                     "'utf-16-be')" if encoding is None else ""), file=path)
        decisions.append({"what": "encoding", "decided": guess,
                          "why": "no byte-order mark, but every second byte is 0: UTF-16 "
                                 + ("little" if guess.endswith("le") else "big") + "-endian"})
        return guess
    return encoding or detect_file_encoding(path)


def read_text(path: Path, *, source, sep, decimal, header_row, encoding, usecols, row_limit,
              row_offset, chunksize, apply_value_labels):
    head = read_head(path, 1024)
    decisions: list = []
    encoding = _text_encoding(path, encoding, head, decisions)
    text = decoded_sample(path, encoding)
    if not text.strip():
        raise InputFileError("the file holds no data (only blank lines)", file=path)
    if source != "generic":
        kind = platforms.detect(path, text) if source == "auto" else source
        if kind:
            frames = platforms.read_chunks(path, kind, text=text, encoding=encoding,
                                           chunksize=chunksize, row_offset=row_offset,
                                           row_limit=row_limit)
            chunks = platform_frames(frames, path, kind, usecols, apply_value_labels,
                                     encoding=encoding)
            return next(chunks) if chunksize is None else chunks
    if sep is None and path.suffix.lower() == ".tsv":
        sep = "\t"
    complete = path.stat().st_size <= SAMPLE_BYTES
    sniffed = sniff_table(text, sep=sep, decimal=decimal, header_row=header_row,
                          complete=complete)
    decisions += sniffed["decisions"]
    for note in sniffed["warnings"]:
        warn(f"{path}: {note}")
    sep, decimal = sniffed["sep"], sniffed["decimal"]
    header_line = sniffed["header_line"]
    names = mangle_names(sniffed["header"])
    duplicates = duplicate_note(sniffed["header"], names)
    if duplicates:
        warn(f"{path}: {duplicates}")
        decisions.append({"what": "duplicate column names", "decided": "renamed",
                          "why": duplicates})
    shapes = sniffed["columns"]
    as_text = [n for n, info in shapes.items() if info["leading_zeros"]
               or (info["grouped"] and decimal == ",")]
    detected = {"encoding": encoding, "sep": sep, "decimal": decimal,
                "thousands": sniffed["thousands"], "header_rows": 1, "header_row": header_line,
                "platform": None, "rows_sampled": sniffed["rows_sampled"],
                "decisions": decisions}
    attrs = empty_attrs(path, "csv", detected)
    columns = columns_selected(usecols, names, path)
    first_line = header_line + 1 + row_offset      # 0-based line of the first data row read
    options = dict(sep=sep or "\x1f", decimal=decimal, encoding=encoding, header=None,
                   names=names, index_col=False, keep_default_na=False,
                   na_values=TEXT_NA_VALUES,
                   skiprows=first_line, usecols=columns, nrows=row_limit,
                   dtype={n: str for n in as_text} or None,
                   engine="python" if sep is not None and len(sep) > 1 else "c")

    def finish(frame, start):
        frame = _numbers_from_text(frame, shapes, decimal, path, first_line + start)
        return with_attrs(frame, attrs, apply_value_labels, columns)

    if chunksize is None:
        return finish(_csv_call(lambda: pd.read_csv(path, **options), path, encoding), 0)

    def chunks():
        with _csv_call(lambda: pd.read_csv(path, chunksize=chunksize, **options), path,
                       encoding) as reader:
            iterator = iter(reader)
            start = 0
            while True:
                frame = _csv_call(lambda: next(iterator, None), path, encoding)
                if frame is None:
                    return
                rows = len(frame)
                frame = finish(frame, start)
                yield frame
                del frame
                start += rows
    return chunks()


_DUTCH_NUMBER = re.compile(r"[-+]?(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,\d+)?")
_ENGLISH_NUMBER = re.compile(r"[-+]?(?:\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _numbers_from_text(frame, shapes, decimal, path, first_line):
    """Numbers in the file's notation for columns pandas left as text (thousands points, or a
    value past the sample in another notation); refuse a number that fits neither."""
    pattern = _DUTCH_NUMBER if decimal == "," else _ENGLISH_NUMBER
    converted = {}
    for name in frame.columns:
        info = shapes.get(name)
        values = frame[name]
        if info is None or info["leading_zeros"] or not info["numeric"] \
                or pd.api.types.is_numeric_dtype(values):
            continue
        present = values.notna()
        texts = values[present].astype(str).str.strip()
        texts = texts[texts != ""]
        fits = texts.str.fullmatch(pattern.pattern)
        if not fits.all():
            bad = texts[~fits]
            numberish = bad[bad.str.fullmatch(NUMBERISH.pattern)]
            if len(numberish):
                row = frame.index.get_loc(numberish.index[0])
                notation = ("decimal comma, points only between groups of three digits "
                            "(1.250,5)" if decimal == "," else "decimal point (1250.5)")
                raise InputFileError(
                    f"line {first_line + row + 1}: {numberish.iloc[0]!r} is not a number in "
                    f"this file's notation ({notation}), which the rest of the column "
                    f"follows; correct the cell, or pass decimal= to say which mark the file "
                    f"uses", file=path, column=str(name))
            continue          # real text in the column: keep it as text
        numbers = texts.str.replace(".", "", regex=False).str.replace(",", ".", regex=False) \
            if decimal == "," else texts
        result = pd.Series(np.nan, index=values.index, dtype="float64")
        result[numbers.index] = numbers.astype("float64")
        whole = result.dropna()
        if len(whole) == len(result) and (whole == np.round(whole)).all() \
                and whole.abs().max() < 2 ** 53:
            result = result.astype("int64")
        converted[name] = result
    if not converted:
        return frame
    out = frame.copy()
    for name, series in converted.items():
        out[name] = series
    return out


def _csv_call(action, path, encoding):
    try:
        with warnings.catch_warnings():
            # "Length of header or names does not match length of data": pandas would drop
            # the cells of a line longer than the header
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return action()
    except pd.errors.ParserWarning as exc:
        raise InputFileError("a line has more fields than the header, and pandas would drop "
                             f"its last cells ({exc}); check the separator (sep=) and the "
                             "header row (header_row=)", file=path) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the file is not valid {encoding} text ({exc.reason} at byte {exc.start}); leave "
            "encoding=None to detect the encoding", file=path) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputFileError("the file holds no data", file=path) from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputFileError(f"the file is not well-formed delimited text: {exc}",
                             file=path) from exc
