"""The program inventory's file layout: the fields of each sheet and the check of each cell.

Three sheets (``program_terms.SHEETS``): ``providers``, ``programs`` and
``events``, with exactly the columns of ``PROVIDER_COLUMNS``,
``PROGRAM_COLUMNS`` and ``EVENT_COLUMNS`` in that order. :data:`FIELDS` holds
one :class:`Field` per column: its kind (how a cell is checked and converted),
whether it is required, the header spellings accepted besides its name, and
its help for the template's instructions sheet.

Kinds of cell (:func:`convert`):

- ``key``/``text``: one line of text (control characters removed, spaces
  collapsed); ``long``: free text whose line breaks are kept;
- ``url``: a web address starting with ``http://``, ``https://`` or ``www.``;
- ``choice``: one word of a vocabulary, any case or spelling that folds to it
  (``Cost Share`` -> ``cost-share``); ``choices``: several, separated by ';';
- ``states``: postal codes (or state names) separated by ';', or "all";
- ``countries``: country names or codes separated by ';' written back as ISO3
  (the company import's check), or "all"; ``country``: one country;
- ``sectors``: cluster names or NAICS prefixes separated by ';', or "all";
- ``int``: a whole number, 0 or more; ``pct``: 0 to 100 (``50%`` accepted);
  ``rate``: a share from 0 to 1 (``50%`` is 0.5); ``money``: US$, 0 or more;
- ``date``: ``YYYY-MM-DD``; ``verified``: the same, not after today (the date of
  the evidence held, never a future one).

A blank cell is ``""`` for text and missing (``<NA>``/NaN) for numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from exportplan.analysis.program_terms import (ALL, COSTS, EVENT_COLUMNS, EVENT_KINDS, LEVELS, PROGRAM_COLUMNS,
                                               PROVIDER_COLUMNS, SERVICE_CATEGORIES, STAGES, STATUSES)
from exportplan.imports.cells import InvalidValue, choice_key, clean_text, normalize_header, parse_number
from exportplan.imports.records import iso_date
from exportplan.imports.company_sheets import check_markets, clean_multiline
from exportplan.imports.schema import Column

LONG_TEXT = 4000
KEY_LENGTH = 120
_NUMBER_KINDS = {"int": "Int64", "pct": "float64", "rate": "float64", "money": "float64"}


@dataclass(frozen=True)
class Field:
    """One column of a sheet: how its cells are checked (``kind``), and what the instructions say of it."""

    name: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""
    example: str = ""
    vocab: tuple[str, ...] = ()
    default: str = ""
    allow_all: bool = False

    @property
    def dtype(self) -> str:
        return _NUMBER_KINDS.get(self.kind, "string")


def _f(name: str, kind: str = "text", help: str = "", **kw) -> Field:
    return Field(name, kind, help=help, **kw)


_VERIFIED = "date YYYY-MM-DD of the evidence held (the page copy or dated publication the facts were read from), " \
            "not in the future; blank = not verified"
_SOURCE = _f("source_url", "url", "the page the facts were read from", aliases=("source", "evidence_url"),
             example="https://www.trade.gov/gold-key-service")
_LAST = _f("last_verified", "verified", _VERIFIED, aliases=("verified", "date_verified", "verified_on"),
           example="2025-11-03")
_EVIDENCE = _f("evidence", "long", "what the date refers to: the document or page copy held",
               example="trade.gov page saved 2025-11-03")
_NOTE = _f("note", "long", "free text; line breaks are kept", aliases=("notes", "comment", "comments", "remarks"))

PROVIDERS = (
    _f("provider_id", "key", "your stable key for the provider, unique", required=True,
       aliases=("provider_key",), example="oh-dev"),
    _f("name", "text", "the provider's name", required=True,
       aliases=("provider", "provider_name", "organization", "organisation"), example="Ohio Department of Development"),
    _f("level", "choice", "who runs it", required=True, vocab=LEVELS, aliases=("provider_level",), example="state"),
    _f("type", "text", "kind of provider (state trade office, SBDC, U.S. Export Assistance Center, ...)",
       aliases=("provider_type",), example="state trade office"),
    _f("states", "states", "postal codes of the states served, separated by ';'; blank or all = nationwide",
       aliases=("state", "states_served"), example="OH", allow_all=True),
    _f("geography", "text", "the area served, in words", aliases=("area", "area_served", "geography_served"),
       example="Ohio"),
    _f("address", "long", "postal address; line breaks are kept", aliases=("postal_address",)),
    _f("phone", "text", "telephone number", aliases=("telephone", "tel", "phone_number"), example="+1 614 555 0100"),
    _f("contact", "text", "a contact point (office or role)", aliases=("contact_name", "contact_point")),
    _f("url", "url", "the provider's web site", aliases=("website", "web", "homepage"),
       example="https://development.ohio.gov"),
    _SOURCE, _LAST, _EVIDENCE, _NOTE,
)

PROGRAMS = (
    _f("program_id", "key", "your stable key for the program, unique", required=True, aliases=("program_key",),
       example="oh-step"),
    _f("provider_id", "key", "the provider's provider_id (in the providers sheet or already in the workspace)",
       required=True, aliases=("provider_key",), example="oh-dev"),
    _f("name", "text", "the program's name", required=True, aliases=("program", "program_name", "programme"),
       example="Ohio STEP export grant"),
    _f("status", "choice", "existing, or proposed (a program the plan proposes); blank = existing",
       vocab=STATUSES, default="existing", example="existing"),
    _f("categories", "choices", "service categories offered, separated by ';' (at least one)", required=True,
       vocab=SERVICE_CATEGORIES, aliases=("category", "services", "service_categories"),
       example="grants and cost-share"),
    _f("stages", "choices", "export stages served, separated by ';'; blank or all = every stage", vocab=STAGES,
       aliases=("stage", "export_stages"), example="new-to-export;active", allow_all=True),
    _f("sectors", "sectors", "clusters (names) or NAICS prefixes, separated by ';'; blank or all = every sector",
       aliases=("sector", "industries", "clusters"), example="Automotive;3364", allow_all=True),
    _f("countries", "countries", "country names or codes, separated by ';' (written back as ISO3); blank or all = "
       "every country", aliases=("country", "markets"), example="MEX;CAN", allow_all=True),
    _f("min_employees", "int", "smallest company served, employees; blank = no limit",
       aliases=("employees_min",), example="1"),
    _f("max_employees", "int", "largest company served, employees (at least min_employees); blank = no limit",
       aliases=("employees_max",), example="500"),
    _f("min_us_content_pct", "pct", "U.S. content required, percent 0 to 100", aliases=("us_content_pct",),
       example="51"),
    _f("min_years_in_business", "int", "years in business required", aliases=("years_in_business",), example="1"),
    _f("eligible_states", "states", "postal codes of the states whose companies may apply, separated by ';'; "
       "blank or all = any", aliases=("eligible_state",), example="OH", allow_all=True),
    _f("eligibility_note", "long", "other eligibility rules, in words", aliases=("eligibility",)),
    _f("cost", "choice", "what a company pays; blank = unknown", vocab=COSTS, aliases=("cost_type", "fee_type"),
       example="cost-share"),
    _f("cost_share_rate", "rate", "share of the cost the program pays, 0 to 1 (50% is 0.5); blank when not "
       "known (it varies, e.g. STEP by state)", aliases=("share_rate", "reimbursement_rate"), example="0.5"),
    _f("cost_share_cap_usd", "money", "most the program pays per company, US$", aliases=("cost_share_cap", "cap_usd"),
       example="10000"),
    _f("cost_note", "long", "fees and rules, in words", aliases=("fees", "fee_note")),
    _f("funding_source", "text", "who funds it (STEP, MAP, state, private, ...)", aliases=("funding", "funder"),
       example="SBA STEP"),
    _f("capacity", "int", "companies served a year; blank = unknown (never read as unlimited or zero)",
       aliases=("capacity_per_year", "companies_per_year"), example="40"),
    _f("pays_for", "choices", "service categories whose fee-based services this program helps pay, separated by ';'",
       vocab=SERVICE_CATEGORIES, example="partner and buyer matchmaking"),
    _f("calendar", "long", "calendar and deadlines, in words", aliases=("deadlines", "schedule")),
    _SOURCE, _LAST, _EVIDENCE, _NOTE,
)

EVENTS = (
    _f("event_id", "key", "your stable key for the event, unique", required=True, aliases=("event_key",),
       example="oh-mission-2026-mx"),
    _f("program_id", "key", "the program's program_id (in the programs sheet or already in the workspace)",
       required=True, aliases=("program_key",), example="oh-missions"),
    _f("name", "text", "the event's name", required=True, aliases=("event", "event_name", "title"),
       example="Trade mission to Mexico"),
    _f("kind", "choice", "what kind of event", required=True, vocab=EVENT_KINDS, aliases=("type", "event_type"),
       example="trade mission"),
    _f("iso3", "country", "the country where it takes place (name or code, written back as ISO3); blank = the U.S. "
       "or online", aliases=("country", "market"), example="Mexico"),
    _f("sector", "text", "the sector or cluster it is for; blank = any", aliases=("cluster", "industry"),
       example="Automotive"),
    _f("start_date", "date", "first day, YYYY-MM-DD", required=True, aliases=("start", "date", "from_date"),
       example="2026-04-20"),
    _f("end_date", "date", "last day, YYYY-MM-DD (not before start_date); blank = one day",
       aliases=("end", "to_date"), example="2026-04-24"),
    _f("city", "text", "city", aliases=("town", "venue_city"), example="Monterrey"),
    _f("url", "url", "the event's page", aliases=("website", "link")),
    _SOURCE, _LAST, _EVIDENCE,
)

FIELDS: dict[str, tuple[Field, ...]] = {"providers": PROVIDERS, "programs": PROGRAMS, "events": EVENTS}
KEYS = {"providers": "provider_id", "programs": "program_id", "events": "event_id"}
if tuple(f.name for f in PROVIDERS + PROGRAMS + EVENTS) != PROVIDER_COLUMNS + PROGRAM_COLUMNS + EVENT_COLUMNS:
    raise ImportError("program_sheets.FIELDS must list program_terms' columns in their order")
#: Canonical dtypes of the frames: text "string" (blank = ""), whole numbers Int64, the rest float64.
DTYPES = {sheet: {f.name: f.dtype for f in fields} for sheet, fields in FIELDS.items()}
#: Extra spellings of vocabulary words (folded with ``choice_key``).
_EXTRA = {"nonprofit": "non-profit", "not_for_profit": "non-profit", "costshare": "cost-share",
          "cost_sharing": "cost-share", "no_cost": "free", "paid": "fee", "fee_based": "fee",
          "mission": "trade mission", "show": "trade show", "fair": "trade show", "trade_fair": "trade show",
          "course": "training", "workshop": "training", "planned": "proposed", "new": "proposed",
          "current": "existing", "active_program": "existing"}


def header_index(sheet: str) -> dict[str, str]:
    """Normalized header spelling -> canonical column of ``sheet``."""
    return {normalize_header(n): f.name for f in FIELDS[sheet] for n in (f.name, *f.aliases)}


# ----------------------------------------------------------------- vocabularies

@lru_cache(maxsize=64)
def _folded(vocab: tuple[str, ...]) -> dict[str, str]:
    known = {choice_key(v): v for v in vocab}
    return known | {k: v for k, v in _EXTRA.items() if v in vocab and k not in known}


def _word(text: str, field: Field, item: bool = False) -> str:
    hit = _folded(field.vocab).get(choice_key(text))
    if hit is None:
        what = f"{text!r} is not" if item else "is not"
        raise InvalidValue(f"{what} one of the allowed values for {field.name}",
                           f"Use one of: {', '.join(field.vocab)} (any case).")
    return hit


def _is_all(items: list[str]) -> bool:
    if any(i.lower() == ALL for i in items):
        if len(items) > 1:
            raise InvalidValue("mixes 'all' with a list", "Write all alone, or list the values without 'all'.")
        return True
    return False


def _items(text: str) -> list[str]:
    out: list[str] = []
    for item in (part.strip() for part in text.split(";")):
        if item and item not in out:
            out.append(item)
    return out


@lru_cache(maxsize=1)
def us_states() -> dict[str, str]:
    """USPS code -> name of the states, DC and the territories (those of ``workspace.STATE_CODES``)."""
    import pycountry

    return {s.code[3:]: s.name for s in pycountry.subdivisions.get(country_code="US") if s.code != "US-UM"}


@lru_cache(maxsize=1)
def _state_lookup() -> dict[str, str]:
    names = {choice_key(name): code for code, name in us_states().items()}
    return names | {choice_key("Virgin Islands"): "VI", choice_key("Washington DC"): "DC"}


def state_code(text: str) -> str | None:
    """A postal code (any case) or a state's name -> its USPS code; None when it is neither.

    >>> state_code("oh"), state_code("Kentucky"), state_code("XX")
    ('OH', 'KY', None)
    """
    code = text.strip().upper()
    if code in us_states():
        return code
    return _state_lookup().get(choice_key(text))


# ----------------------------------------------------------------- one cell

def convert(field: Field, raw: str, today: date) -> object:
    """One raw cell -> its canonical value ("" or None when blank); raises :class:`InvalidValue`."""
    long = field.kind == "long"
    text = clean_multiline(raw) if long else clean_text(raw)[0]
    limit = LONG_TEXT if long or field.kind in ("choices", "countries", "states", "sectors") else (
        KEY_LENGTH if field.kind == "key" else 500)
    if len(text) > limit:
        raise InvalidValue(f"is {len(text)} characters long; the limit is {limit}",
                           f"Shorten it to {limit} characters or fewer.")
    if not text:
        if field.required:
            raise InvalidValue("is empty", f"Fill in {field.name}: {field.help}.")
        return None if field.kind in _NUMBER_KINDS else field.default
    return _CONVERT[field.kind](text, field, today)


def _text(text: str, field: Field, today: date) -> str:
    return text


def _url(text: str, field: Field, today: date) -> str:
    if not re.match(r"(https?://|www\.)\S+$", text, flags=re.IGNORECASE):
        raise InvalidValue("is not a web address", "Write the full address, starting with https:// (or leave it "
                                                   "blank).")
    return text


def _choice(text: str, field: Field, today: date) -> str:
    return _word(text, field)


def _choices(text: str, field: Field, today: date) -> str:
    items = _items(text)
    if _is_all(items):
        if not field.allow_all:
            raise InvalidValue(f"'all' is not allowed in {field.name}", f"List the values, separated by ';': "
                                                                       f"{', '.join(field.vocab)}.")
        return ALL
    words: list[str] = []
    for item in items:
        word = _word(item, field, item=True)
        if word not in words:
            words.append(word)
    return ";".join(words)


def _states(text: str, field: Field, today: date) -> str:
    items = _items(text)
    if _is_all(items):
        return ALL
    codes: list[str] = []
    for item in items:
        code = state_code(item)
        if code is None:
            hint = " (separate states with ';', not ',')" if "," in item else ""
            raise InvalidValue(f"{item!r} is not a U.S. state postal code{hint}",
                               "Write two-letter postal codes separated by ';', e.g. OH;KY (or all).")
        if code not in codes:
            codes.append(code)
    return ";".join(codes)


def _countries(text: str, field: Field, today: date) -> str:
    if _is_all(_items(text)):
        return ALL
    codes, _ = check_markets(text, today)  # names or codes -> 'MEX;CAN', the company import's check
    return codes or ""


def _country(text: str, field: Field, today: date) -> str:
    if text.lower() == ALL:
        raise InvalidValue("'all' is not one country", "Write the country where the event takes place, or leave "
                                                       "it blank for an event in the U.S. or online.")
    if ";" in text:
        raise InvalidValue("names more than one country", "Write one country per event (one line each).")
    codes, _ = check_markets(text, today)
    return codes or ""


def _sectors(text: str, field: Field, today: date) -> str:
    items = _items(text)
    return ALL if _is_all(items) else ";".join(items)


def _number(text: str, field: Field, low: float, high: float | None, unit: str = "") -> float:
    value = parse_number(text, Column(field.name, "float", unit=unit))
    if value < low:
        raise InvalidValue(f"is below {low:g}", "Counts, shares and amounts cannot be negative; write 0 or more.")
    if high is not None and value > high:
        raise InvalidValue(f"is above {high:g}", f"Write a value from {low:g} to {high:g}.")
    return value


def _int(text: str, field: Field, today: date) -> int:
    value = _number(text, field, 0, None)
    if not value.is_integer():
        raise InvalidValue("is not a whole number", "Write a whole number such as 12.")
    return int(value)


def _pct(text: str, field: Field, today: date) -> float:
    return _number(text, field, 0, 100, unit="%")


def _rate(text: str, field: Field, today: date) -> float:
    if text.rstrip().endswith("%"):
        return _number(text, field, 0, 100, unit="%") / 100
    value = _number(text, field, 0, None)
    if value > 1:
        raise InvalidValue("is above 1 (the share the program pays is from 0 to 1)",
                           f"Write the share as a fraction or a percent, e.g. 0.5 or 50% (not {text}).")
    return value


def _money(text: str, field: Field, today: date) -> float:
    return _number(text, field, 0, None)


def _date(text: str, field: Field, today: date) -> str:
    day = iso_date(text)
    if day is None:
        raise InvalidValue("is not a date written YYYY-MM-DD", "Write the date as year-month-day, e.g. 2026-03-15.")
    return day.isoformat()


def _verified(text: str, field: Field, today: date) -> str:
    day = _date(text, field, today)
    if day > today.isoformat():
        raise InvalidValue(f"is in the future (today is {today.isoformat()})",
                           "Write the date of the evidence you hold (the page copy or publication the facts were "
                           "read from), or leave it blank: it is then shown as not verified.")
    return day


_CONVERT = {"key": _text, "text": _text, "long": _text, "url": _url, "choice": _choice, "choices": _choices,
            "states": _states, "countries": _countries, "country": _country, "sectors": _sectors, "int": _int,
            "pct": _pct, "rate": _rate, "money": _money, "date": _date, "verified": _verified}


# ----------------------------------------------------------------- instructions

_ALLOWED = {"key": "text, unique", "text": "text", "long": "text (line breaks kept)", "url": "https://...",
            "states": "postal codes separated by ';', or all", "countries": "countries separated by ';', or all",
            "country": "one country name or code", "sectors": "cluster names or NAICS prefixes separated by ';', "
            "or all", "int": "whole number, 0 or more", "pct": "0 to 100", "rate": "0 to 1 (or 0% to 100%)",
            "money": "number, 0 or more (US$)", "date": "YYYY-MM-DD", "verified": "YYYY-MM-DD, not in the future"}


def _allowed(field: Field) -> str:
    if field.kind == "choice":
        return ", ".join(field.vocab)
    if field.kind == "choices":
        return "separated by ';': " + ", ".join(field.vocab) + ("; or all" if field.allow_all else "")
    return _ALLOWED[field.kind]


def instruction_rows() -> list[dict[str, str]]:
    """The template's instructions: the general rules, then one row per column of every sheet."""
    general = (
        "Three sheets: providers (who offers services), programs (what they offer) and events (dated trade "
        "missions, trade shows and training). Fill in the ones you need; a CSV file holds one sheet, told apart "
        "by its header (event_id = events, program_id = programs, provider_id = providers).",
        "Every program names its provider by provider_id, and every event its program by program_id, in this "
        "file or already in the workspace.",
        "Words from a list (level, status, cost, categories, stages, kind) are matched without case. Lists in one "
        "cell are separated by ';'. Blank or all in stages, sectors, countries and states means every one.",
        "last_verified is the date of the evidence you hold (the page copy a fact was read from), never today's "
        "date by default; blank = not verified. Capacity blank = unknown.",
        "A cell starting with ' before = + - or @ loses that one quote on import (exports add it so that "
        "spreadsheets do not run the text as a formula).",
        "The import is all or nothing: every problem is listed with its sheet, line and column, and nothing is "
        "written until the file is clean.",
    )
    rows = [{"sheet": "all", "column": "", "required": "", "allowed values": "", "help": text} for text in general]
    for sheet, fields in FIELDS.items():
        for field in fields:
            rows.append({"sheet": sheet, "column": field.name, "required": "yes" if field.required else "",
                         "allowed values": _allowed(field),
                         "help": field.help + (f" (e.g. {field.example})" if field.example else "")})
    return rows


__all__ = ["DTYPES", "EVENTS", "FIELDS", "Field", "KEYS", "LONG_TEXT", "PROGRAMS", "PROVIDERS", "convert",
           "header_index", "instruction_rows", "state_code", "us_states"]
