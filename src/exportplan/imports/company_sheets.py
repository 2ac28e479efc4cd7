"""The exporter pipeline's file layout: one :class:`TableSpec` per sheet, and the cell checks the specs cannot say.

One sheet per record kind, every child row naming its company by
``company_id`` (issue 9): ``companies``, ``export_sales``, ``contacts``,
``interactions``, ``needs``, ``referrals``, ``outcomes``, ``stage_history``.
:data:`SHEETS` holds the specs in that order; :data:`COLUMNS` the canonical
columns of each sheet (the import template, the export and the frames the
reader returns all use exactly these, in this order).

The generic validator (:func:`exportplan.imports.schema.validate`) converts
most columns. Some need more than its types, and are converted here from the
raw cell (:data:`CHECKS`, declared as ``text``/``code`` in the spec so that
the validator still reports an empty required cell or an over-long one):

- ``naics``: 2 to 6 digits of a real NAICS sector (no ranges such as 31-33);
- ``county_fips``: 5 digits (a 4-digit code, whose leading zero a
  spreadsheet dropped, gets it back with a note);
- dates: ``YYYY-MM-DD`` (an ISO date-time keeps its date), not in the future;
- ``year`` (export sales): 1900 up to the current year;
- ``current_markets``/``target_markets``: countries separated by ``;``, each
  a name or code mapped to ISO3 (:func:`exportplan.sources.countries.map_column`),
  written back as ``MEX;CAN`` (order kept, repeats dropped);
- ``tags``: separated by ``;``, blanks and repeats dropped;
- notes and summaries: line breaks are kept (other control characters
  removed, spaces collapsed within each line); other text is one line.

A blank ``company_id`` is derived from the name and county by
:func:`derived_key` (``acme-tool-and-die-39049``), so re-importing the same
file gives the same keys.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from exportplan.analysis.pipeline_terms import (INTERACTION_KINDS, OUTCOME_KINDS, REFERRAL_STATUSES,
                                                SERVICE_CATEGORIES, STAGE_SOURCES, STAGES)
from exportplan.imports.cells import InvalidValue, choice_key, clean_text, to_naics
from exportplan.imports.records import iso_date
from exportplan.imports.schema import Column, TableSpec

LONG_TEXT = 4000  # notes and summaries
_COUNTRY = "country name or ISO 3166 code (Mexico, MEX, MX)"
_MARKETS = "countries separated by ';' (names or codes: Mexico;CAN;DE), written back as ISO3 codes"
_DATE = "date YYYY-MM-DD, not in the future"


# ----------------------------------------------------------------- columns

def _text(name: str, help: str = "", *, required: bool = False, aliases: tuple[str, ...] = (),
          example: str = "", max_length: int = 500, type: str = "text") -> Column:
    return Column(name, type, required=required, aliases=aliases, help=help, example=example,
                  max_length=max_length)


def _vocab(name: str, values: tuple[str, ...], help: str, *, required: bool = False, default: str | None = None,
           aliases: tuple[str, ...] = (), extra: dict[str, str] | None = None, example: str = "") -> Column:
    """A choice among ``values`` (which may hold spaces and hyphens): any spelling that folds to one is accepted."""
    folded = {choice_key(v): v for v in values if choice_key(v) != v} | dict(extra or {})
    return Column(name, "choice", required=required, choices=values, choice_aliases=folded, default=default,
                  aliases=aliases, help=f"{help}: {', '.join(values)}", example=example)


def _company_ref() -> Column:
    return _text("company_id", "the company's company_id, as in the companies sheet", required=True,
                 aliases=("company", "company_key", "key", "org_id", "account_id"), example="C-0001",
                 max_length=120, type="code")


def _money(name: str, help: str, **kw) -> Column:
    return Column(name, "float", min=0, help=help, **kw)


def _date(name: str = "date", required: bool = True, **kw) -> Column:
    return _text(name, _DATE, required=required, max_length=40, type="code", example="2024-03-15", **kw)


def _note(name: str = "note", aliases: tuple[str, ...] = ("notes", "comment", "comments", "remarks")) -> Column:
    return _text(name, "free text; line breaks are kept", aliases=aliases, max_length=LONG_TEXT)


COMPANIES = TableSpec("companies", (
    _text("company_id", "your own stable key for the company, unique; blank = derived from name and county",
          aliases=("company_key", "key", "org_id", "account_id", "id", "record_id"), example="C-0001",
          max_length=120, type="code"),
    _text("name", "the company's name", required=True,
          aliases=("company", "company_name", "account_name", "organization", "organisation", "business_name"),
          example="Acme Tool & Die, Inc."),
    _text("naics", "NAICS code, 2 to 6 digits; blank = fill in later", aliases=("naics_code", "industry_code"),
          example="332710", max_length=20, type="code"),
    _text("sector", "cluster code or name, or blank", aliases=("cluster", "industry"), example="Automotive",
          max_length=120),
    _text("county_fips", "county FIPS code, 5 digits; blank = fill in later",
          aliases=("county", "fips", "county_code", "county_fips_code"), example="39049", max_length=20,
          type="code"),
    _text("city", "city or town", aliases=("town", "municipality"), example="Columbus", max_length=120),
    Column("employees", "int", min=0, aliases=("employment", "staff_count", "headcount", "jobs"),
           help="number of employees, a whole number 0 or more", example="45"),
    _money("revenue_usd", "annual revenue, US$, 0 or more", aliases=("revenue", "sales", "annual_revenue"),
           example="12,500,000"),
    _text("website", "web address", aliases=("url", "web", "web_site", "homepage"), example="acme.example"),
    _text("foreign_parent", "name of a foreign parent company, or blank",
          aliases=("parent", "parent_company", "foreign_owner"), example="Honda Motor Co."),
    Column("parent_country", "iso3", aliases=("parent_iso3", "owner_country", "hq_country"),
           help=f"the foreign parent's country: {_COUNTRY}; written back as ISO3", example="Japan"),
    _vocab("stage", STAGES, "export stage; blank = not ready", default="not ready",
           aliases=("export_stage", "pipeline_stage"), example="export-ready"),
    _text("current_markets", f"markets it exports to: {_MARKETS}", aliases=("markets", "export_markets"),
          example="MEX;CAN", max_length=LONG_TEXT),
    _text("target_markets", f"markets it wants to enter: {_MARKETS}", aliases=("targets", "target_countries"),
          example="DEU;JPN", max_length=LONG_TEXT),
    _text("tags", "labels separated by ';'", aliases=("labels", "keywords"), example="aerospace;mission-2024",
          max_length=LONG_TEXT),
    _note("notes", aliases=("note", "comment", "comments", "remarks", "description")),
), description="One line per company.")

EXPORT_SALES = TableSpec("export_sales", (
    _company_ref(),
    _text("year", "4-digit year, not in the future", required=True, aliases=("yr", "fiscal_year"),
          example="2023", max_length=20, type="code"),
    _money("export_sales_usd", "export sales that year, US$, 0 or more", required=True,
           aliases=("export_sales", "exports_usd", "exports", "value_usd"), example="250,000"),
), key=("company_id", "year"), description="Export sales by company and year.")

CONTACTS = TableSpec("contacts", (
    _company_ref(),
    _text("contact_id", "your key for the person, unique; optional", aliases=("person_id", "id"), max_length=120,
          type="code", example="P-01"),
    _text("name", "the person's name", required=True, aliases=("contact", "contact_name", "person", "full_name"),
          example="Ana López"),
    _text("role", "job title or role", aliases=("title", "job_title", "position"), example="Export manager"),
    _text("email", "e-mail address", aliases=("e_mail", "email_address", "mail"), example="ana@acme.example"),
    _text("phone", "telephone number", aliases=("telephone", "phone_number", "tel"), example="+1 614 555 0100"),
), description="People at the companies (personal data: exported only when asked for).")

INTERACTIONS = TableSpec("interactions", (
    _company_ref(), _date(),
    _vocab("kind", INTERACTION_KINDS, "what kind of contact", default="other", aliases=("type", "activity"),
           extra={"phone_call": "call", "e_mail": "email", "site_visit": "visit", "trade_show": "event"},
           example="visit"),
    _note("summary", aliases=("subject", "description", "notes", "note")),
    _text("staff", "who on the staff", aliases=("staff_member", "owner", "user", "by"), example="jdoe"),
), description="Outreach, calls, meetings, visits and events.")

NEEDS = TableSpec("needs", (
    _company_ref(),
    _vocab("service_category", SERVICE_CATEGORIES, "the service needed", required=True,
           aliases=("service", "category", "need"), example="market research"),
    Column("country", "iso3", aliases=("market", "iso3", "target_country"),
           help=f"{_COUNTRY}; blank = any market", example="Mexico"),
    _note(),
), description="Needs: a service category, for a country or any.")

REFERRALS = TableSpec("referrals", (
    _company_ref(), _date(),
    _text("provider", "the organization referred to", required=True, aliases=("referred_to", "partner"),
          example="U.S. Commercial Service"),
    _text("program", "the program, by name", aliases=("programme", "service"), example="Gold Key"),
    _text("referrer", "who made the referral", aliases=("referred_by", "staff"), example="jdoe"),
    _vocab("status", REFERRAL_STATUSES, "where the referral stands", default="made", aliases=("referral_status",),
           example="accepted"),
    _note("outcome", aliases=("result",)),
    _text("program_id", "the program's id in the program inventory ('exportplan programs list'), when it is one of "
          "its programs", aliases=("program_key", "inventory_program"), example="uscs-gold-key"),
), description="Referrals to a provider's program.")

OUTCOMES = TableSpec("outcomes", (
    _company_ref(), _date(),
    _vocab("kind", OUTCOME_KINDS, "what happened", required=True, aliases=("outcome", "type", "outcome_kind"),
           example="new market"),
    Column("country", "iso3", aliases=("market", "iso3", "destination"), help=f"{_COUNTRY}, or blank",
           example="Canada"),
    _money("export_sales_usd", "export sales reported, US$, 0 or more", aliases=("export_sales", "sales_usd"),
           example="120,000"),
    _text("program", "the program it is attributed to", aliases=("attributed_program", "programme"),
          example="STEP grant"),
    _note(),
), description="Outcomes: first export, new market entered, export sales reported.")

STAGE_HISTORY = TableSpec("stage_history", (
    _company_ref(), _date(),
    _vocab("from_stage", STAGES, "the stage before; blank for the first", aliases=("old_stage", "from"),
           example="not ready"),
    _vocab("to_stage", STAGES, "the stage after", required=True, aliases=("new_stage", "stage", "to"),
           example="export-ready"),
    _text("changed_by", "who changed it", aliases=("user", "by", "staff"), example="jdoe"),
    _vocab("source", STAGE_SOURCES, "where the change came from", default="import", aliases=("origin",),
           example="manual"),
    _note(),
), description="Changes of export stage.")

SHEETS: dict[str, TableSpec] = {s.name: s for s in (
    COMPANIES, EXPORT_SALES, CONTACTS, INTERACTIONS, NEEDS, REFERRALS, OUTCOMES, STAGE_HISTORY)}
CHILD_SHEETS = tuple(name for name in SHEETS if name != "companies")
COLUMNS: dict[str, tuple[str, ...]] = {name: tuple(c.name for c in spec.columns) for name, spec in SHEETS.items()}
#: Canonical dtypes of the frames (text is pandas "string"; blank = <NA>).
DTYPES: dict[str, dict[str, str]] = {
    name: {c.name: ("Int64" if (name, c.name) == ("export_sales", "year") else c.dtype) for c in spec.columns}
    for name, spec in SHEETS.items()}


# ----------------------------------------------------------------- checks

@dataclass(frozen=True)
class Check:
    """How one column is converted from its raw cell: ``convert(text, today)`` -> (value, note or None)."""

    convert: Callable[[str, date], tuple[object, str | None]]
    multiline: bool = False


def check_naics(text: str, today: date) -> tuple[str, None]:
    """2 to 6 digits of a real NAICS sector, kept as written.

    >>> check_naics("332710", date(2024, 1, 1))
    ('332710', None)
    """
    bad = InvalidValue("is not a NAICS code (2 to 6 digits)",
                       "Write the company's NAICS code, 2 to 6 digits such as 332710 (no ranges such as 31-33), "
                       "or leave it blank to fill in later.")
    if not re.fullmatch(r"\d{2,6}", text):
        raise bad
    try:
        to_naics(text)
    except InvalidValue:
        raise bad from None
    return text, None


def check_fips(text: str, today: date) -> tuple[str, str | None]:
    """A 5-digit county FIPS code; 4 digits get their lost leading zero back (with a note).

    >>> check_fips("39049", date(2024, 1, 1)), check_fips("1001", date(2024, 1, 1))[0]
    (('39049', None), '01001')
    """
    note = None
    if re.fullmatch(r"\d{4}", text):
        text, note = "0" + text, "a 4-digit county FIPS code got its leading zero back"
    if not re.fullmatch(r"\d{5}", text) or text[:2] == "00" or text[2:] == "000":
        raise InvalidValue("is not a 5-digit county FIPS code",
                           "Write the county's 5-digit FIPS code (state + county, e.g. 39049), as text so that "
                           "a leading zero is kept, or leave it blank to fill in later.")
    return text, note


def check_date(text: str, today: date) -> tuple[str, None]:
    """An ISO date (a date-time keeps its date), not after ``today``.

    >>> check_date("2024-03-15T00:00:00", date(2024, 12, 1))
    ('2024-03-15', None)
    """
    day = iso_date(text)
    if day is None:
        raise InvalidValue("is not a date written YYYY-MM-DD", "Write the date as year-month-day, e.g. 2024-03-15.")
    if day > today:
        raise InvalidValue(f"is in the future (today is {today.isoformat()})",
                           "Check the date; record only what has happened.")
    return day.isoformat(), None


def check_year(text: str, today: date) -> tuple[int, None]:
    """A 4-digit year from 1900 to the current year."""
    if not re.fullmatch(r"\d{4}(\.0+)?", text):
        raise InvalidValue("is not a year", "Write a 4-digit year such as 2023.")
    year = int(text[:4])
    if year < 1900:
        raise InvalidValue("is not a plausible year (1900 or later)", "Write a 4-digit year such as 2023.")
    if year > today.year:
        raise InvalidValue(f"is in the future (this is {today.year})",
                           "Record export sales only for years that have happened.")
    return year, None


@lru_cache(maxsize=4096)
def _country(text: str) -> tuple[str | None, str]:
    """(ISO3 or None, why not) for one country name or code."""
    from exportplan.sources.countries import map_column

    mapping = map_column([text])
    if mapping.iso3[0]:
        return mapping.iso3[0], ""
    if text in mapping.aggregates:
        return None, "is a group of countries, not one country"
    if text in getattr(mapping, "historic", ()):
        return None, "is a former country with no current code"
    return None, "is not a country name or code we know"


def check_markets(text: str, today: date) -> tuple[str | None, None]:
    """Countries separated by ';' -> ``'MEX;CAN'`` (order kept, repeats dropped).

    >>> check_markets("Mexico; CAN;mex", date(2024, 1, 1))
    ('MEX;CAN', None)
    """
    codes: list[str] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        iso3, why = _country(part)
        if iso3 is None:
            hint = " (separate countries with ';', not ',')" if "," in part else ""
            raise InvalidValue(f"{part!r} {why}{hint}",
                               "Separate countries with ';' and use names or ISO 3166 codes, e.g. MEX;CAN;DEU.")
        if iso3 not in codes:
            codes.append(iso3)
    return ";".join(codes) or None, None


def check_tags(text: str, today: date) -> tuple[str | None, None]:
    """Labels separated by ';' -> ``'a;b'`` (blanks and repeats dropped)."""
    tags: list[str] = []
    for tag in (t.strip() for t in text.split(";")):
        if tag and tag not in tags:
            tags.append(tag)
    return ";".join(tags) or None, None


def keep_text(text: str, today: date) -> tuple[str, None]:
    return text, None


def clean_multiline(raw: str) -> str:
    """Text with its line breaks kept: each line cleaned (:func:`clean_text`), blank lines at the ends dropped.

    >>> clean_multiline(" first  line\\r\\n\\x07second\\n\\n")
    'first line\\nsecond'
    """
    if "\n" not in raw and "\r" not in raw:
        return clean_text(raw)[0]
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(clean_text(line)[0] for line in lines).strip("\n")


_LONG = Check(keep_text, multiline=True)
_DATES = Check(check_date)
CHECKS: dict[str, dict[str, Check]] = {
    "companies": {"naics": Check(check_naics), "county_fips": Check(check_fips),
                  "current_markets": Check(check_markets), "target_markets": Check(check_markets),
                  "tags": Check(check_tags), "notes": _LONG},
    "export_sales": {"year": Check(check_year)},
    "contacts": {},
    "interactions": {"date": _DATES, "summary": _LONG},
    "needs": {"note": _LONG},
    "referrals": {"date": _DATES, "outcome": _LONG},
    "outcomes": {"date": _DATES, "note": _LONG},
    "stage_history": {"date": _DATES, "note": _LONG},
}


# ----------------------------------------------------------------- keys

def derived_key(name: str, county_fips: str | None) -> str:
    """The key of a company imported without a company_id: its normalized name and county.

    The one derivation of the pipeline (:func:`exportplan.analysis.pipeline_bundle.derive_key`):
    the name's :func:`~exportplan.analysis.company_names.name_key` (case, accents,
    punctuation and legal suffixes folded) as a slug, then the county, so the
    same name and county give the same key on every import. Two companies
    without a company_id whose names fold alike in one county collide and are
    reported as duplicates: give them a company_id.

    >>> derived_key("Acme Tool & Die, Inc.", "39049") == derived_key("ACME TOOL AND DIE", "39049")
    True
    """
    from exportplan.analysis.pipeline_bundle import derive_key

    return derive_key(name, county_fips or "")


# ----------------------------------------------------------------- instructions

def _allowed(col: Column) -> str:
    if col.type == "choice":
        return ", ".join(col.choices)
    return {"int": "whole number", "float": "number", "iso3": "country name or code"}.get(col.type, "")


def instruction_rows() -> list[dict[str, str]]:
    """The template's instructions: one row per column of every sheet, after the general rules."""
    general = [
        ("all", "", "", "", "One sheet per kind of record; only the companies sheet is required. A CSV file holds "
                            "the companies sheet alone. Header names are matched loosely (case, spaces), and common "
                            "CRM spellings are accepted; a saved column mapping covers others."),
        ("all", "", "", "", "Every child sheet names its company by company_id, which must be in the companies "
                            "sheet (or already in the workspace)."),
        ("all", "", "", "", "Dates are YYYY-MM-DD and not in the future; amounts are US$ and 0 or more. Codes "
                            "(NAICS, county FIPS, company_id) are text: format those columns as Text in Excel."),
        ("all", "", "", "", "A cell starting with ' before = + - or @ loses that one quote on import (exports "
                            "add it so that spreadsheets do not run the text as a formula)."),
        ("all", "", "", "", "The import is all or nothing: every problem is listed with its sheet, line and "
                            "column, and nothing is written until the file is clean."),
    ]
    rows = [dict(zip(("sheet", "column", "required", "allowed values", "help"), r)) for r in general]
    for name, spec in SHEETS.items():
        rows.append({"sheet": name, "column": "", "required": "", "allowed values": "",
                     "help": spec.description + (" Optional sheet." if name != "companies" else " Required.")})
        for col in spec.columns:
            rows.append({"sheet": name, "column": col.name, "required": "yes" if col.required else "",
                         "allowed values": _allowed(col),
                         "help": col.help + (f" (e.g. {col.example})" if col.example else "")})
    return rows


__all__ = ["CHECKS", "CHILD_SHEETS", "COLUMNS", "COMPANIES", "CONTACTS", "Check", "DTYPES", "EXPORT_SALES",
           "INTERACTIONS", "LONG_TEXT", "NEEDS", "OUTCOMES", "REFERRALS", "SHEETS", "STAGE_HISTORY",
           "check_date", "check_fips", "check_markets", "check_naics", "check_tags", "check_year",
           "clean_multiline", "derived_key", "instruction_rows"]
