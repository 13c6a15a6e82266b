"""The ``hnp-feeds`` command: each command parses options, calls one library function,
reports, and maps errors to exit codes.  No logic lives here.

A command imports what it uses when it runs (the pipeline, the validator, rich): a cron
``publish`` with nothing to do never loads the writers, the validator or lxml."""

import gc
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .config import Catalogue, catalogue_for
from .errors import ExitCode, HnpFeedsError, error_line, exit_code_of

if TYPE_CHECKING:
    from rich.progress import Progress

    from .publish import PublishResult

_SETTINGS: dict[str, Any] = {
    "help": "Publish the HNP news portal as Atom, RSS and JSON feeds, and validate them.",
    "no_args_is_help": True,
    "add_completion": False,
}
app = typer.Typer(**_SETTINGS)


def main() -> None:
    """The ``hnp-feeds`` console script: ``app`` as started from the command line."""
    try:
        app_for(sys.argv[1:])(prog_name="hnp-feeds")
    finally:
        # The command is over (its store closed, its files written and synced) and the
        # process exits: the cyclic collector's walks over every object still alive at
        # shutdown would free nothing that matters, and cost a cron run with nothing to
        # do 6 % of its instructions (callgrind: 546 M -> 511 M).
        gc.freeze()


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app that runs ``args``: when they begin with a command's name, one holding
    that command alone (typer makes every command it holds into a click command at each
    start, reading each function's signature, 2-3 ms a command: a cron run pays for its
    own only); else (``--help``, ``--version``, a mistyped command) ``app`` itself.  The
    same parsing, help and errors either way (``tests/test_cli.py``)."""
    chosen = [command for command in app.registered_commands if args and command.name == args[0]]
    if not chosen:
        return app
    alone = typer.Typer(**_SETTINGS)
    alone.registered_callback = app.registered_callback
    alone.registered_commands = chosen
    return alone


def _print_version(asked: bool) -> None:
    if asked:
        from .operator import version

        typer.echo(f"hnp-feeds {version()}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Publish the HNP news portal as Atom, RSS and JSON feeds, and validate them."""


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The catalogue (hnp-feeds.toml; `hnp-feeds init` writes one). Default: the"
        " bundled sample portal, which reads only its own articles.",
    ),
]


@contextmanager
def _errors() -> Iterator[None]:
    """The one place an error becomes a line on stderr and an exit code (``errors.EXIT_CODES``),
    the same from every command.  Printed as plain text: a message is never markup."""
    try:
        yield
    except HnpFeedsError as exc:
        typer.echo(error_line(exc), err=True)
        raise typer.Exit(exit_code_of(exc)) from None


def _catalogue(config: Path | None, sources: list[str] | None = None) -> Catalogue:
    with _errors():
        return catalogue_for(config, sources or ())


def _page_option(name: str, help: str) -> Any:
    """An option that gives a single page source a record field, as a sidecar would."""
    return typer.Option(name, help=f"A single page source: {help}", rich_help_panel="Page")


PageUrl = Annotated[str | None, _page_option("--url", "its URL.")]
PageId = Annotated[str | None, _page_option("--id", "its CMS id (default: from its URL).")]
PageCategory = Annotated[str | None, _page_option("--category", "its section.")]
PageAuthor = Annotated[str | None, _page_option("--author", "its byline, if it lacks one.")]
PageTag = Annotated[list[str] | None, _page_option("--tag", "a tag; repeatable.")]
PageImage = Annotated[str | None, _page_option("--image", "its lead image's URL.")]


def _page(
    url: str | None,
    id_: str | None,
    category: str | None,
    author: str | None,
    tags: list[str] | None,
    image: str | None,
) -> dict[str, Any]:
    """What the page options say, as the record fields a sidecar would give."""
    fields = {"url": url, "id": id_, "category": category, "author": author, "image": image}
    return {**fields, "tags": tuple(tags or ())}


class _BarProgress:
    """The library's Progress protocol drawn as a rich progress bar."""

    def __init__(self, bar: "Progress") -> None:
        self.bar = bar
        self.task = bar.add_task("rendering", total=None)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def advance(self, label: str) -> None:
        self.bar.update(self.task, advance=1, description=label)


StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store", help="The SQLite store. Default: the catalogue's (var/hnp-feeds.sqlite)."
    ),
]
ReissueOption = Annotated[
    list[str] | None,
    typer.Option("--reissue", help="Accept a new entry id for this record id or published id."),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Every detail, not only the summary.")
]
MassRemovalOption = Annotated[
    bool,
    typer.Option(
        "--allow-mass-removal",
        help="Publish a feed that loses more than [publish] max_removed_share of its entries.",
    ),
]


