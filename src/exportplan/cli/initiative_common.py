"""Shared pieces of the ``initiatives`` commands: tables with their notes, NAME=VALUE options, cost-share tiers,
records and rubric files."""
from __future__ import annotations

import json
import math
from pathlib import Path

import click

from ..errors import ExportPlanError
from .main import emit_table, other_notes

#: Money columns, shown with thousands separators.
MONEY = {c: ",.0f" for c in ("cost_usd", "grants_usd", "budget_usd", "export_sales_usd", "cost_per_outcome")}
#: A competition's amounts and the program report's ratio, to the cent.
MONEY.update({c: ",.2f" for c in ("cost", "grant", "award", "budget_left", "budget", "awarded", "left", "amount",
                                  "eligible", "eligible_to_date", "reimbursed", "reimbursed_to_date", "claimable",
                                  "sales_per_grant_dollar")})


def echo_notes(meta: dict | None) -> None:
    for note in other_notes(meta):
        click.echo(f"Note: {note}")


def show_table(frame, *, fmt=None, output=None, columns=None, title=None, max_rows=60) -> None:
    """A service frame with its notes, money columns formatted."""
    meta = frame.attrs.get("exportplan")
    notes = frame.attrs.get("notes", [])
    frame = days(frame)
    shown = columns if columns is None else [c for c in columns if c in frame.columns] or None
    emit_table(frame, fmt=fmt, output=output, meta=meta, columns=shown, title=title, max_rows=max_rows,
               formats={k: v for k, v in MONEY.items() if k in frame.columns})
    echo_notes(meta)
    if not meta:  # a frame straight from the analysis keeps its notes in attrs["notes"]
        for note in notes:
            click.echo(f"Note: {note}")


def days(frame):
    """Date-time columns that hold whole days (a receipt's date) as YYYY-MM-DD text."""
    import pandas as pd

    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            filled = values.dropna()
            if (filled == filled.dt.normalize()).all():
                frame = frame.assign(**{column: values.dt.strftime("%Y-%m-%d").fillna("")})
    return frame


def parse_pairs(values: tuple[str, ...], example: str, what: str) -> dict[str, str]:
    """NAME=VALUE options as a dict (a repeated NAME keeps the last VALUE)."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r}: write NAME=VALUE, e.g. {example}", param_hint=what)
        out[name.strip()] = value.strip()
    return out


def parse_points(values: tuple[str, ...]) -> dict[str, float]:
    """--points CRITERION=POINTS as numbers."""
    out: dict[str, float] = {}
    for name, value in parse_pairs(values, "--points market=8", "--points").items():
        try:
            number = float(value)
        except ValueError:
            raise click.BadParameter(f"{name}={value!r}: the points must be a number, e.g. {name}=7.5",
                                     param_hint="--points") from None
        if math.isnan(number) or math.isinf(number):
            raise click.BadParameter(f"{name}={value!r}: the points must be a number, e.g. {name}=7.5",
                                     param_hint="--points")
        out[name] = number
    return out


def parse_tiers(values: tuple[str, ...]) -> list[list[float | None]]:
    """--tier UP_TO:RATE (UP_TO in dollars, or 'rest'; RATE a share like 0.5 or a percentage like 50%)."""
    tiers: list[list[float | None]] = []
    for item in values:
        up_to, sep, rate = item.partition(":")
        try:
            if not sep:
                raise ValueError
            limit = None if up_to.strip().lower() in ("", "rest") else float(up_to.replace(",", "").replace("$", ""))
            share = rate.strip()
            share_value = float(share[:-1]) / 100 if share.endswith("%") else float(share)
        except ValueError:
            raise click.BadParameter(f"{item!r}: write UP_TO:RATE, e.g. --tier 2500:1.0 --tier 7500:50% "
                                     "(UP_TO 'rest' for everything above the last tier)", param_hint="--tier") from None
        tiers.append([limit, share_value])
    return tiers


def echo_record(record: dict, skip: tuple[str, ...] = ()) -> None:
    """A record's filled fields, one a line."""
    for field, value in record.items():
        if field in skip or value is None or (isinstance(value, float) and math.isnan(value)) or value in ("", [], {}):
            continue
        if isinstance(value, (dict, list, tuple)):
            value = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else "; ".join(map(str, value))
        click.echo(f"{field}: {value}")


def read_table(path: Path, sheet: str | None = None):
    """A CSV or XLSX table (first line: column names) as a frame of strings."""
    from ..imports.reader import read_any

    grid = read_any(path, sheet=sheet)
    header = [str(c).strip().lower() for c in grid.iloc[0]]
    if not any(header):
        raise ExportPlanError(f"{path.name}: the first line must name the columns (key, label, weight, max_points).")
    body = grid.iloc[1:].copy()
    body.columns = header
    return body.loc[:, [c for c in header if c]].reset_index(drop=True)
