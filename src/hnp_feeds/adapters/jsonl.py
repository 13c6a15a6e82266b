"""JSON Lines: one record a line (DESIGN.md §1), the canonical exchange format."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

from ..config import Limits
from ..errors import RecordError
from ..model import Article, Unchanged
from .parallel import Job, door
from .records import RawDigest, article_from_record, keep_raw

#: Bytes read at once: the lines of a block are digested and looked up together.
BLOCK = 1 << 20
_BOM = b"\xef\xbb\xbf"


def read_jsonl(path: str | Path, **options: Any) -> Iterator[Article | RecordError | Unchanged]:
    """Every line of ``path`` as an Article or a RecordError naming ``path:line``.

    A line that is not UTF-8, not JSON or not an object is reported on its own;
    blank lines are skipped.  Lines whose bytes the store has read before (option
    ``known``, see ``RawDigest``) are ``Unchanged``, before they are decoded or parsed:
    one value for each run of them.  Many lines are read in worker processes
    (``parallel.door``), in the same order, each article given there to the option
    ``prepare`` (its ``then``).
    """
    source = str(path)
    digests = RawDigest(__name__, options.get("limits"), options.get("known") or {})
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, generator-friendly
    except OSError as exc:
        yield RecordError(source, "", f"cannot read the file: {exc.strerror or exc}")
        return
    with handle:
        lines = _lines(handle, source, digests)
        items: Iterator[Article | RecordError | Unchanged] = door(
            lines, read_line, (source, options.get("limits")), options.get("prepare")
        )
        yield from items


def _lines(handle: IO[bytes], source: str, digests: RawDigest) -> Iterator[Job | Unchanged]:
    """Each line to read (its number, bytes and digest), or ``Unchanged`` for each run of
    lines the store has read before: the file read a block at a time (split by
    ``BytesIO``, which looks for line ends with ``memchr``: ``bytes.split`` goes byte by
    byte, twice the time)."""
    before = 0  # lines before the block's
    rest = b""  # the start of a line the last block ended in
    while block := handle.read(BLOCK):
        returns = b"\r" in block or b"\r" in rest
        lines = io.BytesIO(block).readlines()
        lines[0] = rest + lines[0]
        rest = b"" if lines[-1].endswith(b"\n") else lines.pop()
        yield from _block(lines, before, source, digests, returns)
        before += len(lines)
    if rest:
        yield from _block([rest], before, source, digests, True)


def _block(
    lines: list[bytes], before: int, source: str, digests: RawDigest, returns: bool
) -> Iterator[Job | Unchanged]:
    """The lines of a block (``before`` lines come first), digested and looked up
    together.  A line is digested ended by one LF, whatever ended it (``returns``: some
    may end otherwise, in CR LF or not at all), so that how lines end never counts."""
    if not lines:
        return
    if before == 0:
        lines[0] = lines[0].removeprefix(_BOM)
    ended = [line.rstrip(b"\r\n") + b"\n" for line in lines] if returns else lines
    raw_hashes = digests.of_many(ended)
    ids = digests.ids(raw_hashes)
    first = before + 1  # the number of lines[0]
    if None not in ids:  # the whole block was read before
        yield Unchanged(source, cast(list[str], ids), range(first, first + len(ids)))
        return
    start = 0  # the first of a run of lines read before
    for index, record_id in enumerate(ids):
        if record_id is None:
            if start < index:
                run = cast(list[str], ids[start:index])
                yield Unchanged(source, run, range(first + start, first + index))
            yield first + index, lines[index], raw_hashes[index]
            start = index + 1
    if start < len(ids):
        run = cast(list[str], ids[start:])
        yield Unchanged(source, run, range(first + start, first + len(ids)))


def read_line(
    source: str, limits: Limits | None, number: int, raw: bytes, raw_hash: str
) -> Article | RecordError | Unchanged | None:
    """One line of ``source`` as an Article or a RecordError; None when it is blank."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 (byte {exc.start + 1})"
        return RecordError(source, str(number), reason, raw=raw.decode(errors="replace"))
    if not line or line.isspace():  # blank (``strip`` would copy every other line)
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return RecordError(source, str(number), f"not valid JSON: {exc.msg}", raw=line)
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[...
        return RecordError(source, str(number), f"not readable JSON: {exc}", raw=line)
    if not isinstance(record, dict):
        return RecordError(source, str(number), "a record must be a JSON object", raw=line)
    article = article_from_record(record, source, number, limits, raw_hash)
    return keep_raw(article, partial(str, line))
