"""What the alternatives are scored on: :class:`Criterion` and the named value formats.

A criterion names a column of the score matrix, says whether more is better
(``direction``), how the raw values are transformed before normalizing
(``transform``), which of the guide's criteria or factors it belongs to
(``group``) and how a raw value reads in reasons (``fmt``, see
:data:`FORMATS`). :mod:`exportplan.analysis.scoring` ranks alternatives on
them and re-exports every name here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from exportplan.errors import ExportPlanError

DIRECTIONS = ("benefit", "cost")
TRANSFORMS = ("none", "log")

#: Named value formats for reasons; any ``str.format`` spec or a callable also works.
FORMATS: dict[str, str] = {
    "number": "{:,.2f}",
    "int": "{:,.0f}",
    "percent": "{:.1%}",   # a share given as a fraction: 0.123 -> 12.3%
    "change": "{:+.1%}",   # a growth rate given as a fraction: 0.12 -> +12.0%
    "money": "${:,.0f}",
    "flag": "",            # yes/no: the label when true, "<label>: no" when false
}


@dataclass(frozen=True)
class Criterion:
    """One measure the alternatives are scored on.

    ``key`` names the matrix column; ``label`` is shown to people; ``direction``
    is ``'benefit'`` (more is better) or ``'cost'`` (less is better); ``unit``
    and ``source`` (publisher + vintage) document the figure; ``transform`` is
    ``'none'`` or ``'log'`` (``log1p``, for non-negative heavy-tailed values);
    ``group`` is the guide's criterion or factor the measure belongs to
    (several measures may share one group); ``fmt`` formats a raw value in
    reasons: a name in :data:`FORMATS`, a ``str.format`` spec such as
    ``"{:.1f} km"``, or a callable ``float -> str``.
    """

    key: str
    label: str = ""
    direction: str = "benefit"
    unit: str = ""
    source: str = ""
    transform: str = "none"
    description: str = ""
    group: str = ""
    fmt: str | Callable[[float], str] = "number"

    def __post_init__(self) -> None:
        if not self.key:
            raise ExportPlanError("A criterion has an empty key. Give every criterion a short key, e.g. 'lq'.")
        if self.direction not in DIRECTIONS:
            raise ExportPlanError(
                f"Criterion '{self.key}': direction {self.direction!r} is not one of {DIRECTIONS}. "
                "Use 'benefit' when more is better and 'cost' when less is better.")
        if self.transform not in TRANSFORMS:
            raise ExportPlanError(
                f"Criterion '{self.key}': transform {self.transform!r} is not one of {TRANSFORMS}.")
        if not self.label:
            object.__setattr__(self, "label", self.key)

    @property
    def is_flag(self) -> bool:
        return self.fmt == "flag"

    def format_value(self, value: float) -> str:
        """The raw value as text, with this criterion's format."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "no data"
        if callable(self.fmt):
            return self.fmt(value)
        if self.is_flag:
            return "yes" if value else "no"
        spec = FORMATS.get(self.fmt, self.fmt)
        return spec.format(value)

    def describe(self, value: float) -> str:
        """``"<label> <value>"`` for reasons, e.g. ``"LQ 3.10"``; flags read as the label when true."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return f"{self.label}: no data"
        if self.is_flag:
            return self.label if value else f"{self.label}: no"
        return f"{self.label} {self.format_value(value)}"
