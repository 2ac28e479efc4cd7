"""exportplan: build and run a data-driven regional export plan.

The public API is small; everything else lives in modules re-exported here::

    from exportplan import Workspace, build_demo
    ws = build_demo("sample-workspace", force=True)
    ws.industries(level=3)          # pandas DataFrame, sources in .attrs["exportplan"]
    ws.clusters(cluster_type="traded")

Pure analysis functions (frames in, frames out) are in :mod:`exportplan.analysis`;
publisher readers and downloaders in :mod:`exportplan.sources`.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

from .errors import DownloadError, ErrorTable, ExportPlanError, ImportFailed, Problem  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover - for type checkers; at run time __getattr__ imports them
    from .demo.builder import build_demo
    from .workspace import ImportReport, Workspace
    from .ws.markets import MarketRanking
    from .ws.sectors import SectorRanking

#: Names imported on first use (PEP 562), so that ``import exportplan`` (and the CLI's
#: ``--help``/``--version``) does not load pandas, polars and the workspace: name -> module.
_LAZY = {
    "Workspace": ".workspace", "ImportReport": ".workspace", "build_demo": ".demo.builder",
    "MarketRanking": ".ws.markets", "SectorRanking": ".ws.sectors",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "Workspace", "ImportReport", "build_demo", "SectorRanking", "MarketRanking",
    "ExportPlanError", "ImportFailed", "DownloadError", "ErrorTable", "Problem",
    "__version__",
]
