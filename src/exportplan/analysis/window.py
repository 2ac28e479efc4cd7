"""The analysis window: the one pair of years every growth measure uses (methods.md, "The growth window").

Pure functions. The years loaded are given as ``{year: {period, ...}}`` maps,
one for the region's counties and one for the reference area, with the
period labels of :func:`exportplan.analysis.industry.annual_rows` ('annual',
or 'average of Q1 (wages x4)' for a year with quarterly rows only). A year
counts as loaded for both when the reference has it in a period the region
has too: a U.S. Q1 file does not complete an annual county year.

Rule: ``end`` is the latest such year; ``start = end - window``, or the
nearest later year loaded for the region's counties when that year is
missing (said in a warning); none when no loaded year lies between. A window of one year, or one that
starts or ends in 2020 (the pandemic year distorts growth), carries a warning.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PANDEMIC_YEAR = 2020
METHODS_REF = 'methods.md, "The growth window"'


@dataclass(frozen=True)
class AnalysisWindow:
    """The growth window: ``start`` and ``end`` years (None when there is none), the years loaded
    for both region and reference, the warnings and a one-line ``text`` for table notes.

    ``reference_missing`` is True when the reference has no year (in the region's period) in
    common with the region: ``end`` is then the region's latest year and LQs cannot be computed.
    """

    start: int | None
    end: int | None
    years: tuple[int, ...] = ()
    warnings: list[str] = field(default_factory=list)
    text: str = ""
    window: int = 5
    reference_missing: bool = False

    @property
    def notes(self) -> list[str]:
        """The text and its warnings, for a table's notes."""
        return [self.text] + [f"Warning: {w}" for w in self.warnings]


def period_label(quarters: Iterable[str]) -> str:
    """The period of an area-year from its qtr values: 'annual' when 'A' is among them, else
    the label annual_rows gives averaged quarters ('average of Q1,Q2 (wages x4)')."""
    qs = sorted({str(q).strip().upper() for q in quarters if q is not None})
    if "A" in qs or not qs:
        return "annual"
    return "average of Q" + ",Q".join(qs) + " (wages x4)"


def common_years(region: Mapping[int, set[str]], reference: Mapping[int, set[str]]) -> list[int]:
    """Years the region has and the reference has in one of the region's periods, ascending."""
    return sorted(int(y) for y, periods in region.items()
                  if periods and set(reference.get(y, set())) & set(periods))


def analysis_window(region: Mapping[int, set[str]], reference: Mapping[int, set[str]], window: int, *,
                    end: int | None = None, reference_name: str = "the reference area",
                    workspace: str = "DIR") -> AnalysisWindow:
    """Resolve the growth window from the years loaded (module docstring).

    ``end`` forces the end year (an explicit ``--year``); the start follows
    the same rule. Without a common year the window runs over the region's
    own years and ``reference_missing`` is set.
    """
    window = int(window)
    if window < 1:
        from ..errors import ExportPlanError

        raise ExportPlanError(f"analysis.window is {window}; set it to a whole number of years, at least 1 "
                              "(e.g. 'exportplan -w DIR config set analysis.window 5').")
    own = sorted(int(y) for y, p in region.items() if p)
    both = common_years(region, reference)
    missing = not both
    years = both or own
    warnings: list[str] = []
    if not years:
        return AnalysisWindow(None, None, (), [], "No QCEW year loaded: no growth window.", window, missing)
    basis = f"latest year loaded for both the region and {reference_name}"
    if end is None:
        end = years[-1]
        if missing:
            basis = f"latest year of the region's counties, for which {reference_name} has no data"
    else:
        end = int(end)
        basis = "year asked for"
    target = end - window
    later = [y for y in own if target <= y < end]  # the region's own years: its growth needs no reference
    start = later[0] if later else None
    if start is None:
        warnings.append(f"no loaded year from {target} to {end - 1}: no growth is computed; load {target} "
                        f"(e.g. 'exportplan -w {workspace} fetch qcew --years {target}').")
    elif start != target:
        warnings.append(f"{target} is not loaded, so growth starts in {start}, the nearest later year "
                        f"({end - start} years instead of {window}); load {target} for the full window.")
    if start is not None and not missing and start not in both:
        warnings.append(f"{reference_name} has no data for {start} in the region's period: growth against it "
                        f"(reference growth, shift-share) is blank; load {start} for it.")
    if start is not None and end - start == 1:
        warnings.append("the window is one year: growth over a single year is noisy.")
    if PANDEMIC_YEAR in (start, end):
        warnings.append(f"the window {'starts' if start == PANDEMIC_YEAR else 'ends'} in {PANDEMIC_YEAR}: the "
                        "pandemic year distorts growth; load other years, or choose the years explicitly.")
    span = f"Growth window {start}-{end}" if start is not None else f"No growth window ending {end}"
    text = f"{span} (end = {basis}; start = end - {window} years; {METHODS_REF})."
    return AnalysisWindow(start, end, tuple(years), warnings, text, window, missing)


__all__ = ["AnalysisWindow", "PANDEMIC_YEAR", "analysis_window", "common_years", "period_label"]
