"""SPSS (.sav, .zsav, .por) and Stata (.dta) files, through pyreadstat."""

from __future__ import annotations

import codecs
import os
import re
import struct
from pathlib import Path

from ..errors import InputFileError, warn
from .finish import finish_frame
from .frames import columns_selected
from .meta import FileMeta
from .text import SPSS_MAGIC, read_head, what_it_looks_like


def _iconv_name(encoding: str) -> str:
    """ReadStat converts with iconv, which does not know every Python codec alias."""
    name = codecs.lookup(encoding).name          # 'latin-1' -> 'iso8859-1'
    special = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "mac-roman": "MACINTOSH"}
    if name in special:
        return special[name]
    match = re.fullmatch(r"iso8859-(\d+)", name)
    if match:
        return f"ISO-8859-{match.group(1)}"
    return name.upper()


def _pyreadstat_call(function, path: Path, kind: str, **options):
    """Call a pyreadstat reader, turning its exceptions into InputFileError."""
    import pyreadstat

    try:
        return function(os.fspath(path), **options)
    except pyreadstat.ReadstatError as exc:
        text = str(exc)
        if "expected number of rows" in text:
            reason = ("the file is truncated or damaged: it holds fewer cases than its "
                      "header declares")
        elif "Unable to read from file" in text:
            reason = (f"the file is truncated, damaged or not a {kind} file: it ends before its "
                      "contents are complete")
        elif "unsupported character set" in text:
            reason = (f"the text encoding {options.get('encoding')!r} is not supported "
                      f"for {kind} files")
        elif "Invalid file" in text:
            reason = (f"this is not a valid {kind} file, or it is damaged or uses features "
                      "that cannot be read")
        else:
            reason = f"this {kind} file cannot be read"
        raise InputFileError(f"{reason} (ReadStat: {text})", file=path) from exc
    except (pyreadstat.PyreadstatError, ValueError, UnicodeError, OSError) as exc:
        raise InputFileError(f"this {kind} file cannot be read ({type(exc).__name__}: {exc})",
                             file=path) from exc


def _read_por(path, **options):
    """pyreadstat.read_por with ``user_missing``.

    read_por (1.3.7) does not pass ``user_missing`` on to the parser, so declared missing
    codes in a portable file would silently become NaN and could not be counted. The parser
    itself supports it; call it directly, and fall back to read_por (no counts) should that
    private entry point change.
    """
    import pyreadstat

    try:
        from pyreadstat._readstat_parser import parser_entry_point
        return parser_entry_point(path, "por", **options)
    except (ImportError, TypeError):
        options.pop("user_missing", None)
        return pyreadstat.read_por(path, **options)


def _check_sav_signature(path: Path) -> str:
    """Refuse encrypted and non-SPSS files before ReadStat sees them; return 'sav'/'zsav'."""
    head = read_head(path, 512)
    if head[8:20] == b"ENCRYPTEDSAV":
        raise InputFileError(
            "this SPSS file is encrypted (password-protected) and cannot be read; save an "
            "unencrypted copy in SPSS (File > Save As, without 'Encrypt file with password') "
            "or decrypt it with PSPP: pspp-convert -p PASSWORD in.sav out.sav", file=path)
    if not head.startswith(SPSS_MAGIC):
        raise InputFileError(
            f"this is not an SPSS system file: it lacks the '$FL2' signature and looks like "
            f"{what_it_looks_like(head)}", file=path)
    _check_sav_case_count(path, head)
    return "zsav" if head.startswith(b"$FL3") else "sav"


# zlib cannot shrink data by more than about 1032:1 (RFC 1950/1951: a 258-byte match in at
# least 2 bits), so a zsav case of k values takes at least k / 1032 bytes.
_ZLIB_MAX_RATIO = 1032


