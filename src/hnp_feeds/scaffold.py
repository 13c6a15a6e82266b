"""``hnp-feeds init``: a commented hnp-feeds.toml for a new portal, from the template in
``data/new-portal/``, checked by ``config`` before it is written (it always loads)."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from .config import PACKAGE_DATA, parse_config
from .errors import ConfigError

CATALOGUE_NAME = "hnp-feeds.toml"


def new_catalogue(
    path: Path,
    *,
    title: str = "Báo của bạn",
    base_url: str = "https://bao.example.vn/",
    description: str = "",
    today: date | None = None,
) -> Path:
    """Write a new catalogue at ``path`` (a directory gets ``hnp-feeds.toml`` in it) for a
    portal at ``base_url``: feeds under ``<base_url>feeds/``, entry ids under its domain
    from ``today``.  Never overwrites a file.  Returns the path written."""
    target = path / CATALOGUE_NAME if path.is_dir() else path
    if target.exists():
        raise ConfigError(f"{target}: already exists; not overwritten")
    base = base_url if base_url.endswith("/") else base_url + "/"
    host = urlsplit(base).hostname or ""
    values = {
        "title": title,
        "description": description or f"Tin tức của {title}",
        "base_url": base,
        "feeds_url": base + "feeds/",
        "tag_authority": host,
        "tag_date": (today or date.today()).isoformat(),
    }
    text = _template().substitute({name: _toml_string(value) for name, value in values.items()})
    parse_config(tomllib.loads(text), target)  # what it writes loads, or nothing is written
    try:
        with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(text)
    except FileExistsError:
        raise ConfigError(f"{target}: already exists; not overwritten") from None
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write it: {exc.strerror or exc}") from None
    return target


def _template() -> Template:
    source = PACKAGE_DATA / "new-portal" / CATALOGUE_NAME
    return Template(source.read_text(encoding="utf-8"))


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's); control characters refused."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ConfigError(f"{value!r}: control characters are not allowed")
    return json.dumps(value, ensure_ascii=False)
