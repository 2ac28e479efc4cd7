"""Before a regional trade mission is added: does a state or federal mission already go there then?

The guide asks a regional organization to run missions to the target markets that the state
and federal missions do not cover, and to flag one that duplicates an existing mission
(issue 12, "Trade missions and events"; docs/own-programs.md). :func:`check_mission` compares
a proposed mission with the inventory's dated events (``program_terms.EVENT_COLUMNS``) of
existing state and federal programs.

An event counts as **existing public supply** when its program is in the inventory with
status ``existing`` and its provider's level is state or federal (``PUBLIC_LEVELS``). Events
of regional, local, university, private or non-profit providers, and of proposed programs,
are not compared: they are not the state and federal supply the guide says not to repeat.

An event is reported when all three hold:

- **kind**: a ``trade mission`` (finding "duplicate mission") or a ``trade show`` (finding
  "overlapping trade show", reported separately: a show is a different format, but it draws
  the same companies to the same market at the same time). Training, webinars and other
  events are not compared.
- **country**: the event's ISO3 code is the mission's. An event with a blank country is in
  the U.S. or online and is never the same country as a mission abroad.
- **sector**: the two overlap. A sector is a sector (cluster) name, compared without case,
  or a NAICS prefix of 2 to 6 digits; two prefixes overlap when one starts with the other
  ("336" and "336411"). A name overlaps a prefix when ``sector_codes`` (name -> NAICS
  prefixes, e.g. the workspace's cluster definitions) gives the name a related code. An event
  with a blank sector takes its program's ``sectors`` cell; blank or "all" on either side
  overlaps every sector. Unlike the duplication of services (``program_duplicates``), where
  a federal all-sector service is not duplicated by a regional aerospace program (the regional
  one is a specialisation), an all-sector mission here *does* overlap a sector mission: a
  general state mission to Mexico takes the same companies to the same buyers in the same
  weeks, so a regional automotive mission to Mexico then competes with it for participants
  and meetings.
- **dates**: the two trips' date ranges come within ``window_days`` (default
  :data:`WINDOW_DAYS`, 90) of each other. ``days_apart`` is the number of days from the last
  day of the earlier trip to the first day of the later one (0 when they share days;
  ``overlap_days`` then counts the shared days, both ends included). A missing end date
  means a one-day trip.

Functions are pure: mappings and frames in, a frame out.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pandas as pd

from exportplan.analysis.program_terms import ALL, PUBLIC_LEVELS, split_list
from exportplan.errors import ErrorTable, ExportPlanError

#: Days between two trips within which they are compared (the documented default window).
WINDOW_DAYS = 90
#: What a reported event is, in the order rows are listed; keyed by the event's kind.
FINDINGS = {"trade mission": "duplicate mission", "trade show": "overlapping trade show"}
#: The columns of :func:`check_mission`.
COLUMNS = ("finding", "event_id", "event", "event_kind", "program_id", "program", "provider", "level", "iso3",
           "sector", "start_date", "end_date", "days_apart", "overlap_days", "reason")
EVENT_REQUIRED = ("event_id", "program_id", "kind", "iso3", "start_date")
PROGRAM_REQUIRED = ("program_id", "level", "status")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_NAICS = re.compile(r"^\d{2,6}$")


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _day(value: object) -> pd.Timestamp | None:
    """A YYYY-MM-DD date (or a date/Timestamp) as a day; None when blank or unreadable."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "year"):
        try:
            return pd.Timestamp(value).normalize()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    text = _text(value)
    if not text:
        return None
    stamp = pd.to_datetime(text[:10], errors="coerce", format="%Y-%m-%d")
    return None if pd.isna(stamp) else stamp


def _iso(day: pd.Timestamp) -> str:
    return day.strftime("%Y-%m-%d")


