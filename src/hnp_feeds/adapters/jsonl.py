"""JSON Lines: one record a line (DESIGN.md §1), the canonical exchange format."""

from __future__ import annotations

import io
import json
from collections.abc import Generator, Iterator
from functools import partial
from pathlib import Path
from typing import Any, cast

from ..config import Limits
from ..errors import RecordError
from ..model import Article, Unchanged
from .parallel import Job, door
from .records import RawDigest, article_from_record, keep_raw

#: The least bytes of a block (whole lines): a block the store knows is one lookup.
BLOCK = 1 << 20
#: Bytes read at once (a block is a view of them).
READ = 8 * BLOCK
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


def _lines(handle: io.BufferedReader, source: str, digests: RawDigest) -> Iterator[Job | Unchanged]:
    """Each line to read (its number, bytes and digest), or ``Unchanged`` for each run of
    lines the store has read before, a block at a time (``_blocks``).  A block whose bytes
    the store knows (``RawDigest.block_ids``: every line of it a record read as it is) is
    one ``Unchanged`` as it is, never split; the lines of any other are split (by
    ``BytesIO``, which looks for line ends with ``memchr``: ``bytes.split`` goes byte by
    byte, twice the time), digested and looked up together, and the block told to the
    store (``RawDigest.saw_block``), which keeps it when its every line is then held."""
    before = 0  # lines before the block's
    for view in _blocks(handle):
        if before == 0 and view[:3] == _BOM:
            view = view[3:]
        digest = digests.of(view)
        known = digests.block_ids(digest)
        if known:
            yield Unchanged(source, known, range(before + 1, before + 1 + len(known)))
            digests.saw_block(source, digest)
            before += len(known)
            continue
        data = bytes(view)
        lines = io.BytesIO(data).readlines()
        if not lines:
            continue
        returns = b"\r" in data or not data.endswith(b"\n")
        raw_hashes, ids = yield from _block(lines, before, source, digests, returns)
        digests.saw_block(source, digest, raw_hashes, ids)
        before += len(lines)


def _blocks(handle: io.BufferedReader) -> Iterator[memoryview]:
    """The file's bytes in blocks of whole lines: each from where the last ended to the
    first line end at least ``BLOCK`` bytes on (the last: what is left).  Where a block
    ends depends only on where it starts, so the blocks before an edit, and those of an
    export that grew at its end, are the same bytes as before.  Read ``READ`` bytes at a
    time into one buffer, a block given as a view of it, valid until the next is asked
    for (only one that straddles two reads is copied)."""
    buffer = bytearray(READ)  # one buffer: no fresh pages for each read
    whole = memoryview(buffer)
    rest = b""  # the start of a block the last read ended in
    while size := handle.readinto(buffer):
        chunk = whole[:size]
        start = 0  # where the next block starts in ``chunk``
        if rest:  # its line end at least ``BLOCK`` bytes on: none in ``rest`` (looked)
            end = buffer.find(b"\n", max(BLOCK - 1 - len(rest), 0), size)
            if end < 0:
                rest += chunk
                continue
            yield memoryview(rest + chunk[: end + 1])
            start = end + 1
        while (end := buffer.find(b"\n", start + BLOCK - 1, size)) >= 0:
            yield chunk[start : end + 1]
            start = end + 1
        rest = bytes(chunk[start:])
    if rest:
        yield memoryview(rest)


def _block(
    lines: list[bytes], before: int, source: str, digests: RawDigest, returns: bool
) -> Generator[Job | Unchanged, None, tuple[list[str], list[str | None]]]:
    """The lines of a block (``before`` lines come first), digested and looked up
    together; returns their digests and the record id each was read as before (None:
    not read before).  A line is digested ended by one LF, whatever ended it
    (``returns``: some may end otherwise, in CR LF or not at all), so that how lines end
    never counts."""
    ended = [line.rstrip(b"\r\n") + b"\n" for line in lines] if returns else lines
    raw_hashes = digests.of_many(ended)
    ids = digests.ids(raw_hashes)
    first = before + 1  # the number of lines[0]
    if None not in ids:  # the whole block was read before
        yield Unchanged(source, cast(list[str], ids), range(first, first + len(ids)))
        return raw_hashes, ids
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
    return raw_hashes, ids


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
