"""hnp-feeds.toml -> Catalogue: defaults, declared feeds, the sources' settings, and errors
that name the file and the key -- at load, and as exit 2 from every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnp_feeds.cli import ExitCode, app
from hnp_feeds.config import DatabaseSettings, PageSelectors, bundled_config_path, load_config
from hnp_feeds.errors import ConfigError

MINIMAL = """
[site]
title = "Hà Nội Plus"
base_url = "https://hnp.example.vn/"
feeds_url = "https://hnp.example.vn/feeds"
tag_authority = "hnp.example.vn"
tag_date = "2008-01-01"

[input]
sources = ["articles.jsonl"]

[[feed]]
slug = "tuyen-sinh"
title = "Tuyển sinh"
tag = "Tuyển sinh"
limit = 20
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hnp-feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_catalogue_gets_defaults_and_declared_feed(tmp_path: Path) -> None:
    catalogue = load_config(write(tmp_path, MINIMAL))
    site = catalogue.site
    assert site.language == "vi"
    assert site.timezone == "Asia/Ho_Chi_Minh"
    assert site.feeds_url == "https://hnp.example.vn/feeds/"  # trailing slash added
    assert site.entries_per_feed == 50
    assert site.archive_page_size == 50  # defaults to entries_per_feed
    assert site.hub is None
    assert (site.icon, site.logo, site.rights, site.tag_feed_min_articles) == (None, None, "", None)
    assert catalogue.sources == (str(tmp_path / "articles.jsonl"),)
    (feed,) = catalogue.declared
    assert (feed.slug, feed.kind, feed.tag, feed.limit) == (
        "tuyen-sinh",
        "custom",
        "tuyen-sinh",
        20,
    )


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (('base_url = "https://hnp.example.vn/"', 'base_url = "/relative"'), "base_url"),
        (('tag_date = "2008-01-01"', 'tag_date = "01/01/2008"'), "tag_date"),
        (('slug = "tuyen-sinh"', 'slug = "Tuyển sinh"'), "slug"),
        (('tag = "Tuyển sinh"', ""), "category, author or tag"),
        (("limit = 20", "limit = 0"), "limit"),
        (('title = "Hà Nội Plus"', ""), "title"),
        (('tag_date = "2008-01-01"', 'tag_date = "2008-01-01"\nicon = "icon.png"'), "icon"),
        (('tag_date = "2008-01-01"', 'tag_date = "2008-01-01"\nlogo = "ftp://x/l.png"'), "logo"),
        (('tag_date = "2008-01-01"', 'tag_date = "2008-01-01"\nrights = 2024'), "rights"),
        (
            ('tag_date = "2008-01-01"', 'tag_date = "2008-01-01"\ntag_feed_min_articles = 0'),
            "tag_feed_min_articles",
        ),
    ],
)
def test_bad_catalogue_names_the_problem(
    tmp_path: Path, change: tuple[str, str], needle: str
) -> None:
    path = write(tmp_path, MINIMAL.replace(*change, 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert needle in str(caught.value)
    assert str(path) in str(caught.value)


def test_the_portals_face_and_tag_feeds_are_read(tmp_path: Path) -> None:
    face = (
        'tag_date = "2008-01-01"\nicon = "https://hnp.example.vn/i.png"\n'
        'logo = "https://hnp.example.vn/l.png"\nrights = "© HNP"\ntag_feed_min_articles = 3'
    )
    site = load_config(write(tmp_path, MINIMAL.replace('tag_date = "2008-01-01"', face))).site
    assert (site.icon, site.logo, site.rights, site.tag_feed_min_articles) == (
        "https://hnp.example.vn/i.png",
        "https://hnp.example.vn/l.png",
        "© HNP",
        3,
    )


def test_duplicate_slugs_are_refused(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[feed]]\nslug = "tuyen-sinh"\ntitle = "Lại"\ncategory = "Giáo dục"\n'
    with pytest.raises(ConfigError, match="used twice"):
        load_config(write(tmp_path, text))


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[site\n"))
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.toml")


def test_bundled_sample_catalogue_loads() -> None:
    catalogue = load_config(bundled_config_path())
    assert catalogue.site.language == "vi"
    assert all(Path(source).exists() for source in catalogue.sources)


def test_paths_in_the_file_and_the_default_store_and_output_are_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalogue without [store] or [output] run by cron from $HOME finds the store and
    the published feeds beside it (a store resolved against the working directory would be
    a new, empty one, feeds written there would be served by nobody)."""
    monkeypatch.chdir(tmp_path.parent)
    defaults = load_config(write(tmp_path, MINIMAL))
    assert defaults.store_path == tmp_path / "var" / "hnp-feeds.sqlite"
    assert defaults.out_dir == tmp_path / "feeds"
    # The bundled sample's defaults stay in the working directory, never in the package.
    assert load_config().store_path == Path("var/hnp-feeds.sqlite")
    assert load_config().out_dir == Path("feeds")
    text = MINIMAL + '\n[store]\npath = "state/db.sqlite"\n\n[output]\ndir = "public"\n'
    explicit = load_config(write(tmp_path, text))
    assert explicit.store_path == tmp_path / "state" / "db.sqlite"
    assert explicit.out_dir == tmp_path / "public"


def test_database_urls_stay_as_written_and_files_are_relative(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace(
            'sources = ["articles.jsonl"]',
            'sources = ["pages", "sqlite:///srv/cms.db", "postgresql://cms@127.0.0.1/cms"]',
        )
        + '\n[database]\nquery = "SELECT * FROM posts WHERE updated > :since"\n'
    )
    catalogue = load_config(write(tmp_path, text))
    assert catalogue.sources == (
        str(tmp_path / "pages"),
        "sqlite:///srv/cms.db",
        "postgresql://cms@127.0.0.1/cms",
    )
    assert catalogue.database.query.startswith("SELECT")


# -- [database] and [html_pages]: checked once, at load ------------------------------------

SECTIONS = """
[database]
query = "SELECT * FROM posts WHERE hidden = 0"

[database.mapping]
id = "post_id"
title = "headline"
updated = "changed_at"

[html_pages]
title = "string(//div[@id='bai']/@data-title)"
body = "//div[@id='noi-dung']"
"""


def test_a_database_state_file_is_refused_the_mark_lives_in_the_store(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '[database]\nstate = "var/cms-state.json"\n')
    with pytest.raises(ConfigError, match=r"\[database\] state: .*kept in the store"):
        load_config(path)


def test_database_and_html_pages_become_typed_settings(tmp_path: Path) -> None:
    catalogue = load_config(write(tmp_path, MINIMAL + SECTIONS))
    database = catalogue.database
    assert isinstance(database, DatabaseSettings)
    assert database.query == "SELECT * FROM posts WHERE hidden = 0"
    assert dict(database.mapping) == {"id": "post_id", "title": "headline", "updated": "changed_at"}
    selectors = catalogue.html_pages
    assert selectors == PageSelectors(
        title="string(//div[@id='bai']/@data-title)", body="//div[@id='noi-dung']"
    )
    body = selectors.xpath("body")
    assert body is not None and selectors.xpath("lede") is None  # compiled at load


def test_without_the_sections_the_defaults(tmp_path: Path) -> None:
    catalogue = load_config(write(tmp_path, MINIMAL))
    assert catalogue.database == DatabaseSettings()
    assert catalogue.database.query == "SELECT * FROM articles"
    assert catalogue.html_pages == PageSelectors()


# (text appended to MINIMAL, the key the message must name, what it must say)
BAD_SECTIONS = [
    pytest.param('[database]\nquary = "SELECT 1"\n', "[database] unknown key quary",
                 "(known: query, mapping)", id="database-typo"),
    pytest.param("[database]\nquery = 5\n", "[database] query", "SQL text",
                 id="database-query-type"),
    pytest.param('[database]\nquery = "  "\n', "[database] query", "SQL text",
                 id="database-query-empty"),
    pytest.param('[database]\nmapping = "id=post_id"\n', "[database] mapping", "field =",
                 id="database-mapping-type"),
    pytest.param("[database.mapping]\ntitle = 3\n", "[database] mapping", "field =",
                 id="database-mapping-column-type"),
    pytest.param('[database.mapping]\ntieu_de = "title"\n', "[database] mapping",
                 "unknown fields tieu_de (known: id, url, title", id="database-mapping-field"),
    pytest.param('[database.mapping]\nupdated = "x; DROP TABLE y"\n', "[database] mapping",
                 "plain SQL name", id="database-mapping-sql"),
    pytest.param("[database]\nstate = true\n", "[database] state", "kept in the store",
                 id="database-state-retired"),
    pytest.param('database = "sqlite:///cms.db"\n', "[database]", "must be a table",
                 id="database-not-a-table"),
    pytest.param('[html_pages]\nsapo = "//p"\n', "[html_pages] unknown key sapo",
                 "(known: title, time, lede, body, author, related)", id="html-typo"),
    pytest.param('[html_pages]\ntitle = "//h1[["\n', "[html_pages] title",
                 "not a valid XPath expression", id="html-syntax"),
    pytest.param("[html_pages]\nbody = \"//div[contain(@class, 'noi-dung')]\"\n",
                 "[html_pages] body", "unknown function contain()", id="html-function"),
    pytest.param('[html_pages]\nlede = "//hnp:sapo"\n', "[html_pages] lede",
                 "undefined namespace prefix hnp", id="html-prefix"),
    pytest.param("[html_pages]\nauthor = 3\n", "[html_pages] author",
                 "XPath expression in a string", id="html-type"),
    pytest.param('[html_pages]\nrelated = ""\n', "[html_pages] related",
                 "XPath expression in a string", id="html-empty"),
    pytest.param('html_pages = "//h1"\n', "[html_pages]", "must be a table",
                 id="html-not-a-table"),
]  # fmt: skip


@pytest.mark.parametrize(("section", "key", "says"), BAD_SECTIONS)
def test_a_bad_source_section_fails_at_load(
    tmp_path: Path, section: str, key: str, says: str
) -> None:
    # A bare key must come before the [[feed]] tables to be top-level.
    text = section + MINIMAL if not section.startswith("[") else MINIMAL + section
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}"), message
    assert says in message


# A typo'd key, a wrong type and a bad XPath in each section.
CLI_CASES = [p for p in BAD_SECTIONS if p.id in (
    "database-typo", "database-query-type", "database-mapping-field",
    "html-typo", "html-type", "html-syntax",
)]  # fmt: skip


def cli_args(command: str, config: Path, tmp_path: Path) -> list[str]:
    source = tmp_path / "articles.jsonl"
    source.write_text("", encoding="utf-8")
    return {
        "build": ["build", "-c", str(config), "-o", str(tmp_path / "out")],
        "ingest": ["ingest", "-c", str(config), "--store", str(tmp_path / "s.sqlite"), str(source)],
        "publish": ["publish", "-c", str(config), "--store", str(tmp_path / "s.sqlite"),
                    "-o", str(tmp_path / "out")],
    }[command]  # fmt: skip


@pytest.mark.parametrize(("section", "key", "says"), CLI_CASES)
@pytest.mark.parametrize("command", ["build", "ingest", "publish"])
def test_a_bad_source_section_exits_2_from_every_command(
    tmp_path: Path, command: str, section: str, key: str, says: str
) -> None:
    path = write(tmp_path, MINIMAL + section)
    result = CliRunner().invoke(app, cli_args(command, path, tmp_path))
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "configuration error" in result.output and str(path) in result.output
    assert key.split("] ")[-1] in result.output and says in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "s.sqlite").exists()


def test_the_cli_shows_the_section_of_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '[html_pages]\ntitle = "//h1[["\n')
    result = CliRunner().invoke(app, cli_args("build", path, tmp_path))
    assert f"{path}: [html_pages] title: not a valid XPath" in result.output
