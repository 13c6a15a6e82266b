"""A feedgen ``FeedEntry``'s fields given as its own setters leave them, without their
checks: ``author``, ``link``, ``enclosure`` and ``category`` run feedgen's
``ensure_format`` over every dict at each call (key sets built and compared, defaults
copied in), a fifth of what feedgen takes to write an entry; what the writers give them
is made here, of known keys.  feedgen still writes every entry (``atom_entry``,
``rss_entry``) from these fields.

For feedgen 1.0.0 (pinned in pyproject.toml), whose fields are name-mangled private
attributes: tests/test_writers_fragments.py
(``test_entries_given_their_fields_directly_are_the_entries_feedgen_s_setters_give``)
writes random articles both ways, through the setters and through ``put``, and compares
the entries' bytes."""

from __future__ import annotations

from typing import Any

#: The prefix of a ``FeedEntry`` field's attribute (``self.__atom_link`` in its class).
_FIELD = "_FeedEntry__"


def put(entry: Any, **fields: Any) -> None:
    """Set these fields of ``entry`` (``atom_link=[...]`` is its ``__atom_link``)."""
    state = entry.__dict__
    for name, value in fields.items():
        state[_FIELD + name] = value
