"""What an operator asks of a running portal: the store's state (``status``), the rejected
records (``rejected``), a backup and its restoring.  Each reads or writes the store through
``store``; the CLI only prints what these return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version as _distribution_version
from pathlib import Path

from .config import Catalogue
from .errors import StoreError
from .publish.lock import publish_lock
from .store import PendingPing, Rejection, Run, SQLiteStore, open_store
from .store.backup import backup_store, restore_store


def version() -> str:
    """The installed hnp-feeds version."""
    return _distribution_version("hnp-feeds")


@dataclass(frozen=True)
class Status:
    """The store at a glance: what ``hnp-feeds status`` prints."""

    store_path: str
    schema_version: int
    size: int
    articles: dict[str, int]
    feeds: int
    stale_feeds: int
    last_published: str | None
    last_run: Run | None
    #: A run that started after the last one that ended: running now, or killed.
    unfinished: Run | None
    pending_pings: list[PendingPing] = field(default_factory=list)
    scheduled: list[tuple[str, datetime]] = field(default_factory=list)
    rejected: int = 0
    hub: str | None = None

    def lines(self) -> list[str]:
        """The status as plain text, a fact a line."""
        articles = ", ".join(f"{count} {standing}" for standing, count in self.articles.items())
        lines = [
            f"store: {self.store_path} (schema version {self.schema_version}, {self.size} bytes)",
            f"articles: {sum(self.articles.values())} ({articles})",
            f"feeds: {self.feeds} published, last at {self.last_published or 'never'}"
            + (f"; {self.stale_feeds} to render again" if self.stale_feeds else ""),
        ]
        if self.last_run is None:
            lines.append("last run: none yet")
        else:
            run = self.last_run
            lines.append(f"last run: {run.command} at {run.at}: exit {run.exit_code} {run.outcome}")
            if run.summary:
                lines.append(f"  {run.summary}")
        if self.unfinished is not None:
            lines.append(
                f"unfinished run: {self.unfinished.command} started at {self.unfinished.at}"
                " has not ended (running now, or it was killed)"
            )
        lines.append(
            f"rejected records: {self.rejected}" + (" (hnp-feeds rejected)" * bool(self.rejected))
        )
        hub = f" to {self.hub}" if self.hub else " (no hub configured)"
        lines.append(f"pending hub pings: {len(self.pending_pings)}{hub}")
        for ping in self.pending_pings:
            error = f", last error: {ping.last_error}" if ping.last_error else ""
            lines.append(f"  {ping.url} ({ping.attempts} attempts{error})")
        lines.append(f"scheduled articles: {len(self.scheduled)}")
        for record_id, when in self.scheduled:
            lines.append(f"  {record_id} at {when.isoformat()}")
        return lines


def status(catalogue: Catalogue, store_path: Path | None = None) -> Status:
    """The state of the store at ``store_path`` (default: the catalogue's)."""
    path = store_path or catalogue.store_path
    with _existing(path) as store:
        feeds, stale, last_published = store.feed_counts()
        started, finished = store.runs()
        unfinished = started if started and (finished is None or started.at > finished.at) else None
        return Status(
            store_path=str(path),
            schema_version=store.schema_version,
            size=path.stat().st_size,
            articles=store.article_counts(),
            feeds=feeds,
            stale_feeds=stale,
            last_published=last_published,
            last_run=finished,
            unfinished=unfinished,
            pending_pings=store.pending_pings(),
            scheduled=store.scheduled(),
            rejected=store.count("rejected"),
            hub=catalogue.site.hub,
        )


def rejected(catalogue: Catalogue, store_path: Path | None = None) -> list[Rejection]:
    """The rejected records the store keeps, by source and position."""
    with _existing(store_path or catalogue.store_path) as store:
        return store.rejections()


def rejection_lines(rejection: Rejection, raw: bool = True) -> list[str]:
    """One rejected record as plain text: where and why, when seen, its raw text."""
    record = f"record {rejection.record_id}, " if rejection.record_id else ""
    lines = [
        f"{rejection.where}: {rejection.reason}",
        f"  {record}first seen {rejection.first_seen}, last seen {rejection.last_seen}"
        f" ({rejection.times} runs)",
    ]
    if raw and rejection.raw:
        lines += [f"  | {line}" for line in rejection.raw.splitlines()]
    return lines


def clear_rejected(catalogue: Catalogue, wheres: list[str], store_path: Path | None = None) -> int:
    """Forget the rejected records at ``wheres`` (``source:position``, a source, a record
    id; none: all).  Returns how many."""
    with _existing(store_path or catalogue.store_path) as store:
        return store.clear_rejected(wheres)


def backup(catalogue: Catalogue, dest: Path, store_path: Path | None = None) -> int:
    """A consistent copy of the store at ``dest``, even while a publish runs; its size."""
    return backup_store(store_path or catalogue.store_path, dest)


def restore(catalogue: Catalogue, source: Path, store_path: Path | None = None) -> int:
    """The backup ``source`` in place of the store, under the publish lock (no run is
    overlapped); migrated to this version.  Returns the schema version it now has."""
    path = store_path or catalogue.store_path
    with publish_lock(path):
        restore_store(source, path)
        with open_store(path) as store:  # an older backup is migrated here
            return store.schema_version


def _existing(path: Path) -> SQLiteStore:
    """The store at ``path``, which must exist: asking about it never creates one."""
    if not path.is_file():
        raise StoreError(f"{path}: no store here yet (the first publish creates it)")
    return open_store(path)


__all__ = [
    "Status",
    "backup",
    "clear_rejected",
    "rejected",
    "rejection_lines",
    "restore",
    "status",
    "version",
]