def _check_sav_case_count(path: Path, head: bytes) -> None:
    """Refuse a header that declares more cases than the file can hold, before ReadStat
    allocates memory for them (a damaged header claiming 10^9 cases asked for gigabytes).

    Header layout from the PSPP manual, "System File Format": layout_code (int32 at 64, 2 or
    3, gives the byte order), nominal_case_size (68, 8-byte units per case), compression (72:
    0 none, 1 bytecode, 2 zlib), ncases (80, -1 when unknown). Per case a file needs at least
    8 bytes per unit uncompressed, 1 byte per unit bytecode-compressed (one command byte per
    value) and 1/1032 of that with zlib.
    """
    if len(head) < 84:
        raise InputFileError("the file is truncated: its SPSS header is incomplete", file=path)
    endian = "<" if struct.unpack("<i", head[64:68])[0] in (2, 3) else ">"
    case_size, compression, _weight, ncases = struct.unpack(f"{endian}4i", head[68:84])
    if ncases == -1:
        return
    size = os.stat(path).st_size
    if ncases < -1:
        raise InputFileError(f"the file is damaged: its header declares {ncases} cases",
                             file=path)
    units = max(case_size, 1)
    per_case = {0: 8.0 * units, 1: 1.0 * units}.get(compression, units / _ZLIB_MAX_RATIO)
    if ncases * per_case > size:
        raise InputFileError(
            f"the file is damaged: its header declares {ncases:,} cases, which need at least "
            f"{ncases * per_case:,.0f} bytes, but the file has {size:,} bytes; it was not read "
            "(reading would reserve memory for all those cases). Re-export it from SPSS, or "
            "let PSPP rewrite it: pspp-convert in.sav out.sav", file=path)


def _check_dta_case_count(path: Path) -> None:
    """The same guard for Stata: observations x variables (at least 1 byte each) must fit."""
    head = read_head(path, 512)
    size = os.stat(path).st_size
    try:
        if head.startswith(b"<stata_dta>"):
            release = int(re.search(rb"<release>(\d+)</release>", head).group(1))
            order = "<" if b"<byteorder>LSF" in head else ">"
            k_at = head.index(b"<K>") + 3
            k_size = 4 if release >= 119 else 2
            (nvars,) = struct.unpack(order + ("I" if k_size == 4 else "H"),
                                     head[k_at:k_at + k_size])
            n_at = head.index(b"<N>") + 3
            if release >= 118:
                (nobs,) = struct.unpack(order + "Q", head[n_at:n_at + 8])
            else:
                (nobs,) = struct.unpack(order + "I", head[n_at:n_at + 4])
        elif len(head) >= 10 and head[0] in (113, 114, 115):
            order = "<" if head[1] == 2 else ">"
            (nvars,) = struct.unpack(order + "H", head[4:6])
            (nobs,) = struct.unpack(order + "I", head[6:10])
        else:
            return                 # ReadStat judges other releases itself
    except (AttributeError, ValueError, struct.error):
        return
    if nobs * max(nvars, 1) > size:
        raise InputFileError(
            f"the file is damaged: its header declares {nobs:,} observations of {nvars} "
            f"variables, more than its {size:,} bytes can hold; it was not read. Save it again "
            "in Stata", file=path)


def read_spss(path: Path, reader: str, *, encoding, usecols, row_limit, row_offset, chunksize,
               apply_value_labels):
    import pyreadstat

    if reader == "sav":
        file_format = _check_sav_signature(path)
        function = pyreadstat.read_sav
        # user_missing=True: codes declared missing come through as codes so that they can
        # be counted per reason before being set to NaN. Dates are converted here, per
        # column, because pyreadstat aborts the whole read on one out-of-range date.
        options = dict(user_missing=True, disable_datetime_conversion=True)
        if encoding is not None:
            options["encoding"] = _iconv_name(encoding)
    else:
        file_format = "por"
        function = _read_por
        options = dict(user_missing=True, disable_datetime_conversion=True)
    _, meta = _pyreadstat_call(function, path, "SPSS", metadataonly=True, **options)
    _check_variable_names(meta.column_names, path, encoding)
    columns = columns_selected(usecols, meta.column_names, path)
    if columns is not None:
        options["usecols"] = columns
    attrs = _spss_attrs(path, meta, file_format, columns or list(meta.column_names), encoding)
    if file_format != "por":
        attrs["weight"] = _sav_weight_variable(path, meta)

    def finish(frame, frame_meta):
        if columns is not None:
            frame = frame[columns]      # in the order asked for
        return finish_frame(frame, frame_meta, attrs, path, "spss", apply_value_labels)

    if chunksize is not None:
        chunks = _chunked(lambda **rows: _pyreadstat_call(function, path, "SPSS", **options,
                                                          **rows),
                          chunksize, row_offset, row_limit, meta.number_rows)
        return _finished(chunks, finish)
    frame, frame_meta = _pyreadstat_call(function, path, "SPSS", row_limit=row_limit or 0,
                                         row_offset=row_offset, **options)
    return finish(frame, frame_meta)


