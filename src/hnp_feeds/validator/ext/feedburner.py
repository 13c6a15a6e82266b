"""FeedBurner's additions: original links, the awareness API, flares."""

from __future__ import annotations

from .. import values
from ..namespaces import FEEDBURNER
from . import Ext, Vocabulary


def _check_feedburner(x: Ext) -> None:
    """FeedBurner's additions: original links, awareness API, flares."""
    if x.local in ("awareness", "origLink", "origEnclosureLink", "feedburnerHostname"):
        x.full_url()
    elif x.local in ("browserFriendly", "feedFlare"):
        x.plain()
    if x.local == "feedFlare":
        for attr in ("href", "src"):
            value = x.el.get(attr)
            if value is None:
                continue
            where = x.at(attr, x.name.replace(":", "_"))
            if values.check_uri(x.report, value.strip(), iri=False, **where) and not (
                values.is_absolute(value)
            ):
                values.log(x.report, "warning", "ContainsRelRef", where, value=value)


VOCABULARIES = (
    Vocabulary(
        frozenset({FEEDBURNER}),
        _check_feedburner,
        feed_once=frozenset(
            {
                "feedburner:awareness",
                "feedburner:browserFriendly",
                "feedburner:emailServiceId",
                "feedburner:feedburnerHostname",
            }
        ),
        entry_once=frozenset(
            {"feedburner:awareness", "feedburner:origLink", "feedburner:origEnclosureLink"}
        ),
    ),
)
