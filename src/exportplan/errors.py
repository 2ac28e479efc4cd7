"""Errors that say what to fix.

Every user-facing failure is an :class:`ExportPlanError`. Import failures carry
an :class:`ErrorTable`: one row per problem with the file, row, column, value,
what is wrong and how to fix it. The CLI, the web app and the API show the same
table (one error catalogue).
"""
from __future__ import annotations

from dataclasses import dataclass, field


class ExportPlanError(Exception):
    """An error the user can act on; its message says what to do."""


@dataclass(frozen=True)
class Problem:
    """One problem found in user input."""

    problem: str
    fix: str
    file: str = ""
    row: int | None = None  # 1-based line number in the file (header = line 1)
    column: str = ""
    value: str = ""

    def __str__(self) -> str:
        where = self.file or "input"
        if self.row is not None:
            where += f", line {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        shown = f" (value {self.value!r})" if self.value != "" else ""
        return f"{where}: {self.problem}{shown}. {self.fix}"


@dataclass
class ErrorTable:
    """Problems collected while validating an import (nothing is written if any)."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: str, fix: str, **where) -> None:
        self.problems.append(Problem(problem, fix, **where))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def to_records(self) -> list[dict]:
        return [
            {"file": p.file, "row": p.row, "column": p.column, "value": p.value,
             "problem": p.problem, "fix": p.fix}
            for p in self.problems
        ]

    def raise_if_any(self, what: str = "The import") -> None:
        if self.problems:
            raise ImportFailed(what, self)


class ImportFailed(ExportPlanError):
    """Validation found problems; nothing was written."""

    def __init__(self, what: str, table: ErrorTable, limit: int = 20):
        self.table = table
        lines = [f"{what} failed with {len(table)} problem(s); nothing was written."]
        lines += [f"  - {p}" for p in table.problems[:limit]]
        if len(table) > limit:
            lines.append(f"  ... and {len(table) - limit} more")
        super().__init__("\n".join(lines))


class DownloadError(ExportPlanError):
    """A download failed (offline, not published, timed out, truncated); nothing was cached."""


class ConflictError(ExportPlanError):
    """Someone else changed the record since it was read (optimistic locking); nothing was written.

    ``changed_by`` and ``changed_at`` name the other writer and when they saved;
    ``version`` is the record's version now.
    """

    def __init__(self, message: str, *, changed_by: str = "", changed_at: str = "", version: int | None = None):
        super().__init__(message)
        self.changed_by, self.changed_at, self.version = changed_by, changed_at, version