@app.command("build")
def build_command(
    config: ConfigOption = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            "-s",
            help="A source to read (JSONL, CSV, a page .txt/.html, a folder of pages, a"
            " sqlite:/postgresql: URL, an http(s):// listing page); repeatable."
            " Default: the catalogue's.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output directory. Default: the catalogue's (feeds/)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary line.")] = False,
    allow_mass_removal: MassRemovalOption = False,
    url: PageUrl = None,
    id_: PageId = None,
    category: PageCategory = None,
    author: PageAuthor = None,
    tag: PageTag = None,
    image: PageImage = None,
) -> None:
    """Regenerate every feed from the sources, validate them, and write them atomically.

    Examples:

        hnp-feeds build                      # the bundled sample portal into feeds/

        hnp-feeds build -c hnp-feeds.toml -s export.jsonl -o /srv/feeds

        hnp-feeds build -c hnp-feeds.toml -s page.txt --url https://hnp.vn/tin/a.html

        hnp-feeds build -c hnp-feeds.toml -s https://hnp.vn/tin-tuc/   # the live portal
    """
    from .publish import build

    catalogue = _catalogue(config, source)
    page = _page(url, id_, category, author, tag, image)
    show_bar = not quiet and sys.stderr.isatty()
    with _errors():
        if show_bar:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            with Progress(
                TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                console=Console(stderr=True, soft_wrap=True), transient=True,
            ) as bar:  # fmt: skip
                result = build(
                    catalogue, source, out, progress=_BarProgress(bar), page=page,
                    allow_mass_removal=allow_mass_removal,
                )  # fmt: skip
        else:
            result = build(catalogue, source, out, page=page, allow_mass_removal=allow_mass_removal)
    _report(result, verbose=False, table_of=None if quiet else out or catalogue.out_dir)
    raise typer.Exit(result.exit_code)


@app.command("ingest")
def ingest_command(
    sources: Annotated[
        list[str], typer.Argument(help="JSONL, CSV, pages, folders or database URLs to read.")
    ],
    config: ConfigOption = None,
    store: StoreOption = None,
    reissue: ReissueOption = None,
    verbose: VerboseOption = False,
    url: PageUrl = None,
    id_: PageId = None,
    category: PageCategory = None,
    author: PageAuthor = None,
    tag: PageTag = None,
    image: PageImage = None,
) -> None:
    """Read sources into the store without publishing; bad records are kept with their reason.

    Example:

        hnp-feeds ingest -c hnp-feeds.toml export.jsonl
    """
    from .publish import PublishResult, ingest

    catalogue = _catalogue(config, sources)
    with _errors():
        page = _page(url, id_, category, author, tag, image)
        done = ingest(catalogue, sources, store_path=store, reissue=reissue or (), page=page)
        result = PublishResult(done, ingest_only=True)
    _report(result, verbose)
    raise typer.Exit(result.exit_code)


@app.command("publish")
def publish_command(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Sources to ingest first. Default: the catalogue's [input] sources."),
    ] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output directory.")] = None,
    reissue: ReissueOption = None,
    no_ingest: Annotated[
        bool, typer.Option("--no-ingest", help="Publish from the store alone; read no source.")
    ] = False,
    allow_mass_removal: MassRemovalOption = False,
    start_over: Annotated[
        bool,
        typer.Option(
            "--start-over",
            help="Publish from a new (missing or empty) store although the output directory"
            " holds a published portal.",
        ),
    ] = False,
    verbose: VerboseOption = False,
    url: PageUrl = None,
    id_: PageId = None,
    category: PageCategory = None,
    author: PageAuthor = None,
    tag: PageTag = None,
    image: PageImage = None,
) -> None:
    """What cron runs: ingest, render only the feeds that changed, validate, write atomically,
    ping the hub.  Exit 0 ok, 3 new records rejected, 4 invalid (old files kept), 5 locked,
    6 id change refused, 7 system error, 8 store lost or damaged, 9 mass removal refused,
    2 configuration.

    Example (crontab):

        */5 * * * * cd /srv/hnp && hnp-feeds publish -c hnp-feeds.toml export.jsonl
    """
    from .publish import publish

    catalogue = _catalogue(config, sources)
    with _errors():
        chosen = () if no_ingest else (sources or catalogue.sources)
        page = _page(url, id_, category, author, tag, image)
        result = publish(
            catalogue, chosen, store_path=store, out_dir=out, reissue=reissue or (), page=page,
            allow_mass_removal=allow_mass_removal, start_over=start_over,
        )  # fmt: skip
    _report(result, verbose)
    raise typer.Exit(result.exit_code)