def read_stata(path: Path, *, encoding, usecols, row_limit, row_offset, chunksize,
                apply_value_labels):
    import pyreadstat

    _check_dta_case_count(path)
    options = dict(user_missing=True, disable_datetime_conversion=True)
    if encoding is not None:
        options["encoding"] = _iconv_name(encoding)
    _, meta = _pyreadstat_call(pyreadstat.read_dta, path, "Stata", metadataonly=True,
                               **options)
    _check_variable_names(meta.column_names, path, encoding)
    columns = columns_selected(usecols, meta.column_names, path)
    if columns is not None:
        options["usecols"] = columns
    attrs = _spss_attrs(path, meta, "dta", columns or list(meta.column_names), encoding)

    def finish(frame, frame_meta):
        if columns is not None:
            frame = frame[columns]
        return finish_frame(frame, frame_meta, attrs, path, "stata", apply_value_labels)

    if chunksize is not None:
        chunks = _chunked(lambda **rows: _pyreadstat_call(pyreadstat.read_dta, path, "Stata",
                                                          **options, **rows),
                          chunksize, row_offset, row_limit, meta.number_rows)
        return _finished(chunks, finish)
    frame, frame_meta = _pyreadstat_call(pyreadstat.read_dta, path, "Stata",
                                         row_limit=row_limit or 0, row_offset=row_offset,
                                         **options)
    return finish(frame, frame_meta)


def _finished(chunks, finish):
    """Finished chunks, without keeping the last one alive while the next is read."""
    for frame, frame_meta in chunks:
        frame = finish(frame, frame_meta)
        del frame_meta
        yield frame
        del frame


def _chunked(read, chunksize, row_offset, row_limit, number_rows):
    """Read ``row_limit`` rows from ``row_offset`` on in pieces of ``chunksize`` rows.

    Not pyreadstat.read_file_in_chunks: in 1.3.7 its last chunk is a full ``chunksize`` rows
    even when that runs past ``offset + limit``.
    """
    end = None if row_limit is None else row_offset + row_limit
    if number_rows:                        # unknown (None) for portable files
        end = number_rows if end is None else min(end, number_rows)
    position = row_offset
    while end is None or position < end:
        size = chunksize if end is None else min(chunksize, end - position)
        frame, meta = read(row_offset=position, row_limit=size)
        if len(frame) == 0:
            return
        yield frame, meta
        position += len(frame)
        if len(frame) < size:
            return


def _check_variable_names(names, path, encoding):
    # A wrong encoding override makes ReadStat drop undecodable names silently (NaN, or cut
    # short); refuse rather than hand back columns that cannot be found by name.
    bad = [i for i, name in enumerate(names) if not isinstance(name, str) or not name]
    if bad:
        raise InputFileError(
            f"{len(bad)} variable name(s) could not be decoded"
            + (f" with encoding={encoding!r}; leave encoding=None to use the file's own"
               if encoding else ""), file=path)


