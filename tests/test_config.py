"""hnp-feeds.toml -> Catalogue: defaults, declared feeds, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnp_feeds.config import bundled_config_path, load_config
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


def test_paths_in_the_file_are_relative_to_it_defaults_to_the_working_directory(
    tmp_path: Path,
) -> None:
    defaults = load_config(write(tmp_path, MINIMAL))
    assert defaults.store_path == Path("var/hnp-feeds.sqlite")
    assert defaults.out_dir == Path("feeds")
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
    assert catalogue.database["query"].startswith("SELECT")
