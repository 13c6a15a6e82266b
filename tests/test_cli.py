"""The CLI through typer's CliRunner: help with examples, exit codes, summaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from hnp_feeds.cli import ExitCode, app, app_for

runner = CliRunner()
BAD_RECORDS = Path(__file__).parent / "data" / "bad_records.jsonl"


def command_names() -> list[str]:
    group = get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_there_are_commands() -> None:
    assert "build" in command_names()


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`hnp-feeds {name} --help` shows no example"
    assert "hnp-feeds " + name in result.output


def test_build_writes_the_sample_and_prints_a_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--out", str(tmp_path)])
    assert result.exit_code == ExitCode.OK, result.output
    assert "tin-moi" in result.output
    assert "0 rejected" in result.output
    assert (tmp_path / "tin-moi" / "atom.xml").is_file()


def test_build_with_bad_records_exits_3_and_names_them(tmp_path: Path) -> None:
    from hnp_feeds.config import bundled_config_path, load_config

    sources = [*load_config().sources, BAD_RECORDS]
    # The bundled sample's catalogue named, to try other records under its identity.
    args = ["build", "-c", str(bundled_config_path()), "--out", str(tmp_path)]
    for source in sources:
        args += ["--source", str(source)]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.REJECTED, result.output
    assert "rejected" in result.output
    assert "bad_records.jsonl:" in result.output
    assert "cleaned" in result.output and "control characters" in result.output
    assert (tmp_path / "tin-moi" / "rss.xml").is_file()


def test_build_with_a_broken_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "hnp-feeds.toml"
    config.write_text("[site]\ntitle = 1\n", encoding="utf-8")
    result = runner.invoke(app, ["build", "--config", str(config), "--out", str(tmp_path)])
    assert result.exit_code == ExitCode.USAGE
    assert "configuration error" in result.output


def test_the_same_fault_gives_the_same_line_and_code_from_every_command(tmp_path: Path) -> None:
    """One table maps errors to exit codes (errors.EXIT_CODES) for build, ingest, publish."""
    broken = tmp_path / "hnp-feeds.toml"
    broken.write_text('[site]\ntitle = "HNP"\n', encoding="utf-8")
    source = tmp_path / "x.jsonl"
    source.write_text("", encoding="utf-8")
    outputs = set()
    for command in (["build", "-s", str(source)], ["ingest", str(source)], ["publish"]):
        result = runner.invoke(app, [*command, "-c", str(broken)])
        assert result.exit_code == ExitCode.USAGE, (command, result.output)
        outputs.add(result.output)
    (line,) = outputs
    assert line.startswith(f"configuration error: {broken}: ") and line.count("\n") == 1


def test_the_feeds_table_shows_titles_as_written_never_as_markup(tmp_path: Path) -> None:
    config = tmp_path / "hnp-feeds.toml"
    config.write_text(
        '[site]\ntitle = "HNP [bold]"\nbase_url = "https://hnp.example.vn/"\n'
        'feeds_url = "https://hnp.example.vn/feeds/"\ntag_authority = "hnp.example.vn"\n'
        'tag_date = "2008"\nrelated_count = 1\n',
        encoding="utf-8",
    )
    source = tmp_path / "a.jsonl"
    source.write_text(
        '{"id": "1", "url": "https://hnp.example.vn/a.html", "title": "A [/x] b",'
        ' "published": "2022-06-17 20:22", "category": "[b]Thời sự[/b]"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["build", "-c", str(config), "-s", str(source), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert "HNP [bold]" in result.output and "[b]Thời sự[/b]" in result.output


@pytest.mark.parametrize("name", command_names())
@pytest.mark.parametrize("tail", [["--help"], ["--no-such-option"]])
def test_the_console_script_parses_a_command_as_the_whole_app_does(
    name: str, tail: list[str]
) -> None:
    """``hnp-feeds <command> ...`` makes only that command (``app_for``): the same help,
    the same usage errors and exit codes as the app holding every command."""
    args = [name, *tail]
    alone = app_for(args)
    assert alone is not app and [c.name for c in alone.registered_commands] == [name]
    whole, one = runner.invoke(app, args), runner.invoke(alone, args)
    assert (one.exit_code, one.output) == (whole.exit_code, whole.output)


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["pubish"], ["--help", "build"]])
def test_anything_but_a_command_first_gets_the_whole_app(args: list[str]) -> None:
    assert app_for(args) is app
