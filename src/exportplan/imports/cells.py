"""One cell of a user's table: its text made inert, then converted to its column's type.

Column types: ``text``, ``code`` (text identifiers), ``int``, ``float``,
``year``, ``bool``, ``choice``, ``iso3`` (a country name or code, kept as text
here and mapped to ISO3 by the validator) and ``naics`` (2-6 digits or the
sector ranges ``31-33``, ``44-45``, ``48-49``; kept as text). A wrong cell
raises :class:`InvalidValue`, which says what is wrong and how to fix it.

Text is stored inert: control characters are removed, length is capped, and a
cell such as ``=HYPERLINK(...)`` or ``<script>`` is kept as plain text and
never evaluated (a note says so).
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exportplan.imports.schema import Column

TYPES = ("text", "code", "int", "float", "year", "bool", "choice", "iso3", "naics")
MAX_TEXT = 500
MAX_NUMBER = 1e15  # above any count or US$ amount a region has; larger means a typo

# Markers spreadsheets and statistical offices use for "no value" in numbers.
MISSING_NUMBER = frozenset({"na", "n/a", "n.a.", "-", "--", "..", "...", "—", "–",
                            "null", "nan", "none", "#n/a"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f"})
NAICS_SECTORS = frozenset({"11", "21", "22", "23", "31", "32", "33", "42", "44", "45",
                           "48", "49", "51", "52", "53", "54", "55", "56", "61", "62",
                           "71", "72", "81", "92"})
NAICS_RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45",
                "45": "44-45", "48": "48-49", "49": "48-49"}
FORMULA_SIGNS = ("=", "+", "-", "@")
# Control characters (Unicode category Cc) and bidi overrides ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_GROUPED = re.compile(r"[+-]?\d{1,3}([,\u00a0\u202f' ])\d{3}(?:\1\d{3})*(?:\.\d+)?")
_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class InvalidValue(ValueError):
    """One cell (or row) is wrong: what is wrong and how to fix it."""

    def __init__(self, problem: str, fix: str, column: str | None = None):
        super().__init__(problem)
        self.problem, self.fix, self.column = problem, fix, column


def normalize_header(text: object) -> str:
    """Fold a header to a matching key: case, spaces, punctuation, underscores.

    >>> normalize_header(" Value (USD) "), normalize_header("Foreign_Establishments")
    ('value_usd', 'foreign_establishments')
    """
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[^0-9a-z]+", "_", folded).strip("_")


def choice_key(text: str) -> str:
    """Fold a choice the same way: ``'Sister-City'`` -> ``'sister_city'``."""
    return normalize_header(text)


def clean_text(raw: str) -> tuple[str, bool]:
    """Inert text: control and bidi-override characters removed, spaces collapsed.

    Returns the clean text and whether anything other than spacing changed.

    >>> clean_text("Acme\\x07 Corp\\u202e\\n Ltd")
    ('Acme Corp Ltd', True)
    """
    if raw.isprintable() and raw == raw.strip() and "  " not in raw:
        return raw, False  # the common case, fast
    spaced = re.sub(r"[\t\r\n\v\f]", " ", raw)
    kept = _CONTROL.sub("", spaced)
    return " ".join(kept.split()), kept != spaced


def parse_number(text: str, col: Column) -> float:
    """A number written the way spreadsheets show it: ``1,234.5``, ``$1 234``, ``12%``."""
    s = text.strip()
    s = re.sub(r"^(US\$|\$)\s*|\s*(USD|US\$)$", "", s)
    if col.unit == "%":
        s = s.removesuffix("%").strip()
    if _GROUPED.fullmatch(s):
        s = re.sub(r"[,\u00a0\u202f' ]", "", s)
    if not _PLAIN.fullmatch(s):
        fix = (f"Use a dot as the decimal separator: {s.replace(',', '.')}."
               if re.fullmatch(r"[+-]?\d+,\d{1,2}", s) else
               "Write a number such as 1234 or 1,234.5 (dot as decimal separator).")
        raise InvalidValue("is not a number", fix)
    value = float(s)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise InvalidValue("is too large", f"Use a number below {MAX_NUMBER:.0e}.")
    return value


def _to_int(text: str, col: Column) -> int:
    plain = re.sub(r"[,\u00a0\u202f' ]", "", text) if _GROUPED.fullmatch(text) else text
    if re.fullmatch(r"[+-]?\d{1,15}", plain):
        return int(plain)
    value = parse_number(text, col)
    if not value.is_integer():
        raise InvalidValue("is not a whole number", "Write a whole number such as 12.")
    return int(value)


def _to_year(text: str, col: Column) -> int:
    try:
        year = _to_int(text, col)
    except InvalidValue:
        raise InvalidValue("is not a year", "Write a 4-digit year such as 2022.") from None
    low, high = col.min or 1900, col.max or 2100
    if not low <= year <= high:
        raise InvalidValue(f"is not a plausible year ({low:.0f}-{high:.0f})",
                           "Write a 4-digit year such as 2022.")
    return year


def _to_bool(text: str, col: Column) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidValue("is not yes/no", "Write yes or no (or true/false, 1/0).")


def _to_choice(text: str, col: Column) -> str:
    key = choice_key(text)
    if key in col.choices:
        return key
    if key in col.choice_aliases:
        return col.choice_aliases[key]
    raise InvalidValue(f"is not one of the allowed values for {col.name}",
                       f"Use one of: {', '.join(col.choices)}.")


def to_naics(text: str) -> str:
    """Canonical NAICS text: 2-6 digits with a real sector, or a sector range.

    A two-digit part of a ranged sector becomes the range (``'31'`` -> ``'31-33'``).

    >>> to_naics("31 – 33"), to_naics("336411"), to_naics("44")
    ('31-33', '336411', '44-45')
    """
    s = re.sub(r"\s*[-–—]\s*", "-", text.strip())
    if s in NAICS_RANGES.values():
        return s
    if not re.fullmatch(r"\d{2,6}", s) or s[:2] not in NAICS_SECTORS:
        raise InvalidValue("is not a NAICS code",
                           "Write a NAICS code of 2 to 6 digits (e.g. 3364) or a sector range "
                           "31-33, 44-45 or 48-49.")
    return NAICS_RANGES.get(s, s)


def _to_naics(text: str, col: Column) -> str:
    return to_naics(text)


def _to_number(text: str, col: Column) -> float:
    return parse_number(text, col)


def _to_text(text: str, col: Column) -> str:
    return text


_CONVERTERS: dict[str, Callable[[str, Column], Any]] = {
    "text": _to_text, "code": _to_text, "iso3": _to_text, "int": _to_int,
    "float": _to_number, "year": _to_year, "bool": _to_bool, "choice": _to_choice,
    "naics": _to_naics,
}


def _check_range(value, col: Column) -> None:
    if col.type not in ("int", "float") or value is None:
        return
    if col.min is not None and value < col.min:
        fix = ("Counts and amounts cannot be negative; write 0 or more."
               if col.min == 0 else f"Use a value of at least {col.min:g}.")
        raise InvalidValue(f"is below the minimum {col.min:g}", fix)
    if col.max is not None and value > col.max:
        raise InvalidValue(f"is above the maximum {col.max:g}",
                           f"Use a value of at most {col.max:g}.")


@functools.lru_cache(maxsize=256)
def _lowered(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)


def _is_missing(text: str, col: Column) -> bool:
    if text == "":
        return True
    word = text.lower()
    if col.missing_values and word in _lowered(col.missing_values):
        return True
    return col.type in ("int", "float", "year") and word in MISSING_NUMBER


def convert_cell(raw: str, col: Column) -> tuple[Any, list[str]]:
    """One cell -> (typed value or None for missing, notes); raises InvalidValue."""
    text, stripped = clean_text(raw)
    notes = ["control characters were removed"] if stripped else []
    if len(text) > col.max_length:
        raise InvalidValue(f"is {len(text)} characters long; the limit is {col.max_length}",
                           f"Shorten it to {col.max_length} characters or fewer.")
    if _is_missing(text, col):
        if col.required:
            raise InvalidValue("is empty", f"Fill in {col.name}: {col.help}".rstrip(": ") + ".")
        return col.default, notes
    value = _CONVERTERS[col.type](text, col)
    _check_range(value, col)
    formula_like = text.startswith(FORMULA_SIGNS) and not _PLAIN.fullmatch(text)
    if col.type in ("text", "code") and formula_like:
        notes.append("starts like a spreadsheet formula (=, +, -, @): kept as plain text, "
                     "never evaluated")
    return value, notes

