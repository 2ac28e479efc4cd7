"""exportplan: build and run a data-driven regional export plan.

The public API is small; everything else lives in modules re-exported here::

    from exportplan import Workspace, build_demo
    ws = build_demo("sample-workspace", force=True)
    ws.industries(level=3)          # pandas DataFrame, sources in .attrs["exportplan"]
    ws.clusters(cluster_type="traded")

Pure analysis functions (frames in, frames out) are in :mod:`exportplan.analysis`;
publisher readers and downloaders in :mod:`exportplan.sources`.
"""
__version__ = "0.1.0"

from .demo.builder import build_demo  # noqa: E402
from .errors import DownloadError, ErrorTable, ExportPlanError, ImportFailed, Problem  # noqa: E402
from .workspace import ImportReport, Workspace  # noqa: E402
from .ws.markets import MarketRanking  # noqa: E402
from .ws.sectors import SectorRanking  # noqa: E402

__all__ = [
    "Workspace", "ImportReport", "build_demo", "SectorRanking", "MarketRanking",
    "ExportPlanError", "ImportFailed", "DownloadError", "ErrorTable", "Problem",
    "__version__",
]