@app.command("snippet")
def snippet_command(
    section: Annotated[
        str, typer.Argument(help="A feed's slug (the-thao, tac-gia-..., chu-de-...) or a name.")
    ],
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Print the <link rel="alternate"> lines a section's page carries in its <head> (the
    same lines publish writes to feeds/discovery/<slug>.html).

    Example:

        hnp-feeds snippet -c hnp-feeds.toml the-thao
    """
    from .publish import discovery

    catalogue = _catalogue(config)
    with _errors():
        lines = discovery(catalogue, section, store_path=store)
    typer.echo(lines, nl=False)


@app.command("serve")
def serve_command(
    config: ConfigOption = None,
    root: Annotated[
        Path | None, typer.Option("--dir", "-d", help="Directory to serve. Default: feeds/.")
    ] = None,
    port: Annotated[int, typer.Option("--port", "-p", help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Preview the published files on 127.0.0.1 with production-like headers (ETag, 304,
    gzip, Cache-Control from the publish interval).  Not for production: see docs/nginx.md.

    Example:

        hnp-feeds build && hnp-feeds serve --port 8000
    """
    from .serve import run

    catalogue = _catalogue(config)
    try:
        run(root or catalogue.out_dir, port, catalogue.site.publish_interval_minutes * 60)
    except OSError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(ExitCode.FAILED) from None


JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document, for machines.")]


