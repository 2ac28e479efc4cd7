"""What the main pages show, kept per process while the data and the settings are unchanged.

A page that reads much (the companies list, a company's page, the dashboard's tables) asks
:meth:`Views.get` for its content with a key of what it depends on besides the data (the page,
its arguments, what the user's role lets it show). The content is made once and served again to
every request that comes with the same **version**: the data's change counter
(:func:`exportplan.store.data_version.data_version`, one primary-key read per request, raised by
every transaction that changes the data, in whatever worker or command it ran) and the
workspace settings. When either moves, everything kept is dropped, so a page never shows what it
showed before a change: an edit, an import or a saved setting is seen by the next request, in
every worker.

What is kept must not depend on the user beyond the key (names and CSRF tokens are added by the
templates at each request) nor on the time of day, and callers must treat it as read-only.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from starlette.requests import Request

from ..ws import ranking_cache

#: Contents kept per process at most (the least recently used go first).
MAX_ENTRIES = 1000

_T = TypeVar("_T")


def version(request: Request) -> tuple:
    """The version of the data and the settings this request sees, read once per request."""
    state = request.state
    found = getattr(state, "data_stamp", None)
    if found is None:  # the stamp the rankings' cache checks: (data version, settings)
        found = state.data_stamp = ranking_cache.stamp(state.ws.context)
    return found


class Views:
    """The contents kept, all of one version (see the module's docstring)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = int(max_entries)
        self._stamp: tuple | None = None
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, request: Request, key: Hashable, make: Callable[[], _T]) -> _T:
        """The content for ``key`` at this request's version: kept, or ``make()`` now (and kept when the version
        is still the newest seen). An error in ``make`` keeps nothing."""
        stamp = version(request)
        with self._lock:
            self.misses += 1
            if self._stamp is not None and stamp[0] < self._stamp[0]:  # a request older than what is kept
                older = True
            else:
                older = False
                if self._stamp != stamp:
                    self._stamp = stamp
                    self._items.clear()
                if key in self._items:
                    self._items.move_to_end(key)
                    self.hits, self.misses = self.hits + 1, self.misses - 1
                    return self._items[key]  # type: ignore[return-value]
        value = make()
        if older:
            return value
        with self._lock:
            if self._stamp == stamp:
                self._items[key] = value
                while len(self._items) > self.max_entries:
                    self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._stamp = None

    def __len__(self) -> int:
        return len(self._items)


__all__ = ["Views", "version", "MAX_ENTRIES"]
