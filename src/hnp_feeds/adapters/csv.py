"""CSV with the column names of DESIGN.md §1: ``related`` (and ``image``, ``category``
when they are objects) as JSON in their cells, ``tags`` separated by ``;``."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Limits
from ..errors import RecordError
from ..model import Article, Unchanged
from .records import RawDigest, article_from_record, keep_raw

if TYPE_CHECKING:
    from _csv import Reader

REQUIRED_COLUMNS = ("id", "title", "published")
_JSON_CELLS = ("related", "image", "category")
# A byte that was not UTF-8, kept aside by the ``surrogateescape`` decoder.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def read_csv(path: str | Path, **options: Any) -> Iterator[Article | RecordError | Unchanged]:
    """Every row of ``path`` as an Article or a RecordError naming ``path:line``; a row
    the store has read before under the same header (option ``known``, see ``RawDigest``)
    is ``Unchanged``, before its cells are read.

    The position is the line where the row starts (a quoted cell may span lines).  The
    file is decoded with each bad byte kept aside (``surrogateescape``), so a byte that is
    not UTF-8 loses only the row that holds it.
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        yield RecordError(source, "", f"cannot read the file: {exc.strerror or exc}")
        return
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    # A cell may be as long as a body the limits allow and more (the door then says so):
    # the csv module's own 128 KiB would call a long article malformed.
    limits = options.get("limits") or Limits()
    csv.field_size_limit(max(csv.field_size_limit(), 4 * limits.content_html_chars))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        yield RecordError(source, "1", f"unreadable header: {exc}")
        return
    bad = _bad_byte(header)
    if bad:
        yield RecordError(source, "1", f"unreadable header: {bad}")
        return
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        yield RecordError(source, "1", f"missing column(s): {', '.join(missing)}")
        return
    digests = RawDigest(__name__, limits, options.get("known") or {}, _cells_bytes(header))
    ids: list[str] = []  # a run of rows read before, and their lines
    lines: list[int] = []
    for found in _rows(reader, header, source, limits, digests):
        if isinstance(found, tuple):
            ids.append(found[0])
            lines.append(found[1])
            continue
        if ids:
            yield Unchanged(source, ids, lines)
            ids, lines = [], []
        yield found
    if ids:
        yield Unchanged(source, ids, lines)


def _rows(
    reader: Reader,
    header: list[str],
    source: str,
    limits: Limits,
    digests: RawDigest,
) -> Iterator[Article | RecordError | tuple[str, int]]:
    """Each row after the header as an Article or a RecordError, or the id and line of
    one the store has read before."""
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            yield RecordError(source, str(start), f"malformed CSV: {exc}")
            continue
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        bad = _bad_byte(row)
        if bad:
            yield RecordError(source, str(start), bad, raw=_row_text(row))
            continue
        if len(row) != len(header):
            reason = f"row has {len(row)} cells, the header has {len(header)}"
            yield RecordError(source, str(start), reason, raw=_row_text(row))
            continue
        raw_hash = digests.of(_cells_bytes(row))
        (record_id,) = digests.ids([raw_hash])
        if record_id is not None:
            yield record_id, start
            continue
        cells = dict(zip(header, row, strict=True))
        article = _row_to_article(cells, source, start, limits, raw_hash)
        yield keep_raw(article, partial(_row_text, row))


def _cells_bytes(cells: list[str]) -> bytes:
    """A row's cells as bytes to digest (JSON: no two rows give the same bytes)."""
    return json.dumps(cells).encode()


def _row_text(row: list[str]) -> str:
    """A row as CSV text again: what ``hnp-feeds rejected`` shows of a refused row."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


def _bad_byte(cells: list[str]) -> str | None:
    """``not UTF-8 (byte 0xE9 in cell 3)`` for the first byte the decoder kept aside."""
    for n, cell in enumerate(cells, 1):
        found = _ESCAPED_BYTE.search(cell)
        if found:
            return f"not UTF-8 (byte 0x{ord(found.group()) - 0xDC00:02X} in cell {n})"
    return None


def _row_to_article(
    row: dict[str, str], source: str, line: int, limits: Limits | None, raw_hash: str
) -> Article | RecordError:
    record: dict[str, Any] = {name: value for name, value in row.items() if value.strip()}
    for name in _JSON_CELLS:
        cell = record.get(name, "").strip()
        if cell[:1] in ("[", "{"):
            try:
                record[name] = json.loads(cell)
            except (ValueError, RecursionError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                return RecordError(source, str(line), f"{name}: not valid JSON: {reason}")
    if isinstance(record.get("related"), str):
        return RecordError(source, str(line), "related: expected a JSON list of {url, title}")
    return article_from_record(record, source, line, limits, raw_hash)