@app.command("status")
def status_command(
    config: ConfigOption = None, store: StoreOption = None, as_json: JsonOption = False
) -> None:
    """The store at a glance: articles by standing, feeds, the last run and how it ended,
    pending hub pings, scheduled articles, the store's path and schema version.

    Example:

        hnp-feeds status -c hnp-feeds.toml
    """
    from dataclasses import asdict

    from .operator import status

    catalogue = _catalogue(config)
    with _errors():
        found = status(catalogue, store)
    if as_json:
        typer.echo(json.dumps(asdict(found), ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo("\n".join(found.lines()))


@app.command("rejected")
def rejected_command(
    wheres: Annotated[
        list[str] | None,
        typer.Argument(
            help="With --clear: source:position, a source or a record id.", metavar="[WHERE]..."
        ),
    ] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Forget these rejected records (all if none named).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The rejected records: source, position, reason, the raw record, first and last seen.
    A record leaves the list by itself when it is read again fixed (or its source is read
    without it); --clear forgets those that will not be read again.

    Examples:

        hnp-feeds rejected -c hnp-feeds.toml

        hnp-feeds rejected -c hnp-feeds.toml --clear export.jsonl:12
    """
    from dataclasses import asdict

    from .operator import clear_rejected, rejected, rejection_lines

    catalogue = _catalogue(config)
    with _errors():
        if clear:
            removed = clear_rejected(catalogue, wheres or [], store)
            typer.echo(f"cleared {removed} rejected records")
            return
        found = rejected(catalogue, store)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in found], ensure_ascii=False, indent=2))
        return
    for rejection in found:
        typer.echo("\n".join(rejection_lines(rejection)))
    typer.echo(f"{len(found)} rejected records")


@app.command("backup")
def backup_command(
    dest: Annotated[Path, typer.Argument(help="The backup file to write.")],
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """A consistent copy of the store (SQLite's backup API), safe while a publish runs.

    Example (crontab, daily; see docs/deployment.md):

        30 3 * * * cd /srv/hnp && hnp-feeds backup -c hnp-feeds.toml /var/backups/hnp.sqlite
    """
    from .operator import backup

    catalogue = _catalogue(config)
    with _errors():
        size = backup(catalogue, dest, store)
    typer.echo(f"backed up {store or catalogue.store_path} to {dest} ({size} bytes)")


@app.command("restore")
def restore_command(
    source: Annotated[Path, typer.Argument(help="A backup written by `hnp-feeds backup`.")],
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Put a backup in place of the store (waits for no run: exit 5 while one runs); an
    older backup is migrated.  The next publish writes what the restored store holds.

    Example:

        hnp-feeds restore -c hnp-feeds.toml backups/hnp-Mon.sqlite
    """
    from .operator import restore

    catalogue = _catalogue(config)
    with _errors():
        version = restore(catalogue, source, store)
    typer.echo(f"restored {source} to {store or catalogue.store_path} (schema version {version})")


@app.command("init")
def init_command(
    path: Annotated[
        Path, typer.Argument(help="The file to write, or a directory for hnp-feeds.toml.")
    ] = Path("hnp-feeds.toml"),
    title: Annotated[str, typer.Option("--title", help="The portal's name.")] = "Báo của bạn",
    base_url: Annotated[
        str, typer.Option("--base-url", help="The portal's home page (feeds go under feeds/).")
    ] = "https://bao.example.vn/",
) -> None:
    """Write a commented hnp-feeds.toml for a new portal (never over an existing file).

    Example:

        hnp-feeds init --title "Tin Hà Nội" --base-url https://tin.example.vn/
    """
    from .scaffold import new_catalogue

    with _errors():
        written = new_catalogue(path, title=title, base_url=base_url)
    typer.echo(f"wrote {written}: edit it, then hnp-feeds build -c {written} -o /tmp/feeds")


def _report(result: "PublishResult", verbose: bool, table_of: Path | None = None) -> None:
    """What every run prints: each refused record and repair when first seen (once, not on
    every cron run: ``hnp-feeds rejected`` lists them all), details when asked or at a
    terminal, the feeds table (``build``), and one summary line."""
    rejected = result.rejected if verbose else result.new_rejected
    for record in rejected + (result.ingest.identity if result.ingest else []):
        typer.echo(f"rejected {record.where}: {record.reason}", err=True)
    for repair in result.cleaned if verbose else result.new_cleaned:
        typer.echo(f"cleaned {repair}", err=True)
    for note in result.notes:
        typer.echo(f"note {note}", err=True)
    for message in result.identity + result.mass_removal_messages:
        typer.echo(f"refused {message}", err=True)
    for relpath, report in {**result.invalid, **result.warnings}.items():
        for m in report.messages:
            if m.level == "error" or verbose or table_of is not None:
                params = ", ".join(f"{k}={v}" for k, v in m.params.items())
                typer.echo(f"{m.level} {relpath}:{m.line or ''} {m.code} {params}", err=True)
    if verbose or (table_of is not None and sys.stdout.isatty()):
        for record_id, when in result.scheduled:
            typer.echo(f"scheduled {record_id} at {when.isoformat()}")
    if verbose:
        for path in result.written:
            typer.echo(f"wrote {path}")
        for record_id in result.released:
            typer.echo(f"released scheduled {record_id}")
        for url, error in result.pings.failed.items() if result.pings else []:
            typer.echo(f"hub ping failed for {url}: {error}")
    if table_of is not None and result.feeds:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(f"Feeds in {table_of}"))  # Text: never read as markup
        table.add_column("feed")
        table.add_column("title")
        table.add_column("entries", justify="right")
        for feed in result.feeds:
            table.add_row(Text(feed.slug), Text(feed.title), str(feed.entries))
        # soft_wrap: a long line stays on one line in cron mail and log files.
        Console(soft_wrap=True).print(table)
    typer.echo(result.summary())


class ValidationProfile(StrEnum):
    """``spec``: the formats' own rules; ``portal``: those and the portal's policy."""

    spec = "spec"
    portal = "portal"


class ReportFormat(StrEnum):
    """How ``validate`` prints its report (validator.report_formats)."""

    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


@app.command("validate")
def validate_command(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Feed files, directories of feeds (*.xml, *.json) or http(s) URLs.",
            metavar="PATH|DIR|URL",
        ),
    ],
    form: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            help="text for people; json (docs/validate-report.schema.json); junit (JUnit "
            "XML for CI test reports); github (GitHub Actions annotations).",
        ),
    ] = ReportFormat.text,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    profile: Annotated[
        ValidationProfile, typer.Option("--profile", help="Spec rules only, or the portal's too.")
    ] = ValidationProfile.spec,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail as well.")] = False,
) -> None:
    """Check feeds against Atom 1.0 / RSS 2.0 / JSON Feed 1.1 (and the portal's policy with
    --profile portal).  Exit 0 clean, 1 errors (or warnings with --strict), 2 usage.

    Examples:

        hnp-feeds validate feeds/

        hnp-feeds validate --profile portal --json feeds/tin-moi/ https://hnp.example.vn/feeds/rss.xml

        hnp-feeds validate --format github feeds/   # in a GitHub Actions step
    """
    from .validator.files import SourceError, validate_paths
    from .validator.report_formats import failed, render

    try:
        results = validate_paths(sources, profile.value)
    except SourceError as exc:
        typer.echo(f"usage error: {exc}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    typer.echo(render(results, "json" if as_json else form.value))
    raise typer.Exit(ExitCode.FAILED if failed(results, strict=strict) else ExitCode.OK)
