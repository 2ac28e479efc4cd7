"""The public edition's disclosure rule: no company can be identified from a table of the plan.

- Company-level columns (names, keys, lists of companies) are dropped.
- A count of companies under ``threshold`` (3) is shown as "<3", and so is
  the share computed from it, so that no single company's stage, county or
  sector can be read off a table.
- When a table's rows add up to a shown total, one suppressed cell could be
  worked out from the others; so in a column with exactly one suppressed
  cell the next smallest count is suppressed too (complementary suppression).
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

SUPPRESSED = "<3"
#: Columns that name companies: never in a public table.
COMPANY_COLUMNS = ("company_id", "companies", "company", "name_key", "gap_companies", "excluded_companies",
                   "contact", "contacts", "email", "phone")


def suppress(frame: pd.DataFrame, counts: Sequence[str], *, shares: Sequence[str] = (), threshold: int = 3,
             company_columns: Sequence[str] = COMPANY_COLUMNS) -> tuple[pd.DataFrame, int]:
    """The frame for the public edition, and how many cells were suppressed.

    ``counts``: columns of company counts; ``shares``: columns computed from them on the
    same row (suppressed with them). Counts of 0 are shown: they identify no company.
    """
    out = frame.drop(columns=[c for c in company_columns if c in frame.columns and c not in counts])
    hidden = pd.Series(False, index=out.index)
    total = 0
    for column in counts:
        if column not in out.columns:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        small = values.gt(0) & values.lt(threshold)
        if int(small.sum()) == 1:  # one hidden cell could be worked out from a total: hide the next smallest
            rest = values.where(~small & values.gt(0))
            if rest.notna().any():
                small |= values.index == rest.idxmin()
        if small.any():
            out[column] = out[column].astype(object).where(~small, SUPPRESSED)
            hidden |= small
            total += int(small.sum())
    for column in shares:
        if column in out.columns and hidden.any():
            out[column] = out[column].astype(object).where(~hidden, SUPPRESSED)
    return out, total


__all__ = ["COMPANY_COLUMNS", "SUPPRESSED", "suppress"]
