"""What the adapters log about their repairs (a mis-encoded text fixed, a date read in
the portal's form), caught for the run's result instead of printed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from . import ADAPTER_LOG


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def repairs_into(sink: list[str]) -> Iterator[None]:
    """Route what the adapters log about their repairs into ``sink`` (and only there)."""
    logger = logging.getLogger(ADAPTER_LOG)
    handler, propagate = _ListHandler(sink), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
