"""What one run of the pipeline did: for the summary line, the report and the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExitCode, RecordError
from ..store import IngestResult

if TYPE_CHECKING:
    from ..validator import Report
    from ..websub import PingReport


@dataclass(frozen=True)
class FeedSummary:
    """One feed a run rendered, for the summary table."""

    slug: str
    title: str
    entries: int


@dataclass
class PublishResult:
    """What a run did (``publish``, ``build``, ``ingest`` alike)."""

    ingest: IngestResult | None = None
    planned: list[str] = field(default_factory=list)
    feeds: list[FeedSummary] = field(default_factory=list)  # the feeds rendered
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed_files: list[Path] = field(default_factory=list)  # archive pages past the end
    bytes_written: int = 0
    invalid: dict[str, Report] = field(default_factory=dict)
    warnings: dict[str, Report] = field(default_factory=dict)
    identity: list[str] = field(default_factory=list)
    pings: PingReport | None = None
    ingest_only: bool = False  # ``hnp-feeds ingest``: nothing was meant to be published
    #: ``build``: nothing is written unless every file is valid.
    all_or_nothing: bool = False
    #: ``build``: the articles its feeds hold.
    articles: int = 0
    #: The sources gave no usable record: nothing was published, the old files stay.
    nothing_read: bool = False
    #: Scheduled articles that went live this run (record ids), and those still waiting
    #: (record id, when they go live): future-dated articles never reach a feed early.
    released: list[str] = field(default_factory=list)
    scheduled: list[tuple[str, datetime]] = field(default_factory=list)
    #: Feeds that would lose too much: slug -> (entries shown, entries it would show); the
    #: run wrote nothing, until confirmed (``--allow-mass-removal``).
    mass_removal: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def rendered(self) -> list[str]:
        return [feed.slug for feed in self.feeds]

    #: Articles withheld this run: the portal policy refused their own entries.
    withheld: list[RecordError] = field(default_factory=list)

    @property
    def rejected(self) -> list[RecordError]:
        """Records refused at the door, then those withheld from the feeds."""
        return (self.ingest.rejected if self.ingest else []) + self.withheld

    @property
    def new_rejected(self) -> list[RecordError]:
        """Those of ``rejected`` first seen in this run: what is reported, and exit 3 (an
        article is withheld once per version of its record, so each withheld is new)."""
        return (self.ingest.fresh_rejected if self.ingest else []) + self.withheld

    @property
    def cleaned(self) -> list[str]:
        """What the adapters repaired (``file:line: what``)."""
        return self.ingest.cleaned if self.ingest else []

    @property
    def new_cleaned(self) -> list[str]:
        """Those of ``cleaned`` first seen in this run: what is reported."""
        return self.ingest.fresh_cleaned if self.ingest else []

    @property
    def notes(self) -> list[str]:
        """What could not be linked yet (listed related posts not known)."""
        return self.ingest.notes if self.ingest else []

    @property
    def mass_removal_messages(self) -> list[str]:
        """One line per feed refused for taking too much away, saying how to accept it."""
        return [
            f"feed {slug}: would go from {before} to {after} entries (more than the allowed"
            " share removed: a mass retraction, everything drafted, a truncated export?);"
            " nothing published, the files stay; to accept, run with --allow-mass-removal"
            for slug, (before, after) in sorted(self.mass_removal.items())
        ]

    @property
    def exit_code(self) -> ExitCode:
        if self.invalid:
            return ExitCode.INVALID
        if self.identity or (self.ingest and self.ingest.identity):
            return ExitCode.IDENTITY
        if self.mass_removal:
            return ExitCode.MASS_REMOVAL
        if self.nothing_read or (self.all_or_nothing and self.articles == 0):
            return ExitCode.FAILED  # nothing to publish: nothing was written
        if self.new_rejected:
            return ExitCode.REJECTED
        return ExitCode.OK

    def summary(self) -> str:
        """One line for cron's mail."""
        parts = []
        if self.ingest is not None:
            i = self.ingest
            known = len(i.rejected) - len(i.fresh_rejected)
            rejected = f"{len(i.rejected)} rejected" + (f", {known} known" if known else "")
            parts.append(
                f"ingested {i.seen} records ({i.added} new, {i.changed} changed, "
                f"{i.removed} removed, {rejected})"
            )
        if self.ingest_only:
            pass
        elif self.nothing_read:
            parts.append("no usable record in the sources: nothing published, the files stay")
        elif self.all_or_nothing and self.articles == 0:
            parts.append("no article to publish: nothing written, the files stay")
        elif self.mass_removal:
            parts.append(
                f"REFUSED: {len(self.mass_removal)} feeds would lose too much of their"
                " entries: nothing written, the files stay"
            )
        elif not self.planned:
            parts.append("nothing to publish")
        else:
            state = " (NOT WRITTEN: a file failed validation)" if self._held_back else ""
            parts.append(
                f"{len(self.feeds)}/{len(self.planned)} feeds rendered, "
                f"{len(self.written)} files written ({self.bytes_written} bytes), "
                f"{len(self.unchanged)} unchanged{state}"
            )
        if self.withheld:
            parts.append(f"{len(self.withheld)} withheld (their entries fail the portal policy)")
        unrelated = len(self.ingest.unrelated) if self.ingest else 0
        if unrelated and not self.nothing_read:
            parts.append(f"{unrelated} new or changed articles without related posts")
        if self.released:
            parts.append(f"{len(self.released)} scheduled released")
        waiting = len(self.scheduled) or (len(self.ingest.scheduled) if self.ingest else 0)
        if waiting:
            parts.append(f"{waiting} scheduled")
        if self.invalid:
            parts.append(f"{len(self.invalid)} files INVALID (previous kept)")
        refused = len(self.identity) + (len(self.ingest.identity) if self.ingest else 0)
        if refused:
            parts.append(f"{refused} id changes refused")
        if self.pings is not None and (self.pings.sent or self.pings.pending):
            late = " (out of time)" if self.pings.out_of_time else ""
            parts.append(f"hub: {len(self.pings.sent)} pinged, {self.pings.pending} pending{late}")
        return "; ".join(parts) + f": {self.exit_code.name.lower()}"

    @property
    def _held_back(self) -> bool:
        return self.all_or_nothing and bool(self.invalid)
