"""A per-process cache of the rankings' inputs, checked against the data's version on every call.

Changing a weight on the sector or market ranking page re-ranks the same
data: only the scoring, the reasons and the robustness check depend on the
weights. Reading and building the inputs (the stored country data and
exports, the market matrix of a sector and year, the QCEW measures of the
clusters or industries, the user tables, the withheld cells' draws) takes
most of a ranking's time, so the services keep them here and reuse them
while nothing they rest on has changed.

Correctness comes from the stamp, taken on every call before anything is
read: the stored data's version (:func:`exportplan.store.data_version.data_version`:
the change counter that every transaction changing data raises, so every
import, download and company edit, in any process) and the workspace settings (all
of them, so a setting that changes the inputs, e.g. the region's centre,
the priority sectors or the saved sector weights the market ranking's
priority sectors come from, starts afresh). An entry is returned only to a
call that took the same stamp; an import between two calls changes the
stamp, so a ranking after an import never uses the inputs from before it.

The cache lives in the process (each web worker has its own) and is keyed
by the workspace's :class:`~exportplan.store.db.Store`, which every request's
copy of the workspace shares (``Workspace.for_request``); it is dropped with
the store. Several threads may ask at once: one builds a missing entry while
the others asking for it wait, and no entry is stored under a stamp the data
have since moved past. Callers must treat what they get as read-only.
"""
from __future__ import annotations

import json
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from ..store.data_version import data_version
from .context import Context

#: Entries kept per workspace (a sector ranking and a few market views, per year and seed).
MAX_ENTRIES = 24

_T = TypeVar("_T")


class _Entries:
    """One store's entries, the stamp they were built under, and a lock per key being built."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple | None = None
        self.items: OrderedDict[Hashable, object] = OrderedDict()
        self.building: dict[Hashable, threading.Lock] = {}


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _reset_after_fork() -> None:
    """A forked worker starts with an empty cache and fresh locks (a lock held in the parent stays held)."""
    global _caches, _caches_lock
    _caches = weakref.WeakKeyDictionary()
    _caches_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _entries(store) -> _Entries:
    with _caches_lock:
        found = _caches.get(store)
        if found is None:
            found = _caches[store] = _Entries()
        return found


def stamp(ctx: Context) -> tuple:
    """The version of everything a ranking's inputs rest on: the stored data and the settings."""
    settings = json.dumps(ctx.config, sort_keys=True, default=str)
    return data_version(ctx.store), settings


def cached(ctx: Context, key: Hashable, build: Callable[[], _T]) -> _T:
    """``build()``'s value for ``key``, reused while the workspace's data and settings are unchanged.

    A failing ``build`` stores nothing (its error reaches the caller every time).
    """
    current = stamp(ctx)
    entries = _entries(ctx.store)
    with entries.lock:
        if entries.stamp != current:
            entries.stamp = current
            entries.items.clear()
        if key in entries.items:
            entries.items.move_to_end(key)
            return entries.items[key]  # type: ignore[return-value]
        gate = entries.building.setdefault(key, threading.Lock())
    with gate:  # one thread builds a key; the others wait for it and take its value
        with entries.lock:
            if entries.stamp == current and key in entries.items:
                return entries.items[key]  # type: ignore[return-value]
        value = build()
        with entries.lock:
            if entries.stamp == current:  # else the data moved on while building: keep it out of the cache
                entries.items[key] = value
                while len(entries.items) > MAX_ENTRIES:
                    entries.items.popitem(last=False)
            if entries.building.get(key) is gate:
                del entries.building[key]
    return value


def clear(ctx: Context | None = None) -> None:
    """Forget the cached inputs of one workspace (``ctx``), or of every workspace in this process."""
    with _caches_lock:
        if ctx is None:
            _caches.clear()
        else:
            _caches.pop(ctx.store, None)


__all__ = ["MAX_ENTRIES", "cached", "clear", "stamp"]
