"""The ``hnp-feeds`` command: each command parses options, calls one library function,
reports, and maps errors to exit codes.  No logic lives here."""

from __future__ import annotations

import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from .build import BuildResult, build
from .config import Catalogue, load_config
from .errors import ConfigError, HnpFeedsError

app = typer.Typer(
    help="Publish the HNP news portal as Atom, RSS and JSON feeds, and validate them.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=False)
err_console = Console(stderr=True)


class ExitCode(IntEnum):
    """What a command's exit status means; cron and scripts rely on these numbers."""

    OK = 0
    FAILED = 1  # nothing could be built / validation errors found by `validate`
    USAGE = 2  # bad options or configuration
    REJECTED = 3  # some records were rejected; the rest were published
    INVALID = 4  # a feed failed validation; the previous files were kept
    LOCKED = 5  # another publish is running
    IDENTITY = 6  # a change would alter a published entry id


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="The catalogue (hnp-feeds.toml); default: the bundled sample portal."
    ),
]


def _catalogue(config: Path | None) -> Catalogue:
    try:
        return load_config(config)
    except ConfigError as exc:
        err_console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(ExitCode.USAGE) from None


class _BarProgress:
    """The library's Progress protocol drawn as a rich progress bar."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = bar.add_task("rendering", total=None)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def advance(self, label: str) -> None:
        self.bar.update(self.task, advance=1, description=label)


@app.command("build")
def build_command(
    config: ConfigOption = None,
    source: Annotated[
        list[Path] | None,
        typer.Option(
            "--source",
            "-s",
            help="A source to read (JSONL, CSV, page .txt); repeatable. Default: the catalogue's.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output directory. Default: the catalogue's (feeds/)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary line.")] = False,
) -> None:
    """Regenerate every feed from the sources, validate them, and write them atomically.

    Examples:

        hnp-feeds build                      # the bundled sample portal into feeds/

        hnp-feeds build -c hnp-feeds.toml -s export.jsonl -o /srv/feeds
    """
    catalogue = _catalogue(config)
    show_bar = not quiet and sys.stderr.isatty()
    try:
        if show_bar:
            with Progress(
                TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                console=err_console, transient=True,
            ) as bar:  # fmt: skip
                result = build(catalogue, source, out, progress=_BarProgress(bar))
        else:
            result = build(catalogue, source, out)
    except HnpFeedsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(ExitCode.FAILED) from None
    _report_build(result, out or catalogue.out_dir, quiet)
    if result.invalid:
        raise typer.Exit(ExitCode.INVALID)
    if not result.feeds or result.articles == 0:
        raise typer.Exit(ExitCode.FAILED)
    if result.rejected:
        raise typer.Exit(ExitCode.REJECTED)


def _report_build(result: BuildResult, out: Path, quiet: bool) -> None:
    if not quiet:
        table = Table(title=f"Feeds in {out}")
        table.add_column("feed")
        table.add_column("title")
        table.add_column("entries", justify="right")
        for feed in result.feeds:
            table.add_row(feed.slug, feed.title, str(feed.entries))
        console.print(table)
        for record in result.rejected:
            console.print(f"[yellow]rejected[/yellow] {record.where}: {record.reason}")
        for relpath, report in {**result.invalid, **result.warnings}.items():
            for message in report.messages:
                place = f":{message.line}" if message.line else ""
                params = ", ".join(f"{k}={v}" for k, v in message.params.items())
                console.print(
                    f"[red]{message.level}[/red] {relpath}{place} {message.code} {params}"
                )
    state = "NOT WRITTEN (validation failed; previous files kept)" if result.invalid else "ok"
    console.print(
        f"{len(result.feeds)} feeds, {result.articles} articles, "
        f"{len(result.written)} files written, {len(result.unchanged)} unchanged, "
        f"{len(result.rejected)} records rejected: {state}"
    )


def main() -> None:  # pragma: no cover - console script entry point
    app()
