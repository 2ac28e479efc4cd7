"""Long lists in messages: a count by default, every item with ``--verbose``.

Notes such as the aggregates a World Bank file holds (48 of them) or the
names that could not be mapped drown what matters. :func:`long_list` keeps a
short list as it is and turns a long one into a count, unless the user asked
for everything (``exportplan --verbose ...``, or :func:`set_verbose` in Python).

>>> long_list(["Chad", "Mali"])
'Chad, Mali'
>>> long_list([f"A{i}" for i in range(12)])
'12 (--verbose lists them)'
"""
from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar

#: Lists up to this long are always printed in full.
SHORT = 8
# A context variable, not a global: each thread or task (a web request) has its own switch.
_VERBOSE: ContextVar[bool] = ContextVar("exportplan_verbose", default=False)


def set_verbose(on: bool = True) -> None:
    """Print long lists in full from now on, in this thread or task (the CLI's global --verbose)."""
    _VERBOSE.set(bool(on))


def is_verbose() -> bool:
    return _VERBOSE.get()


def long_list(items: Iterable[object], *, short: int = SHORT, sep: str = ", ") -> str:
    """The items joined, or their count and '(--verbose lists them)' when longer than ``short``."""
    items = [str(i) for i in items]
    if len(items) <= short or _VERBOSE.get():
        return sep.join(items)
    return f"{len(items)} (--verbose lists them)"