# ---------------------------------------------------------------- the mission
def check_mission_fields(mission: Mapping[str, Any], countries: Collection[str] | None = None
                         ) -> dict[str, Any]:
    """The mission's fields, checked: ``iso3`` (upper case), ``sector`` (entries, [] = all), ``start`` and
    ``end`` (days) and ``name``.

    Raises ImportFailed with one row per problem (column, value, problem, fix): a country that
    is not an ISO3 code (or not in ``countries`` when given), a NAICS prefix that is not 2 to 6
    digits, a start date that is missing or not YYYY-MM-DD, an end date that is unreadable or
    before the start.
    """
    errors = ErrorTable()
    where = {"file": "mission"}
    iso3 = _text(mission.get("iso3")).upper()
    if not _ISO3.match(iso3):
        errors.add("the country is not an ISO3 code", "Give the mission's country as its three-letter ISO3 "
                   "code, e.g. MEX for Mexico.", column="iso3", value=_text(mission.get("iso3")), **where)
    elif countries is not None and iso3 not in {str(c).strip().upper() for c in countries}:
        errors.add(f"{iso3} is not a known country code", "Use the ISO3 code of a country in the workspace's "
                   "country list, e.g. MEX for Mexico.", column="iso3", value=iso3, **where)
    sector = [s for s in split_list(mission.get("sector")) if s.lower() != ALL]
    for entry in sector:
        if entry.isdigit() and not _NAICS.match(entry):
            errors.add(f"the NAICS prefix {entry!r} is not 2 to 6 digits", "Give a NAICS prefix of 2 to 6 "
                       "digits (e.g. 336), a sector name, or 'all'.", column="sector", value=entry, **where)
    start_cell, end_cell = mission.get("start_date"), mission.get("end_date")
    start = _day(start_cell)
    if start is None:
        errors.add("the start date is missing or not a date" if _text(start_cell) else "the start date is missing",
                   "Give the first day as YYYY-MM-DD, e.g. 2026-04-20.", column="start_date",
                   value=_text(start_cell), **where)
    end = _day(end_cell) if _text(end_cell) else start
    if _text(end_cell) and end is None:
        errors.add("the end date is not a date", "Give the last day as YYYY-MM-DD, or leave it blank for a "
                   "one-day trip.", column="end_date", value=_text(end_cell), **where)
    elif start is not None and end is not None and end < start:
        errors.add(f"the end date is before the start date {_iso(start)}", "Give a last day on or after the "
                   "first day.", column="end_date", value=_iso(end), **where)
    errors.raise_if_any("The mission check")
    assert start is not None and end is not None
    return {"iso3": iso3, "sector": sector, "start": start, "end": end, "name": _text(mission.get("name"))}


# ---------------------------------------------------------------- sectors
def _codes(entry: str, sector_codes: Mapping[str, Sequence[str]]) -> set[str]:
    if entry.isdigit():
        return {entry}
    folded = {k.casefold(): v for k, v in sector_codes.items()}
    return {str(c).strip() for c in folded.get(entry.casefold(), ()) if str(c).strip().isdigit()}


def _related_codes(a: set[str], b: set[str]) -> tuple[str, str] | None:
    for x in sorted(a):
        for y in sorted(b):
            if x.startswith(y) or y.startswith(x):
                return x, y
    return None


def sector_overlap(mission: Sequence[str], event: Sequence[str],
                   sector_codes: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """How two sector lists overlap, in words; None when they do not. An empty list is every sector."""
    if not mission and not event:
        return "both are for all sectors"
    if not event:
        return "the existing event is for all sectors"
    if not mission:
        return "the new mission is for all sectors"
    codes = sector_codes or {}
    for x in mission:
        for y in event:
            if x.casefold() == y.casefold():
                return f"both are for {y}"
            pair = _related_codes(_codes(x, codes), _codes(y, codes))
            if pair:
                shown = [f"{s}" if s.isdigit() else f"{s} (NAICS {c})" for s, c in ((x, pair[0]), (y, pair[1]))]
                return f"the sectors are related NAICS codes ({shown[0]} and {shown[1]})"
    return None


# ---------------------------------------------------------------- the inventory's events
def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {what} frame lacks column(s) {', '.join(missing)}; it needs "
                              f"{', '.join(columns)} (see program_terms).")


