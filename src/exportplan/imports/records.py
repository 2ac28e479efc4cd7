"""Small pieces the record files (companies, programs) share: typed frames, output formats, ISO dates."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from exportplan.errors import ExportPlanError

_ISO = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def typed_frame(frame: pd.DataFrame, dtypes: Mapping[str, str], text: Callable[[object, str], object]) -> pd.DataFrame:
    """``frame``'s columns of ``dtypes`` (in that order) as those dtypes: "string" columns through ``text``
    (value, column) -> text, the others as numbers (blank -> missing)."""
    out = {}
    for col, dtype in dtypes.items():
        values = frame[col]
        if dtype == "string":
            out[col] = pd.array([text(v, col) for v in values.tolist()], dtype="string")
        else:
            out[col] = pd.array(pd.to_numeric(values.astype(object).where(values.notna(), None)), dtype=dtype)
    return pd.DataFrame(out, index=frame.index)


def file_format(path: Path, fmt: str | None, allowed: tuple[str, ...]) -> str:
    """The format to write ``path`` in (``fmt``, else its suffix), one of ``allowed``; else a clear error."""
    name = (fmt or path.suffix.lstrip(".")).lower()
    if name not in allowed:
        raise ExportPlanError(f"Cannot write {path.name}: choose a file name ending in "
                              f"{' or '.join('.' + a for a in allowed)} (or a format: {', '.join(allowed)}).")
    return name


def iso_date(text: str) -> date | None:
    """The date of an ISO date or date-time text ('2024-03-15', '2024-03-15T10:00'); None when it is not one.

    >>> iso_date("2024-03-15T00:00:00"), iso_date("15/03/2024")
    (datetime.date(2024, 3, 15), None)
    """
    match = _ISO.fullmatch(text)
    try:
        return date.fromisoformat(match[1]) if match else None
    except ValueError:
        return None
