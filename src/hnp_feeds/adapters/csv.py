"""CSV with the column names of DESIGN.md §1: ``related`` (and ``image``, ``category``
when they are objects) as JSON in their cells, ``tags`` separated by ``;``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import RecordError
from ..model import Article
from .records import article_from_record, keep_raw

REQUIRED_COLUMNS = ("id", "title", "published")
_JSON_CELLS = ("related", "image", "category")


def read_csv(path: str | Path, **options: Any) -> Iterator[Article | RecordError]:
    """Every row of ``path`` as an Article or a RecordError naming ``path:line``.

    The position is the line where the row starts (a quoted cell may span lines).
    """
    source = str(path)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        yield RecordError(source, "", f"cannot read the file: {exc.strerror or exc}")
        return
    with handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield RecordError(source, "1", f"unreadable header: {exc}")
            return
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            yield RecordError(source, "1", f"missing column(s): {', '.join(missing)}")
            return
        end = reader.line_num
        while True:
            start = end + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                yield RecordError(source, str(start), f"not UTF-8 (byte {exc.start + 1})")
                return  # the decoder cannot resync reliably; the rest is unreadable
            except csv.Error as exc:
                end = reader.line_num
                yield RecordError(source, str(start), f"malformed CSV: {exc}")
                continue
            end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                reason = f"row has {len(row)} cells, the header has {len(header)}"
                yield RecordError(source, str(start), reason, raw=_row_text(row))
                continue
            article = _row_to_article(dict(zip(header, row, strict=True)), source, start)
            yield keep_raw(article, partial(_row_text, row))


def _row_text(row: list[str]) -> str:
    """A row as CSV text again: what ``hnp-feeds rejected`` shows of a refused row."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


def _row_to_article(row: dict[str, str], source: str, line: int) -> Article | RecordError:
    record: dict[str, Any] = {name: value for name, value in row.items() if value.strip()}
    for name in _JSON_CELLS:
        cell = record.get(name, "").strip()
        if cell[:1] in ("[", "{"):
            try:
                record[name] = json.loads(cell)
            except json.JSONDecodeError as exc:
                return RecordError(source, str(line), f"{name}: not valid JSON: {exc.msg}")
    if isinstance(record.get("related"), str):
        return RecordError(source, str(line), "related: expected a JSON list of {url, title}")
    return article_from_record(record, source, line)