def _spss_attrs(path, meta, file_format, columns, encoding) -> dict:
    keep = set(columns)
    missing_values: dict = {}
    for column, ranges in (meta.missing_ranges or {}).items():
        if column not in keep:
            continue
        values, spans = [], []
        for span in ranges:
            lo, hi = span["lo"], span["hi"]
            if lo == hi:
                values.append(lo)
            else:
                spans.append([lo, hi])
        missing_values[column] = {"values": values, "ranges": spans}
    for column, letters in (getattr(meta, "missing_user_values", None) or {}).items():
        if column in keep:   # Stata .a-.z (SAS has them too)
            missing_values[column] = {"values": [f".{x}" for x in letters], "ranges": []}
    mr_sets = {}
    for name, mr in (getattr(meta, "mr_sets", None) or {}).items():
        members = [v for v in mr.get("variable_list", []) if v in keep]
        if members:
            mr_sets[name] = {
                "type": "dichotomy" if mr.get("type") == "D" else "category",
                "label": mr.get("label") or None,
                "variables": members,
                "counted_value": mr.get("counted_value"),
            }
    labels = meta.column_names_to_labels or {}
    return FileMeta(
        source=str(path), format=file_format, file_label=meta.file_label or None,
        variable_labels={c: labels[c] for c in columns if labels.get(c)},
        value_labels={c: dict(v) for c, v in (meta.variable_value_labels or {}).items()
                      if c in keep},
        missing_values=missing_values,
        measure_levels={c: (meta.variable_measure or {}).get(c, "unknown") for c in columns},
        mr_sets=mr_sets,
        detected={"encoding": encoding or meta.file_encoding, "platform": None},
    ).to_attrs()


def _sav_weight_variable(path: Path, meta) -> str | None:
    """Name of the weight variable an SPSS system file declares, or None.

    pyreadstat does not expose it, so it is read from the file: the header's ``weight_index``
    is the 1-based position of the weight among the dictionary's variable records (a string
    longer than 8 bytes takes one record per 8 bytes); that record gives the 8-character short
    name, which the long-variable-names record (type 7, subtype 13) maps to the real name.
    Layout from the PSPP manual, "System File Format".
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(176)
            endian = "<" if struct.unpack("<i", header[64:68])[0] in (2, 3) else ">"

            def ints(n):
                return struct.unpack(f"{endian}{n}i", handle.read(4 * n))

            weight_index = struct.unpack(f"{endian}i", header[76:80])[0]
            if weight_index <= 0:
                return None
            slot, short_name, long_names, file_encoding = 0, None, b"", None
            while True:
                (record,) = ints(1)
                if record == 2:
                    _type, has_label, n_missing, _print, _write = ints(5)
                    name = handle.read(8)
                    slot += 1
                    if slot == weight_index:
                        short_name = name
                    if has_label:
                        (length,) = ints(1)
                        handle.seek((length + 3) // 4 * 4, os.SEEK_CUR)
                    handle.seek(abs(n_missing) * 8, os.SEEK_CUR)
                elif record == 3:
                    (count,) = ints(1)
                    for _ in range(count):
                        handle.seek(8, os.SEEK_CUR)
                        (length,) = handle.read(1)
                        handle.seek((length + 8) // 8 * 8 - 1, os.SEEK_CUR)
                    (record4, n_vars) = ints(2)
                    if record4 != 4:
                        raise ValueError("value-label record not followed by record type 4")
                    handle.seek(4 * n_vars, os.SEEK_CUR)
                elif record == 6:
                    (lines,) = ints(1)
                    handle.seek(80 * lines, os.SEEK_CUR)
                elif record == 7:
                    subtype, size, count = ints(3)
                    data = handle.read(size * count)
                    if subtype == 13:
                        long_names = data
                    elif subtype == 20:
                        file_encoding = data.decode("ascii", "replace")
                elif record == 999:
                    break
                else:
                    raise ValueError(f"unexpected record type {record}")
    except (OSError, struct.error, ValueError) as exc:
        warn(f"{path}: the weight variable could not be determined ({exc})")
        return None
    if short_name is None:
        return None
    codec = "cp1252"
    for candidate in (file_encoding, meta.file_encoding):
        if candidate:
            try:
                codec = codecs.lookup(candidate).name
                break
            except LookupError:
                continue
    short = short_name.decode(codec, "replace").rstrip()
    mapping = dict(pair.split("=", 1) for pair in long_names.decode(codec, "replace").split("\t")
                   if "=" in pair)
    name = mapping.get(short, short)
    return name if name in meta.column_names else None


# --------------------------------------------------------------------------------------------
# per-frame finishing: user-missing codes, dates, value labels
# --------------------------------------------------------------------------------------------

