"""Helpers every reader shares: column selection, attaching metadata, slicing into chunks."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd

from ..errors import ColumnError
from .finish import apply_value_labels
from .meta import FileMeta


def columns_selected(usecols, available, path) -> list[str] | None:
    if usecols is None:
        return None
    missing = [c for c in usecols if c not in available]
    if missing:
        shown = ", ".join(repr(c) for c in list(available)[:20])
        more = ", ..." if len(available) > 20 else ""
        others = ", ".join(repr(c) for c in missing[1:])
        nor = f" (nor are {others})" if others else ""
        raise ColumnError(f"not in the file{nor}; its columns are {shown}{more}", file=path,
                          column=missing[0])
    return list(usecols)


def empty_attrs(path: Path, file_format: str, detected: dict, **fields) -> dict:
    """The attrs of a file that declares no metadata of its own (text, Excel)."""
    return FileMeta(source=str(path), format=file_format, detected=detected,
                    **fields).to_attrs()


def with_attrs(frame: pd.DataFrame, attrs: dict, value_labels: bool,
               columns=None) -> pd.DataFrame:
    if columns is not None:
        frame = frame[columns]
    frame.attrs = copy.deepcopy(attrs)
    if value_labels:
        frame = apply_value_labels(frame, frame.attrs)
        frame.attrs = copy.deepcopy(attrs)
    return frame


def slices(frame, attrs, chunksize, value_labels):
    if chunksize is None:
        return with_attrs(frame.copy(), attrs, value_labels)
    return (with_attrs(frame.iloc[start:start + chunksize].copy(), attrs, value_labels)
            for start in range(0, len(frame), chunksize))


def platform_frames(frames, path, kind: str, usecols, value_labels: bool, **detected):
    """The frames a platform reader streams, with the generic options applied; ``detected``
    adds what the container told (the encoding of a text file, the worksheet of a workbook).
    """
    attrs = columns = None
    for frame in frames:
        if attrs is None:
            attrs = empty_attrs(path, kind, {"platform": kind})
            attrs.update(copy.deepcopy(frame.attrs))
            attrs["detected"] = {**detected, "platform": kind, **attrs.get("detected", {})}
            columns = columns_selected(usecols, list(frame.columns), path)
        frame = with_attrs(frame, attrs, value_labels, columns)
        yield frame
        del frame       # not kept alive while the next chunk is read
