"""The public company survey's questionnaire and its validation (issue 13, item 4). Pure: no I/O.

The survey asks what a company can tell about itself without an account: who it is, what it makes,
its export status, its current and target markets, its barriers and needs, and the readiness
assessment's questions (:data:`exportplan.analysis.readiness.ITEMS`, reused as they are, so that an
accepted response is scored exactly as staff would score it). Staff review every response before it
enters the pipeline (``ws.survey``).

:func:`fields` gives the questions for a page to render; :func:`validate` checks a submission and
returns the clean answers and, per field, what is wrong and how to fix it. Everything a submitter
types is kept as text, never interpreted: no markup, no formulas, no templates. Text is trimmed,
capped in length, and stripped of control characters (a NUL cannot be stored in PostgreSQL text) and
of unpaired surrogates; the page that shows it escapes it.

The two look-ups that need data are given by the caller: the region's counties (FIPS -> name) and
the country look-up (any spelling -> ISO3 or None; the service passes
``exportplan.sources.countries.to_iso3``, the one the pipeline's checks use).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from exportplan.analysis.pipeline_terms import SERVICE_CATEGORIES, STAGE_HELP, STAGES
from exportplan.analysis.readiness import ITEMS, ITEMS_BY_KEY

#: Barriers a company may name (plus ``other``, described in ``barrier_other``).
#: A survey response's review status.
STATUSES = ("pending", "accepted", "rejected")
BARRIERS = (
    "finding buyers, distributors or agents", "knowing which markets to target", "financing export orders",
    "getting paid and credit risk", "foreign regulations, standards and certification",
    "tariffs and trade barriers", "shipping costs and logistics", "export documents and compliance",
    "language and culture", "staff time or export know-how", "protecting intellectual property",
    "currency risk", "other",
)
#: The longest text kept per kind of field (characters).
SHORT, MEDIUM, LONG = 200, 500, 4000
#: The most countries kept in one market list.
MAX_COUNTRIES = 30
_MAX_FIELDS = 200  # a submission naming more fields than this is refused outright
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{7,30}(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$", re.IGNORECASE)
_MAX_EMPLOYEES = 10_000_000


@dataclass(frozen=True)
class Field:
    """One question of the survey, as a page renders it.

    ``kind``: text, textarea, email, phone, number, choice (one of ``choices``), choices (any of
    ``choices``) or countries (names or ISO3 codes, one a line or ';'-separated). ``choices`` are
    (value, label) pairs; ``section`` groups questions (a readiness area, or the company's facts).
    """

    key: str
    label: str
    kind: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 0
    help: str = ""
    section: str = "your company"

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "kind": self.kind, "required": self.required,
                "choices": [list(c) for c in self.choices], "max_length": self.max_length, "help": self.help,
                "section": self.section}


@dataclass
class Checked:
    """The result of :func:`validate`: the clean answers and the problems (field -> what to fix)."""

    clean: dict
    problems: dict[str, str] = field(default_factory=dict)

    def __iter__(self):  # clean, problems = validate(...)
        return iter((self.clean, self.problems))


def _facts(counties: Mapping[str, str]) -> tuple[Field, ...]:
    county_choices = tuple((fips, name) for fips, name in counties.items())
    return (
        Field("company_name", "Company name", "text", True, max_length=SHORT),
        Field("contact_name", "Your name", "text", max_length=SHORT, help="Optional."),
        Field("contact_email", "Email", "email", max_length=254, help="Optional; staff use it to reply."),
        Field("contact_phone", "Phone", "phone", max_length=40, help="Optional."),
        Field("naics", "NAICS code", "text", max_length=6,
              help="2 to 6 digits, e.g. 332710. Give this or a description of your products."),
        Field("product", "What you make or sell", "textarea", max_length=MEDIUM,
              help="Give this or a NAICS code."),
        Field("county_fips", "County", "choice", choices=county_choices,
              help="The county of your main site in the region; leave blank if it is outside."),
        Field("employees", "Employees", "number", help="A whole number, e.g. 25."),
        Field("export_status", "Which best describes your exporting today?", "choice", True,
              choices=tuple((s, f"{s}: {STAGE_HELP[s]}") for s in STAGES)),
        Field("current_markets", "Countries you sell to now", "countries",
              help=f"Names or ISO3 codes (e.g. Canada, MEX), one a line or separated by ';'; at most "
                   f"{MAX_COUNTRIES}."),
        Field("target_markets", "Countries you want to sell to", "countries",
              help=f"Names or ISO3 codes, as above; at most {MAX_COUNTRIES}."),
        Field("barriers", "What holds your exporting back?", "choices", choices=tuple((b, b) for b in BARRIERS),
              section="barriers and needs"),
        Field("barrier_other", "Other barrier", "text", max_length=MEDIUM, help="If you chose 'other'.",
              section="barriers and needs"),
        Field("needs", "Which help would you use?", "choices", choices=tuple((c, c) for c in SERVICE_CATEGORIES),
              section="barriers and needs"),
        Field("comments", "Anything else we should know", "textarea", max_length=LONG,
              section="barriers and needs"),
    )


def _readiness_fields() -> tuple[Field, ...]:
    return tuple(Field(item.key, item.question, "choice", choices=tuple((a.key, a.label) for a in item.answers),
                       section=f"readiness: {item.area}") for item in ITEMS)


def fields(counties: Mapping[str, str] | Sequence[str] = ()) -> tuple[Field, ...]:
    """Every question of the survey in the order a page shows them: the company's facts, its barriers
    and needs, then the readiness assessment's items (optional, grouped by area).

    ``counties``: the region's counties, FIPS -> name (a list of FIPS codes is named by its codes).
    """
    return _facts(_county_map(counties)) + _readiness_fields()


def field_keys() -> tuple[str, ...]:
    return tuple(f.key for f in fields())


def _county_map(counties: Mapping[str, str] | Sequence[str]) -> dict[str, str]:
    if isinstance(counties, Mapping):
        return {str(k): str(v) for k, v in counties.items()}
    return {str(c): str(c) for c in counties}


# ---- cleaning text -------------------------------------------------------------------------------
def clean_text(value: object, *, multiline: bool = False) -> str:
    """Text as it is stored: unpaired surrogates replaced, control characters removed (newlines and tabs
    kept in multi-line text, turned into spaces otherwise), spaces trimmed. Nothing is interpreted."""
    text = str(value).encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else str(value)
    keep = "\n\t" if multiline else ""
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch in keep:
            out.append(ch)
        elif unicodedata.category(ch) == "Cc":
            out.append(" " if ch in "\n\t" else "")
        else:
            out.append(ch)
    return "".join(out).strip()


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return all(_blank(v) for v in value)
    return False


def _items(value: object) -> list[str]:
    """A multi-valued answer (a list from a form, or text with one item a line or ';'-separated)."""
    if isinstance(value, (list, tuple)):
        pieces = [clean_text(v) for v in value if isinstance(v, (str, int, float)) and not _blank(v)]
    else:
        pieces = [clean_text(p) for p in re.split(r"[;\n]", clean_text(value, multiline=True))]
    out: list[str] = []
    for p in pieces:
        if p and p not in out:
            out.append(p)
    return out


def _one_of(value: str, choices: Sequence[tuple[str, str]]) -> str | None:
    """The choice's value given its value or its label, in any case; None when it is not one."""
    wanted = " ".join(value.split()).lower()
    for key, label in choices:
        if wanted in (key.lower(), label.lower()):
            return key
    return None


def _shown(value: str, longest: int = 60) -> str:
    return repr(value if len(value) <= longest else value[:longest] + "...")


# ---- validation --------------------------------------------------------------------------------------
def validate(answers: Mapping[str, object], *, counties: Mapping[str, str] | Sequence[str] = (),
             to_iso3: Callable[[str], str | None] | None = None) -> Checked:
    """Check a submission: ``(clean, problems)``.

    ``clean`` holds the answers as stored (blank answers left out): text fields as text, ``employees``
    an int, ``current_markets``/``target_markets`` lists of ISO3 codes, ``barriers``/``needs`` lists
    of choices, ``readiness`` the readiness items answered (item key -> answer key). ``problems`` maps
    each field with a problem to a message saying what is wrong and how to fix it; empty when the
    submission can be stored.

    ``counties``: the region's counties (FIPS -> name); when given, the county must be one of them
    (by FIPS code or name). ``to_iso3``: the country look-up; without it only ISO3 codes are accepted.
    """
    problems: dict[str, str] = {}
    if not isinstance(answers, Mapping):
        return Checked({}, {"": "The survey's answers must be given as fields and values; send the form again."})
    if len(answers) > _MAX_FIELDS:
        return Checked({}, {"": f"The submission has {len(answers)} fields, more than the survey's "
                                f"{len(field_keys())}; send the survey's form."})
    county_map = _county_map(counties)
    by_key = {f.key: f for f in fields(county_map)}
    unknown = sorted(str(k) for k in answers if k not in by_key)
    if unknown:
        problems[""] = (f"Unknown field(s) {', '.join(_shown(str(k), 40) for k in unknown[:10])}"
                        f"{' ...' if len(unknown) > 10 else ''}; the survey has only its own questions. "
                        "Send the survey's form.")
    clean: dict = {}
    readiness: dict[str, str] = {}
    for f in by_key.values():
        value = answers.get(f.key)
        if _blank(value):
            if f.required:
                problems[f.key] = f"'{f.label}' is required; please answer it."
            continue
        if isinstance(value, (dict, set, bytes, bytearray)) or (
                f.kind not in ("choices", "countries") and isinstance(value, (list, tuple))):
            problems[f.key] = f"{f.label}: give one answer as text."
            continue
        try:
            result = _check(f, value, county_map, to_iso3)
        except _Problem as exc:
            problems[f.key] = str(exc)
            continue
        if f.key in ITEMS_BY_KEY:
            readiness[f.key] = result
        elif result not in ("", []):
            clean[f.key] = result
    if "naics" not in clean and "product" not in clean and "naics" not in problems and "product" not in problems:
        problems["product"] = ("Give your NAICS code or describe what you make or sell, so that staff can "
                               "match you with programs and markets.")
    _other_barrier(clean, problems)
    if readiness:
        clean["readiness"] = readiness
    return Checked(clean, problems)


class _Problem(Exception):
    pass


def _check(f: Field, value: object, counties: dict[str, str], to_iso3) -> object:
    if f.kind == "countries":
        return _countries(f, value, to_iso3)
    if f.kind == "choices":
        return _many(f, value)
    text = clean_text(value, multiline=f.kind == "textarea")
    if f.max_length and len(text) > f.max_length:
        raise _Problem(f"{f.label} is too long ({len(text):,} characters); shorten it to at most "
                       f"{f.max_length:,}.")
    if f.kind == "email" and not _EMAIL.match(text):
        raise _Problem(f"{f.label} {_shown(text)} is not an email address; write it as name@example.org, "
                       "or leave it blank.")
    if f.kind == "phone" and not _PHONE.match(text):
        raise _Problem(f"{f.label} {_shown(text)} is not a phone number; use digits with spaces, '+', '-' "
                       "or brackets (e.g. 614-555-0100), or leave it blank.")
    if f.kind == "number":
        return _employees(f, text)
    if f.key == "naics" and not (text.isdigit() and text.isascii() and 2 <= len(text) <= 6):
        raise _Problem(f"NAICS code {_shown(text)} must be 2 to 6 digits (e.g. 332710); leave it blank and "
                       "describe your products if you do not know it.")
    if f.key == "county_fips":
        return _county(f, text, counties)
    if f.kind == "choice":
        found = _one_of(text, f.choices)
        if found is None:
            raise _Problem(f"{_shown(text)} is not one of the answers to '{f.label}'; choose one of: "
                           f"{'; '.join(label for _, label in f.choices)}.")
        return found
    return text


def _employees(f: Field, text: str) -> int:
    digits = text.replace(",", "").strip()
    if not (digits.isdigit() and digits.isascii()):
        raise _Problem(f"{f.label} {_shown(text)} is not a whole number; give a count, e.g. 25.")
    number = int(digits)
    if number > _MAX_EMPLOYEES:
        raise _Problem(f"{f.label} {number:,} is more than any company employs; give your company's count.")
    return number


def _county(f: Field, text: str, counties: dict[str, str]) -> str:
    if not counties:
        if text.isdigit() and text.isascii() and len(text) == 5:
            return text
        raise _Problem(f"County {_shown(text)} must be a 5-digit county FIPS code (e.g. 39049).")
    wanted = " ".join(text.split()).lower()
    for fips, name in counties.items():
        plain = name.lower()
        if wanted in (fips, plain, plain.split(",")[0], plain.replace(" county", "").split(",")[0]):
            return fips
    raise _Problem(f"County {_shown(text)} is not one of the region's counties; choose one of: "
                   f"{'; '.join(counties.values())}, or leave it blank if your site is outside the region.")


def _many(f: Field, value: object) -> list[str]:
    out, bad = [], []
    for item in _items(value):
        found = _one_of(item, f.choices)
        if found is None:
            bad.append(item)
        elif found not in out:
            out.append(found)
    if bad:
        raise _Problem(f"{f.label}: {', '.join(_shown(b, 40) for b in bad[:5])} "
                       f"{'is' if len(bad) == 1 else 'are'} not among the answers; choose from: "
                       f"{'; '.join(label for _, label in f.choices)}.")
    return out


def _countries(f: Field, value: object, to_iso3) -> list[str]:
    look_up = to_iso3 or _iso3_only
    out, bad = [], []
    for item in _items(value):
        code = look_up(item) if len(item) <= 100 else None
        # "Canada, Mexico" typed on one line: each part a country (a name like "Korea, South" is found whole)
        parts = [p.strip() for p in item.split(",") if p.strip()] if code is None and "," in item else [item]
        codes = [code] if len(parts) == 1 else [look_up(p) if len(p) <= 100 else None for p in parts]
        bad += [p for p, c in zip(parts, codes) if c is None]
        out += [c for c in codes if c is not None and c not in out]
    if bad:
        raise _Problem(f"{f.label}: {', '.join(_shown(b, 40) for b in bad[:5])} "
                       f"{'is' if len(bad) == 1 else 'are'} not a country we know; give each country's name "
                       "or ISO3 code (e.g. Canada or CAN), one a line.")
    if len(out) > MAX_COUNTRIES:
        raise _Problem(f"{f.label}: {len(out)} countries given; list at most {MAX_COUNTRIES} (the main ones).")
    return out


def _iso3_only(value: str) -> str | None:
    text = value.strip().upper()
    return text if len(text) == 3 and text.isascii() and text.isalpha() else None


def _other_barrier(clean: dict, problems: dict[str, str]) -> None:
    """A described other barrier implies 'other'; 'other' alone asks for the description."""
    barriers = clean.get("barriers", [])
    if clean.get("barrier_other") and "other" not in barriers:
        clean["barriers"] = barriers + ["other"]
    elif "other" in barriers and not clean.get("barrier_other") and "barrier_other" not in problems:
        problems["barrier_other"] = "You chose 'other' among the barriers; say in a few words what it is."


def summary(clean: Mapping) -> str:
    """A response's answers that have no field of their own in the pipeline, as one note (export status,
    product, barriers, comments): what staff read in the company's notes after accepting it."""
    parts = []
    if clean.get("export_status"):
        parts.append(f"export status (as reported): {clean['export_status']}")
    if clean.get("product"):
        parts.append(f"products: {clean['product']}")
    barriers = [b for b in clean.get("barriers", []) if b != "other"]
    if clean.get("barrier_other"):
        barriers.append(f"other: {clean['barrier_other']}")
    if barriers:
        parts.append(f"barriers: {'; '.join(barriers)}")
    if clean.get("comments"):
        parts.append(f"comments: {clean['comments']}")
    return " | ".join(parts)


__all__ = ["BARRIERS", "Checked", "Field", "LONG", "MAX_COUNTRIES", "MEDIUM", "SHORT", "clean_text", "field_keys",
           "fields", "summary", "validate"]
