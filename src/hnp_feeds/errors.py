"""One exception root for the package, with a branch per stage of the pipeline."""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path
from typing import Any


class HnpFeedsError(Exception):
    """Root of every error hnp-feeds raises on purpose."""


class ConfigError(HnpFeedsError, ValueError):
    """The catalogue (hnp-feeds.toml) or an option is wrong."""


class RecordError(HnpFeedsError, ValueError):
    """A source record that cannot become an Article.

    Adapters *yield* these (they do not raise them), so that one bad record never
    stops the others from being published.  ``source`` names the file or database,
    ``position`` the line, row or page, ``reason`` what is wrong in the editors' terms,
    ``raw`` the record as read (a line, a row, a page), kept with it for the operator.
    """

    def __init__(
        self,
        source: str,
        position: str,
        reason: str,
        record_id: str | None = None,
        raw: str = "",
    ):
        source, position, reason = printable(source), printable(position), printable(reason)
        self.source = source
        self.position = position
        self.reason = reason
        self.record_id = printable(str(record_id)) if record_id is not None else None
        self.raw = printable(raw)
        super().__init__(f"{source}:{position}: {reason}" if position else f"{source}: {reason}")

    @classmethod
    def at(cls, where: str, reason: str, record_id: str | None = None) -> RecordError:
        """The error of a record read from ``where`` (an Article's ``source``)."""
        source, position = split_where(where)
        return cls(source, position, reason, record_id=record_id)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.position}" if self.position else self.source

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (the door's workers send them back): by its fields, not by the
        message an exception is pickled by."""
        fields = (self.source, self.position, self.reason, self.record_id, self.raw)
        return type(self), fields, self.__dict__


def printable(text: str) -> str:
    """``text`` with lone surrogates (a bad byte of a file name, a JSON ``"\\ud800"``)
    written as ``\\udc80``: a message and the store can always hold it as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class PageError(RecordError):
    """A web source's page that could not be fetched or read (``source`` is its URL): a
    rejected record like any, tried again on a later run.  The source itself was read:
    one page failing never stops the rest being published."""


def split_where(where: str) -> tuple[str, str]:
    """``"file.jsonl:12"`` -> ``("file.jsonl", "12")``: an Article's ``source`` back into the
    source and position of a RecordError (a page path has no position)."""
    source, sep, position = where.rpartition(":")
    if sep and position.isdigit():
        return source, position
    return where, ""


class StoreError(HnpFeedsError):
    """The SQLite store cannot be opened, migrated or written."""


class SystemFault(HnpFeedsError):
    """The system refused a file operation (disk full, read-only file system, permission,
    file name too long, I/O error): one line naming the path and the cause."""

    @classmethod
    def of(cls, error: OSError, path: Path | str | None = None) -> SystemFault:
        """``error`` as a SystemFault naming ``path`` (default: the error's own file)."""
        where = path if path is not None else error.filename
        cause = error.strerror or str(error)
        code = errno.errorcode.get(error.errno or 0)
        reason = f"{cause} ({code})" if code else cause
        return cls(f"{where}: {reason}" if where is not None else reason)


class StoreUnusable(StoreError):
    """The store is damaged, or lost (missing or empty) while a portal is published:
    publishing from it would blank the feeds, so the run is refused."""


class StoreSystemFault(StoreError, SystemFault):
    """The store's file system refused a write (SQLite: disk full, read-only, I/O error)."""


class LockBusy(HnpFeedsError):
    """Another publish holds the lock."""


class ExitCode(IntEnum):
    """What a command's exit status means; cron and scripts rely on these numbers."""

    OK = 0
    FAILED = 1  # nothing could be published / the store failed / `validate` found errors
    USAGE = 2  # bad options or configuration
    REJECTED = 3  # new rejections this run (first seen); the rest was published
    INVALID = 4  # a feed failed validation; the previous files were kept
    LOCKED = 5  # another publish is running
    IDENTITY = 6  # a change would alter a published entry id
    SYSTEM = 7  # the system refused a file operation (disk full, read-only, permission)
    STORE = 8  # the store is damaged, or lost while a portal is published: refused
    MASS_REMOVAL = 9  # a feed would lose more than the allowed share of its entries


#: The one table from an error to an exit code, for every command (the first match wins).
EXIT_CODES: tuple[tuple[type[HnpFeedsError], ExitCode], ...] = (
    (ConfigError, ExitCode.USAGE),
    (LockBusy, ExitCode.LOCKED),
    (StoreUnusable, ExitCode.STORE),
    (SystemFault, ExitCode.SYSTEM),
    (HnpFeedsError, ExitCode.FAILED),
)

#: How each exit code's error is introduced on stderr.
ERROR_LABELS = {
    ExitCode.USAGE: "configuration error",
    ExitCode.LOCKED: "locked",
    ExitCode.SYSTEM: "system error",
    ExitCode.STORE: "refused",
}


def exit_code_of(error: HnpFeedsError) -> ExitCode:
    """The exit code of a command that ``error`` stopped."""
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def error_line(error: HnpFeedsError) -> str:
    """The one line a command prints for ``error``, the same from every command."""
    return f"{ERROR_LABELS.get(exit_code_of(error), 'error')}: {error}"
