"""The U.S. Export Assistance Centers: ITA's office list, read into program-inventory providers.

Layout read (a CSV, or a workbook of the same columns): the ITA / U.S.
Commercial Service Office of Domestic Operations office list as kept in a
fixture of ITA's trade.gov API (``GovWizely/webservices``,
``spec/fixtures/ita_office_locations/odo.xml``) and converted to CSV with the
columns ``post, office_name, ctr_number, state_abbr, state_name, phone,
post_type, status, address``; the address's lines are joined by ``" | "``,
the last one often the office's web page. The list is circa 2015 and has no
date of its own: many offices have since moved or closed.

:func:`read_useac_offices` returns one provider row per office, in the
columns of ``program_terms.PROVIDER_COLUMNS`` plus ``origin`` (``offices``):

- ``provider_id``: ``useac-<ctr_number>`` (lower case); the list gives two DC
  offices the same number, so a number used by several rows gets the office's
  post as a suffix (``useac-1140-odo-das``);
- ``level`` federal, ``type`` "U.S. Export Assistance Center", ``states`` the
  postal code (blank for the one headquarters unit without a state: the
  blank means nationwide), ``geography`` the state's name;
- ``address`` the lines without the web address, ``url`` the web address
  found (``www.`` given ``http://``), ``phone`` as listed ("VACANT" dropped);
- ``last_verified`` blank (the list has no date; the facts are shown as not
  verified), and ``evidence``/``note`` saying so.

A file that is empty, not a table, lacks a column, or has a state code that
is not a U.S. postal code (or a state name that is not that code's) is an
:class:`~exportplan.errors.ImportFailed` with every problem in its
:class:`~exportplan.errors.ErrorTable`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from exportplan.analysis.program_terms import PROVIDER_COLUMNS, split_list
from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.imports.cells import choice_key, clean_text, normalize_header
from exportplan.imports.guard import checked_lines
from exportplan.imports.program_sheets import state_code, us_states
from exportplan.sources.countries import SourceReport, file_provenance

PUBLISHER = "International Trade Administration (ITA), U.S. Commercial Service, Office of Domestic Operations"
DATASET = "U.S. Export Assistance Center office list (circa 2015)"
URL = ("https://github.com/GovWizely/webservices/blob/0d5df841c9eff1b0c5afb8eac2b5dce49438cb72/"
       "spec/fixtures/ita_office_locations/odo.xml")
LAYOUT = "ita-odo-offices"
TYPE = "U.S. Export Assistance Center"
COLUMNS = ("post", "office_name", "ctr_number", "state_abbr", "state_name", "phone", "post_type", "status", "address")
REQUIRED = ("office_name", "ctr_number", "state_abbr", "address")
OUT_COLUMNS = PROVIDER_COLUMNS + ("origin",)
EVIDENCE = ("ITA Office of Domestic Operations office list (odo.xml in the trade.gov API's fixtures), circa 2015; "
            "the list has no date of its own")
NOTE = ("Office list circa 2015 (per the publisher's fixture): check that the office is still open at this "
        "address before referring a company.")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_FIX = "The office list needs the columns " + ", ".join(COLUMNS) + " (the layout of ITA's office list)."


def read_useac_offices(path: str | Path, *, source_url: str = URL) -> tuple[pd.DataFrame, SourceReport]:
    """The offices of the list at ``path`` as provider rows, and the file's provenance; see the module docstring.

    ``source_url`` is where the list was read from (each row's ``source_url``).
    """
    path = Path(path)
    label = path.name
    rows = _rows(path, label)
    errors = ErrorTable()
    header_line, header = rows[0]
    positions = {normalize_header(c): i for i, c in reversed(list(enumerate(header)))}
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        errors.add(f"missing column(s) {', '.join(missing)} (found: {', '.join(c for c in header if c)})", _FIX,
                   file=label, row=header_line, column=", ".join(missing))
        errors.raise_if_any(f"Reading the office list {label}")
    body = [(line, cells) for line, cells in rows[1:] if any(c.strip() for c in cells)]
    if not body:
        errors.add("the list has a header but no offices", "Import the complete office list.", file=label,
                   row=header_line)
    records = [_record(line, {c: _cell(cells, positions.get(c)) for c in COLUMNS}, label, errors)
               for line, cells in body]
    errors.problems.sort(key=lambda p: p.row or 0)
    errors.raise_if_any(f"Reading the office list {label}")
    _provider_ids(records)
    for record in records:
        record["source_url"] = source_url
    frame = pd.DataFrame(records, columns=OUT_COLUMNS).astype("string")
    report = SourceReport(provenance=file_provenance(path, publisher=PUBLISHER, dataset=DATASET, vintage="circa 2015",
                                                     url=source_url, layout=LAYOUT, rows=len(frame)))
    report.notes.append("the office list is circa 2015 and has no date: every office is shown as not verified")
    return frame, report


def _rows(path: Path, label: str) -> list[tuple[int, list[str]]]:
    """The file's non-blank lines as cell text, the header first; a file no reader can use is refused."""
    return checked_lines(path, label, what="office list (CSV)",
                         fix="Pick the office list itself, a complete CSV (UTF-8).",
                         title=f"Reading the office list {label}")


def _cell(cells: list[str], pos: int | None) -> str:
    return clean_text(cells[pos])[0] if pos is not None and pos < len(cells) else ""


def _record(line: int, raw: dict[str, str], label: str, errors: ErrorTable) -> dict[str, str]:
    """One office as a provider row; problems (bad state, no number) go to ``errors``."""
    code, name = raw["state_abbr"].upper(), raw["state_name"]
    if code and code not in us_states():
        errors.add("is not a U.S. state postal code", "Write the office's two-letter state code, e.g. OH.",
                   file=label, row=line, column="state_abbr", value=raw["state_abbr"])
    elif code and name and state_code(name) != code:
        errors.add(f"is not the name of {code} ({us_states()[code]})", "Correct state_abbr or state_name so that "
                   "they name the same state.", file=label, row=line, column="state_name", value=name)
    if not raw["ctr_number"]:
        errors.add("is empty", "Give the office's number (ctr_number), which makes its provider_id.", file=label,
                   row=line, column="ctr_number", value="")
    if not raw["office_name"]:
        errors.add("is empty", "Give the office's name.", file=label, row=line, column="office_name", value="")
    address, url = split_address(raw["address"])
    vacant = "vacant" in f"{raw['office_name']} {raw['phone']} {raw['address']}".lower()
    note = NOTE + (" The list marks this office vacant." if vacant else "")
    if not code:
        note += " The list gives no state: a headquarters unit, shown as nationwide."
    return {"provider_id": raw["ctr_number"], "name": raw["office_name"], "level": "federal", "type": TYPE,
            "states": code, "geography": name or us_states().get(code, ""), "address": address,
            "phone": "" if raw["phone"].upper() == "VACANT" else raw["phone"], "contact": "", "url": url,
            "source_url": "", "last_verified": "", "evidence": EVIDENCE, "note": note, "origin": "offices",
            "_post": raw["post"]}


def split_address(text: str) -> tuple[str, str]:
    """(the address's lines without the web address, joined by " | "; the first web address found).

    >>> split_address("401 N. Front St. | Columbus, OH 43215 | http://export.gov/ohio/")
    ('401 N. Front St. | Columbus, OH 43215', 'http://export.gov/ohio/')
    """
    found = _URL.findall(text)
    url = found[0] if found else ""
    if url.lower().startswith("www."):
        url = "http://" + url
    lines = [" ".join(_URL.sub("", line).split()) for line in text.split("|")]
    kept = [line for line in lines if line and line.upper() != "VACANT"]
    return " | ".join(kept), url


def _provider_ids(records: list[dict[str, str]]) -> None:
    """``useac-<ctr_number>``; a number several rows share gets each row's post as a suffix (in place)."""
    numbers = pd.Series([r["provider_id"] for r in records]).value_counts()
    for record in records:
        number = record["provider_id"].lower()
        post = record.pop("_post")
        suffix = f"-{choice_key(post).replace('_', '-')}" if numbers[record["provider_id"]] > 1 and post else ""
        record["provider_id"] = f"useac-{number}{suffix}"


def offices_for_states(frame: pd.DataFrame, states: Iterable[str]) -> pd.DataFrame:
    """The offices of the given states (postal codes or names; a string may list them: "OH;KY"), sorted by
    state then name.

    A region whose counties lie in several states gets each state's offices.
    Rows whose ``states`` cell is blank or "all" (nationwide units) are not
    offices *of* a state and are left out; with an ``origin`` column only
    rows from an office list (``offices``) are kept.
    """
    wanted = []
    for state in split_list(states) if isinstance(states, str) else states:
        code = state_code(str(state))
        if code is None:
            raise ExportPlanError(f"{state!r} is not a U.S. state; give postal codes such as OH or KY.")
        wanted.append(code)
    rows = frame if "origin" not in frame.columns else frame[frame["origin"] == "offices"]
    first = [next((s for s in split_list(cell) if s in wanted), "") for cell in rows["states"].tolist()]
    keep = [bool(s) for s in first]
    out = rows.loc[keep].assign(_state=[s for s in first if s])
    out = out.sort_values(["_state", "name", "provider_id"], kind="stable").drop(columns="_state")
    return out.reset_index(drop=True)


__all__ = ["COLUMNS", "DATASET", "LAYOUT", "OUT_COLUMNS", "PUBLISHER", "TYPE", "URL", "offices_for_states",
           "read_useac_offices", "split_address"]
