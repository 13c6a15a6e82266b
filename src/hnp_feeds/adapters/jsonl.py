"""JSON Lines: one record a line (DESIGN.md §1), the canonical exchange format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import RecordError
from ..model import Article
from .records import article_from_record, keep_raw


def read_jsonl(path: str | Path, **options: Any) -> Iterator[Article | RecordError]:
    """Every line of ``path`` as an Article or a RecordError naming ``path:line``.

    A line that is not UTF-8, not JSON or not an object is reported on its own;
    blank lines are skipped.
    """
    source = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, generator-friendly
    except OSError as exc:
        yield RecordError(source, "", f"cannot read the file: {exc.strerror or exc}")
        return
    with handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 (byte {exc.start + 1})"
                yield RecordError(source, str(number), reason, raw=raw.decode(errors="replace"))
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RecordError(source, str(number), f"not valid JSON: {exc.msg}", raw=line)
                continue
            except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[...
                yield RecordError(source, str(number), f"not readable JSON: {exc}", raw=line)
                continue
            if not isinstance(record, dict):
                yield RecordError(source, str(number), "a record must be a JSON object", raw=line)
                continue
            article = article_from_record(record, source, number, options.get("limits"))
            yield keep_raw(article, partial(str, line))
