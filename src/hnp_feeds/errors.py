"""One exception root for the package, with a branch per stage of the pipeline."""

from __future__ import annotations


class HnpFeedsError(Exception):
    """Root of every error hnp-feeds raises on purpose."""


class ConfigError(HnpFeedsError, ValueError):
    """The catalogue (hnp-feeds.toml) or an option is wrong."""


class RecordError(HnpFeedsError, ValueError):
    """A source record that cannot become an Article.

    Adapters *yield* these (they do not raise them), so that one bad record never
    stops the others from being published.  ``source`` names the file or database,
    ``position`` the line, row or page, ``reason`` what is wrong in the editors' terms.
    """

    def __init__(self, source: str, position: str, reason: str, record_id: str | None = None):
        self.source = source
        self.position = position
        self.reason = reason
        self.record_id = record_id
        super().__init__(f"{source}:{position}: {reason}" if position else f"{source}: {reason}")

    @property
    def where(self) -> str:
        return f"{self.source}:{self.position}" if self.position else self.source


def split_where(where: str) -> tuple[str, str]:
    """``"file.jsonl:12"`` -> ``("file.jsonl", "12")``: an Article's ``source`` back into the
    source and position of a RecordError (a page path has no position)."""
    source, sep, position = where.rpartition(":")
    if sep and position.isdigit():
        return source, position
    return where, ""


class StoreError(HnpFeedsError):
    """The SQLite store cannot be opened, migrated or written."""


class ValidationFailed(HnpFeedsError):
    """A rendered feed has errors, so it is not published."""


class IdentityChanged(HnpFeedsError):
    """A change would alter an entry id that aggregators have already seen."""


class LockBusy(HnpFeedsError):
    """Another publish holds the lock."""
