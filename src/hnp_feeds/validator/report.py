"""What the validator says: messages named like the W3C Feed Validation Service's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "info"]


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

    def add(
        self,
        level: Level,
        code: str,
        *,
        line: int | None = None,
        column: int | None = None,
        **params: str | None,
    ) -> None:
        kept = {k: str(v) for k, v in params.items() if v is not None}
        self.messages.append(Message(level, code, kept, line, column))

    def error(self, code: str, **kw: str | int | None) -> None:
        self._add_kw("error", code, kw)

    def warning(self, code: str, **kw: str | int | None) -> None:
        self._add_kw("warning", code, kw)

    def info(self, code: str, **kw: str | int | None) -> None:
        self._add_kw("info", code, kw)

    def _add_kw(self, level: Level, code: str, kw: dict[str, str | int | None]) -> None:
        line = kw.pop("line", None)
        column = kw.pop("column", None)
        params = {k: str(v) for k, v in kw.items() if v is not None}
        self.messages.append(
            Message(
                level,
                code,
                params,
                int(line) if line is not None else None,
                int(column) if column is not None else None,
            )
        )

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
