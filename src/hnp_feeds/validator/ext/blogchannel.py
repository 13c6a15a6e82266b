"""UserLand's blogChannel module (``blogChannel:blogRoll`` ...): URLs."""

from __future__ import annotations

from ..namespaces import BLOGCHANNEL
from . import Ext, Vocabulary


def _check_blog_channel(x: Ext) -> None:
    if x.local in ("blink", "blogRoll", "mySubscriptions", "changes"):
        x.full_url()
    else:
        x.undefined()


VOCABULARIES = (
    Vocabulary(
        frozenset({BLOGCHANNEL}),
        _check_blog_channel,
        feed_once=frozenset(
            {
                "blogChannel:blink",
                "blogChannel:blogRoll",
                "blogChannel:mySubscriptions",
                "blogChannel:changes",
            }
        ),
        text_only=True,
    ),
)
