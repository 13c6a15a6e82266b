"""Microsoft FeedSync (Simple Sharing Extensions, ``sx:``) in Atom or RSS feeds:
``sx:sharing`` / ``sx:related`` at feed level, ``sx:sync`` / ``sx:history`` per entry.

``sx:sync`` ids must be unique across the feed (the document keeps those seen).
Messages carry the W3C validator's names (``parent`` is ``sx_history``, ``sx_sync``...).
"""

from __future__ import annotations

from lxml import etree

from .. import markup, values
from ..namespaces import SX as SX_NS
from ..report import Report
from ..tree import line_of as _line
from ..tree import local_name as _local
from . import Ext, Vocabulary

UINT31_MAX = 2**31 - 1
RELATED_TYPES = frozenset(("complete", "aggregated"))


def _check_sx(x: Ext) -> None:
    _FeedSync(x.report, x.doc.sync_ids).check(x.el, x.parent)


class _FeedSync:
    """Checks ``sx:`` elements, given the sync ids the document has seen."""

    def __init__(self, report: Report, sync_ids: set[str]) -> None:
        self.report = report
        self.sync_ids = sync_ids

    def check(self, el: etree._Element, parent: str) -> None:
        """One ``sx:`` element found under ``parent`` (feed, entry, channel, item)."""
        name = _local(el)
        if name == "sharing":
            self.sharing(el, parent)
        elif name == "sync":
            self.sync(el, parent)
        elif name not in ("related", "history", "conflicts"):
            self.report.error(
                "UndefinedElement", element=f"sx:{name}", parent=parent, line=_line(el)
            )

    # -------------------------------------------------------------- feed level

    def sharing(self, el: etree._Element, parent: str) -> None:
        line = _line(el)
        dates: dict[str, object] = {}
        for attr in ("since", "until", "expires"):
            value = el.get(attr)
            if value is not None:
                dates[attr] = values.check_date_rfc3339(
                    self.report, value, element=attr, parent="sx_sharing", line=line
                )
        for present, absent in (("since", "until"), ("until", "since")):
            if present in dates and absent not in dates:
                self.report.error(
                    "MissingAttribute", element="sx:sharing", parent=parent, attr=absent, line=line
                )
        since, until = dates.get("since"), dates.get("until")
        if since is not None and until is not None and since > until:  # type: ignore[operator]
            self.report.error("SinceAfterUntil", element="sx:sharing", parent=parent, line=line)
        for child in el:
            if isinstance(child.tag, str) and child.tag == f"{{{SX_NS}}}related":
                self.related(child)

    def related(self, el: etree._Element) -> None:
        line = _line(el)
        link = self.required(el, "link", "sx:related", "sx_sharing", line)
        if link is not None:
            values.check_uri(
                self.report,
                link,
                element="link",
                parent="sx_related",
                line=line,
                full=True,
                iri=False,
                error="InvalidFullLink",  # the W3C's code here, for non-ASCII too
            )
        kind = self.required(el, "type", "sx:related", "sx_sharing", line)
        if kind is not None and kind not in RELATED_TYPES:
            self.report.error(
                "InvalidSseType", element="type", parent="sx_related", value=kind, line=line
            )
        title = el.get("title")
        if title is not None:
            if not title.strip():
                self.report.warning("NotBlank", element="title", parent="sx_related", line=line)
            markup.check_plain_text(
                self.report, title, element="title", parent="sx_related", line=line
            )

    # -------------------------------------------------------------- entry level

    def sync(self, el: etree._Element, parent: str) -> None:
        line = _line(el)
        sync_id = self.required(el, "id", "sx:sync", parent, line)
        if sync_id is not None:
            self.unique_id(sync_id, line)
        updates = self.required(el, "updates", "sx:sync", parent, line)
        if updates is not None:
            self.positive(updates, "updates", "sx_sync", line)
        for flag in ("deleted", "noconflicts"):
            value = el.get(flag)
            if value is not None and value not in ("true", "false"):
                self.report.error(
                    "InvalidTrueFalse", element=flag, parent="sx_sync", value=value, line=line
                )
        histories = [c for c in el if isinstance(c.tag, str) and c.tag == f"{{{SX_NS}}}history"]
        if not histories:
            self.report.error("MissingElement", element="sx:history", parent="sx_sync", line=line)
        for history in histories:
            self.history(history)

    def history(self, el: etree._Element) -> None:
        line = _line(el)
        sequence = self.required(el, "sequence", "sx:history", "sx_sync", line)
        if sequence is not None:
            self.positive(sequence, "sequence", "sx_history", line)
        when, by = el.get("when"), el.get("by")
        if when is None and by is None:
            self.report.error(
                "MissingByAndWhenAttrs", element="sx:history", parent="sx_sync", line=line
            )
        for attr, value in (("when", when), ("by", by)):
            if value is None and (when, by) != (None, None):
                self.report.warning(
                    "MissingRecommendedAttribute",
                    element="sx:history",
                    parent="sx_sync",
                    attr=attr,
                    line=line,
                )
        if when is not None:
            values.check_date_rfc3339(
                self.report, when, element="when", parent="sx_history", line=line
            )
        if by is not None:
            if not by.strip():
                self.report.warning("NotBlank", element="by", parent="sx_history", line=line)
            markup.check_plain_text(self.report, by, element="by", parent="sx_history", line=line)
            if not values.is_nss(by):
                self.report.error(
                    "InvalidNSS", element="by", parent="sx_history", value=by, line=line
                )

    def unique_id(self, sync_id: str, line: int | None) -> None:
        """An sx:sync id: a namespace-specific string, used once in the document."""
        if not values.is_nss(sync_id):
            self.report.error(
                "InvalidNSS", element="id", parent="sx_sync", value=sync_id, line=line
            )
        elif sync_id in self.sync_ids:
            self.report.error(
                "DuplicateValue", element="id", parent="sx_sync", value=sync_id, line=line
            )
        else:
            self.sync_ids.add(sync_id)

    def required(
        self, el: etree._Element, attr: str, element: str, parent: str, line: int | None
    ) -> str | None:
        """The value of attribute ``attr``; a MissingAttribute error when it is absent."""
        value = el.get(attr)
        if value is None:
            self.report.error(
                "MissingAttribute", element=element, parent=parent, attr=attr, line=line
            )
        return value

    def positive(self, value: str, element: str, parent: str, line: int | None) -> None:
        """A positive 31-bit integer (sequence numbers, update counts)."""
        number = values.check_integer(
            self.report,
            value,
            minimum=1,
            code="InvalidPositiveInteger",
            element=element,
            parent=parent,
            line=line,
        )
        if number is not None and number > UINT31_MAX:
            self.report.error(
                "IntegerOverflow", element=element, parent=parent, value=value, line=line
            )


VOCABULARIES = (Vocabulary(frozenset({SX_NS}), _check_sx),)
