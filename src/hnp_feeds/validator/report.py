"""What the validator says: messages named like the W3C Feed Validation Service's, at most
``max_messages`` of them (the rest counted), within a time budget per document."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "info"]

# A document of a million small faults must not cost gigabytes of messages (issue 15).
DEFAULT_MAX_MESSAGES = 1000
# Seconds one document may take; checked between elements and values (issue 15).
DEFAULT_TIME_BUDGET = 5.0


class OutOfTime(Exception):
    """The document's time budget ran out (caught by ``validate``, never seen outside)."""


_deadline: ContextVar[float] = ContextVar("validator_deadline", default=math.inf)


def tick() -> None:
    """Raise OutOfTime once the current document's budget is spent."""
    deadline = _deadline.get()
    if deadline != math.inf and time.monotonic() > deadline:  # no clock without a budget
        raise OutOfTime


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Checks inside the block share one deadline, ``seconds`` from now (None: none)."""
    token = _deadline.set(math.inf if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _printable(value: object) -> str:
    """``value`` as text any output can carry: a lone surrogate (JSON allows "\\ud800")
    is written as its escape, not left to crash a print or a JSON encoder (issue 15)."""
    text = str(value)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


@dataclass(frozen=True)
class Message:
    """One finding.  ``code`` is the W3C class name where that validator has the same
    fault (``InvalidRFC3339Date``), or one of ours in the same style (``OffsetNotLocal``).
    ``params`` holds ``element``, ``parent``, ``attr``, ``value`` where they apply."""

    level: Level
    code: str
    params: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "code": self.code,
            "params": dict(self.params),
            "line": self.line,
            "column": self.column,
        }


@dataclass
class Report:
    """Every message about one document, in document order, and its detected format."""

    format: str = "unknown"
    messages: list[Message] = field(default_factory=list)
    max_messages: int = DEFAULT_MAX_MESSAGES
    # messages past max_messages, by level: counted, not kept
    dropped: Counter[str] = field(default_factory=Counter)
    # every code said so far, kept or counted
    said: set[str] = field(default_factory=set)

    def append(self, message: Message) -> None:
        """Keep ``message``, or count it once ``max_messages`` are kept."""
        self.said.add(message.code)
        if len(self.messages) < self.max_messages:
            self.messages.append(message)
        else:
            self.dropped[message.level] += 1
            tick()

    def close(self) -> None:
        """Say how many messages were left out (TooManyMessages, at the gravest level
        among them, so ``ok`` stays true to the document)."""
        if not self.dropped:
            return
        count = sum(self.dropped.values())
        level: Level = next(lv for lv in ("error", "warning", "info") if self.dropped[lv])
        self.messages.append(
            Message(
                level,
                "TooManyMessages",
                {
                    "value": str(count),
                    "reason": f"{count} more messages not listed (at most "
                    f"{self.max_messages} are kept)",
                },
            )
        )
        self.dropped.clear()

    def add(
        self,
        level: Level,
        code: str,
        *,
        line: int | None = None,
        column: int | None = None,
        **params: str | None,
    ) -> None:
        kept = {k: _printable(v) for k, v in params.items() if v is not None}
        self.append(Message(level, code, kept, line, column))

    def error(self, code: str, **kw: str | int | None) -> None:
        self._add_kw("error", code, kw)

    def warning(self, code: str, **kw: str | int | None) -> None:
        self._add_kw("warning", code, kw)

    def info(self, code: str, **kw: str | int | None) -> None:
        self._add_kw("info", code, kw)

    def _add_kw(self, level: Level, code: str, kw: dict[str, str | int | None]) -> None:
        if len(self.messages) >= self.max_messages:  # counted only: nothing to build
            self.said.add(code)
            self.dropped[level] += 1
            tick()
            return
        line = kw.pop("line", None)
        column = kw.pop("column", None)
        params = {k: _printable(v) for k, v in kw.items() if v is not None}
        self.append(
            Message(
                level,
                code,
                params,
                int(line) if line is not None else None,
                int(column) if column is not None else None,
            )
        )

    @property
    def count(self) -> int:
        """Messages so far, those counted past the cap included."""
        return len(self.messages) + sum(self.dropped.values())

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.level == "warning"]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def codes(self, level: Level | None = None) -> set[str]:
        return {m.code for m in self.messages if level is None or m.level == level}