def public_events(events: pd.DataFrame, programs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The trade missions and shows of existing state and federal programs, with the program's name, provider,
    level and sectors, and their dates read (``start``, ``end``); and notes on what was left out.

    Raises ImportFailed naming the line (as in the events sheet: header = line 1) of such an
    event whose dates cannot be read or end before they start.
    """
    _need(events, EVENT_REQUIRED, "events")
    _need(programs, PROGRAM_REQUIRED, "programs")
    known: dict[str, dict] = {}
    for row in programs.to_dict("records"):
        known.setdefault(_text(row.get("program_id")), row)
    notes: list[str] = []
    errors = ErrorTable()
    rows: list[dict] = []
    unknown = 0
    for position, event in enumerate(events.reset_index(drop=True).to_dict("records")):
        kind = _text(event.get("kind")).casefold()
        if kind not in FINDINGS:
            continue
        program = known.get(_text(event.get("program_id")))
        if program is None:
            unknown += 1
            continue
        level = _text(program.get("level")).casefold()
        if level not in PUBLIC_LEVELS or _text(program.get("status")).casefold() != "existing":
            continue
        where = {"file": "events", "row": position + 2}
        start = _day(event.get("start_date"))
        end = _day(event.get("end_date")) if _text(event.get("end_date")) else start
        eid = _text(event.get("event_id"))
        if start is None:
            errors.add(f"event {eid!r} has no readable start date", "Give the first day as YYYY-MM-DD.",
                       column="start_date", value=_text(event.get("start_date")), **where)
            continue
        if end is None or end < start:
            errors.add(f"event {eid!r} has an end date that is unreadable or before its start",
                       "Give the last day as YYYY-MM-DD, on or after the first day, or leave it blank.",
                       column="end_date", value=_text(event.get("end_date")), **where)
            continue
        sectors = [s for s in split_list(event.get("sector")) if s.lower() != ALL]
        from_program = not sectors and not _text(event.get("sector"))
        if from_program:
            sectors = [s for s in split_list(program.get("sectors")) if s.lower() != ALL]
        rows.append({"event_id": eid, "event": _text(event.get("name")) or eid, "kind": kind,
                     "program_id": _text(program.get("program_id")),
                     "program": _text(program.get("name")) or _text(program.get("program_id")),
                     "provider": _text(program.get("provider_name")) or _text(program.get("provider_id")),
                     "level": level, "iso3": _text(event.get("iso3")).upper(), "sectors": sectors,
                     "sector_from_program": from_program and bool(sectors), "start": start, "end": end})
    errors.raise_if_any("The inventory's events")
    if unknown:
        notes.append(f"{unknown} trade mission(s) or show(s) name a program not in the inventory; left out.")
    return pd.DataFrame(rows), notes


# ---------------------------------------------------------------- the check
def _reason(row: dict, mission: dict, days_apart: int, overlap: int, sector_words: str, window: int) -> str:
    what = "trade mission" if row["kind"] == "trade mission" else "trade show"
    provider = f"{row['provider']}, {row['level']}" if row["provider"] else row["level"]
    if overlap:
        when = f"the dates share {overlap} day(s)"
    else:
        when = f"the trips are {days_apart} day(s) apart, within the {window}-day window"
    source = " (the program's sectors)" if row["sector_from_program"] else ""
    return (f"{row['program']} ({provider}) runs the {what} '{row['event']}' to {row['iso3']} from "
            f"{_iso(row['start'])} to {_iso(row['end'])}; the new mission goes to {mission['iso3']} from "
            f"{_iso(mission['start'])} to {_iso(mission['end'])}: same country, {sector_words}{source}, and {when}.")


def check_mission(mission: Mapping[str, Any], events: pd.DataFrame, programs: pd.DataFrame, *,
                  window_days: int = WINDOW_DAYS, sector_codes: Mapping[str, Sequence[str]] | None = None,
                  countries: Collection[str] | None = None) -> pd.DataFrame:
    """The existing state and federal missions (and trade shows) that a proposed mission would duplicate.

    ``mission``: ``iso3``, ``sector`` (a sector name, a NAICS prefix, ';'-joined, or "all"),
    ``start_date``, ``end_date`` (blank: one day) and optionally ``name``. ``events``: the
    inventory's events sheet; ``programs``: its program rows with their provider's ``level``
    (and ``provider_name``). ``sector_codes`` relates sector names to NAICS prefixes;
    ``countries``, when given, are the ISO3 codes a mission may name.

    One row per reported event (:data:`COLUMNS`), duplicate missions first, then by days
    apart, start date and event id; an empty frame means no duplicate. ``attrs["notes"]``
    states the rule and what was left out. Bad mission fields raise ImportFailed (see
    :func:`check_mission_fields`).
    """
    if int(window_days) != window_days or window_days < 0:
        raise ExportPlanError(f"window_days must be a whole number of days, 0 or more; got {window_days!r}.")
    checked = check_mission_fields(mission, countries)
    found, notes = public_events(events, programs)
    out: list[dict] = []
    for row in found.to_dict("records"):
        if row["iso3"] != checked["iso3"]:
            continue
        words = sector_overlap(checked["sector"], row["sectors"], sector_codes)
        if words is None:
            continue
        overlap = (min(row["end"], checked["end"]) - max(row["start"], checked["start"])).days + 1
        if overlap > 0:
            days_apart = 0
        else:
            days_apart = (max(row["start"], checked["start"]) - min(row["end"], checked["end"])).days
            overlap = 0
        if days_apart > window_days:
            continue
        out.append({"finding": FINDINGS[row["kind"]], "event_id": row["event_id"], "event": row["event"],
                    "event_kind": row["kind"], "program_id": row["program_id"], "program": row["program"],
                    "provider": row["provider"], "level": row["level"], "iso3": row["iso3"],
                    "sector": "; ".join(row["sectors"]) or ALL, "start_date": _iso(row["start"]),
                    "end_date": _iso(row["end"]), "days_apart": days_apart, "overlap_days": overlap,
                    "reason": _reason(row, checked, days_apart, overlap, words, int(window_days))})
    order = list(FINDINGS.values())
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    if len(frame):
        frame = (frame.assign(_order=frame["finding"].map(order.index))
                 .sort_values(["_order", "days_apart", "start_date", "event_id"], kind="stable")
                 .drop(columns="_order").reset_index(drop=True))
    frame["days_apart"] = frame["days_apart"].astype("int64")
    frame["overlap_days"] = frame["overlap_days"].astype("int64")
    frame.attrs["notes"] = [
        f"Compared with the trade missions and shows of existing state and federal programs in {checked['iso3']} "
        f"whose sectors overlap the mission's and whose dates come within {int(window_days)} days of "
        f"{_iso(checked['start'])} to {_iso(checked['end'])} (docs/own-programs.md).", *notes]
    return frame
