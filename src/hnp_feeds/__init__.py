"""hnp-feeds: publish the HNP news portal as Atom, RSS and JSON feeds, and validate them."""

from .errors import ConfigError as ConfigError
from .errors import HnpFeedsError as HnpFeedsError
from .errors import RecordError as RecordError
from .model import Article as Article
from .model import Category as Category
from .model import FeedSpec as FeedSpec
from .model import Image as Image
from .model import Link as Link
from .model import Site as Site

__version__ = "0.1.0"
