"""The unit of work every workspace service runs in: store, settings, region, acting user, clock.

A :class:`Context` is what a service may know about the world. The
:class:`~exportplan.workspace.Workspace` builds one when a workspace is opened;
a web worker builds one per request with :meth:`Context.for_request`, which
copies the settings, so two requests never share anything mutable (the
store's connection pool is safe to share between threads).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from .. import config as cfg
from ..store.db import Store, now_utc


@dataclass(frozen=True)
class Region:
    """The region a workspace plans for, as its settings give it."""

    name: str
    counties: tuple[str, ...]
    reference_area: str
    cbsa: str = ""
    state: str = ""
    centre: tuple[float, ...] = ()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Region":
        region = config["region"]
        return cls(name=config["workspace"]["name"], counties=tuple(region["counties"]),
                   reference_area=region["reference_area"], cbsa=str(region.get("cbsa") or ""),
                   state=str(region.get("state") or ""), centre=tuple(region.get("centre") or ()))


@dataclass
class Context:
    """Store, settings (the ``exportplan.toml`` dict), acting user and clock of one unit of work."""

    path: Path
    config: dict[str, Any]
    store: Store
    #: who acts (for the audit log); '' for the local single user of the CLI
    user: str = ""
    #: the current time as ISO-8601 UTC text; tests may pass a fixed clock
    clock: Callable[[], str] = field(default=now_utc)

    def for_request(self, *, user: str | None = None, clock: Callable[[], str] | None = None) -> "Context":
        """A context for one request: same store, its own copy of the settings."""
        return replace(self, config=copy.deepcopy(self.config), user=self.user if user is None else user,
                       clock=clock or self.clock)

    @property
    def region(self) -> Region:
        return Region.from_config(self.config)

    @property
    def name(self) -> str:
        return self.config["workspace"]["name"]

    @property
    def counties(self) -> list[str]:
        return list(self.config["region"]["counties"])

    @property
    def reference_area(self) -> str:
        return self.config["region"]["reference_area"]

    @property
    def is_sample(self) -> bool:
        return bool(self.config["workspace"].get("sample_data"))

    @property
    def cache_dir(self) -> Path:
        configured = self.config["analysis"].get("cache_dir")
        return Path(configured) if configured else self.path / ".cache"

    def setting(self, name: str):
        """A setting by its dotted name (``analysis.window``); None when unset."""
        section, key = name.split(".", 1)
        return self.config.get(section, {}).get(key)

    def save_config(self) -> None:
        cfg.save(self.path, self.config)


class Service:
    """Base of the workspace's services: one per domain, each in its own module.

    A service reads and writes through its context (``self.ctx``) and reaches
    the other services only through their public methods
    (``self.ws.regional.years()``); ``tests/test_layering.py`` checks that no
    service touches another's private names.
    """

    def __init__(self, ws):
        self.ws = ws

    @property
    def ctx(self) -> Context:
        return self.ws.context
