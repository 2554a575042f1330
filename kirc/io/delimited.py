"""Generic delimited text (CSV, TSV), and the hand-over to the survey-platform readers."""

from __future__ import annotations

import codecs
import copy
import csv
from pathlib import Path

import pandas as pd

from ..errors import InputFileError
from . import platforms
from .frames import columns_selected, empty_attrs, slices, with_attrs
from .text import (TEXT_NA_VALUES, decoded_sample, detect_file_encoding, read_head, sniff_csv,
                   what_it_looks_like)


def read_text(path: Path, *, source, sep, decimal, header_row, encoding, usecols, row_limit,
               row_offset, chunksize, apply_value_labels):
    head = read_head(path, 1024)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputFileError(f"this is not a text file: it looks like {what_it_looks_like(head)}",
                             file=path)
    encoding = encoding or detect_file_encoding(path)
    text = decoded_sample(path, encoding)
    if not text.strip():
        raise InputFileError("the file holds no data (only blank lines)", file=path)
    if source != "generic":
        kind = platforms.detect(path, text) if source == "auto" else source
        if kind:
            frame = platforms.read(path, kind, text=text, encoding=encoding)
            return _post_process(frame, path, kind, encoding, usecols, row_limit, row_offset,
                                 chunksize, apply_value_labels)
    if sep is None and path.suffix.lower() == ".tsv":
        sep = "\t"
    sniffed = sniff_csv(text, sep=sep)
    sep = sniffed["sep"]
    decimal = decimal or sniffed["decimal"]
    header = 0 if header_row is None else header_row
    detected = {"encoding": encoding, "sep": sep, "decimal": decimal, "header_rows": 1,
                "header_row": header, "platform": None}
    attrs = empty_attrs(path, "csv", detected)
    options = dict(sep=sep, decimal=decimal, encoding=encoding, header=header,
                   keep_default_na=False, na_values=TEXT_NA_VALUES, engine="python"
                   if len(sep) > 1 else "c")
    names = _csv_call(lambda: pd.read_csv(path, nrows=0, **options).columns, path, encoding)
    columns = columns_selected(usecols, list(names), path)
    skip = range(header + 1, header + 1 + row_offset) if row_offset else None
    read = dict(options, usecols=columns, skiprows=skip, nrows=row_limit)
    if chunksize is None:
        frame = _csv_call(lambda: pd.read_csv(path, **read), path, encoding)
        return with_attrs(frame, attrs, apply_value_labels, columns)

    def chunks():
        with _csv_call(lambda: pd.read_csv(path, chunksize=chunksize, **read), path,
                       encoding) as reader:
            iterator = iter(reader)
            while True:
                frame = _csv_call(lambda: next(iterator, None), path, encoding)
                if frame is None:
                    return
                yield with_attrs(frame, attrs, apply_value_labels, columns)
    return chunks()


def _csv_call(action, path, encoding):
    try:
        return action()
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the file is not valid {encoding} text ({exc.reason} at byte {exc.start}); leave "
            "encoding=None to detect the encoding", file=path) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputFileError("the file holds no data", file=path) from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputFileError(f"the file is not well-formed delimited text: {exc}",
                             file=path) from exc


def _post_process(frame, path, kind, encoding, usecols, row_limit, row_offset, chunksize,
                  apply_value_labels):
    """Apply the generic options to a frame that a platform reader returned."""
    attrs = empty_attrs(path, kind, {"encoding": encoding, "platform": kind})
    attrs.update(copy.deepcopy(frame.attrs))
    attrs["detected"] = {"encoding": encoding, "platform": kind, **attrs.get("detected", {})}
    columns = columns_selected(usecols, list(frame.columns), path)
    if columns is not None:
        frame = frame[columns]
    stop = None if row_limit is None else row_offset + row_limit
    frame = frame.iloc[row_offset:stop]
    return slices(frame, attrs, chunksize, apply_value_labels)


