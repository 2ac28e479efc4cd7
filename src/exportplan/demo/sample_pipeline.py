"""The sample exporter pipeline: a few hundred invented companies with history, and a business list.

:func:`write_sample_pipeline` writes two SAMPLE files:

* ``SAMPLE_pipeline.xlsx`` in the pipeline export layout (issue 9): sheets
  companies, export_sales, contacts, interactions, needs, referrals,
  outcomes and stage_history with the canonical columns, every child row
  naming its company by ``company_id``;
* ``SAMPLE_businesses.csv``, a list of the region's businesses for the
  prospect scores, which holds about 40% of the pipeline's companies under
  slightly different spellings ("Inc." added or dropped, "&" for "and",
  capitals) so that duplicate finding and "already in the pipeline" have
  something to find.

Everything is invented: company names start with "Sample" and end with
"(SAMPLE)", people are "Sample Person N", websites and e-mail addresses use
the reserved ``.example`` domain, telephone numbers the fictional 555-01xx
range, and referral providers are program types marked "(SAMPLE referral)".
Companies sit in the sample counties, in the sample's industries (sector
from the sample crosswalk), with markets from the sample's countries. The
history is consistent: stage changes chain (each from_stage is the previous
to_stage, the last to_stage is the company's stage), companies that became
exporters have a first-export outcome on the day they did, exporters have
export sales for the years they exported, and every date lies between
:data:`FIRST_DAY` and :data:`LAST_DAY`. The same seed writes the same bytes.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from ..analysis.pipeline_bundle import SHEETS as PIPELINE_SHEETS
from ..analysis.pipeline_terms import EXPORTING_STAGES, STAGES
from ..output.tables import neutralise
from .sample_clusters import CLUSTER_NAMES, CROSSWALK
from .sample_common import COUNTIES, SAMPLE_NOTE, write_user_table
from .sample_markets import DESTINATIONS, FDI_INVESTORS, SURVEY_MARKETS
from .sample_qcew import INDUSTRIES
from .sample_sectors import STATE_TARGETS

#: The invented history runs from FIRST_DAY to LAST_DAY, a fixed date (never "today", so that the files stay
#: deterministic) recent enough that the outreach list's recent-contact rule finds companies to leave out.
FIRST_DAY = dt.date(2021, 1, 1)
LAST_DAY = dt.date(2026, 9, 30)
#: Export sales are written for these years.
SALES_YEARS = tuple(range(2021, 2026))
#: The sample national exports by NAICS (USA Trade Online layout): their year, the latest sample QCEW year.
EXPORTS_YEAR = 2023
#: Invented U.S. goods exports per worker (USD) by 3-digit NAICS, for the sample's goods industries.
EXPORTS_PER_WORKER = {"111": 310_000, "112": 12_000, "212": 45_000, "311": 38_000, "313": 65_000, "323": 9_000,
                      "325": 215_000, "326": 42_000, "332": 48_000, "333": 135_000, "334": 195_000,
                      "336": 165_000, "339": 95_000}
COMPANY_COUNT = 300
BUSINESS_COUNT = 1500
#: Share of the pipeline's companies that the business list holds again (under other spellings).
PIPELINE_SHARE_IN_BUSINESSES = 0.4

#: The pipeline export's sheets and their columns, in order: the pipeline's own layout.
SHEETS = PIPELINE_SHEETS
BUSINESS_COLUMNS = ("name", "naics", "county_fips", "employees", "foreign_parent", "parent_country")

#: Name nouns of the industries: (naics, nouns, weight in the pipeline; 0: business list only).
NOUNS = (
    ("336390", ("Auto Parts", "Motor Components"), 3), ("336350", ("Driveline", "Gearworks"), 2),
    ("336320", ("Wiring Systems", "Auto Electric"), 2), ("326199", ("Plastics", "Molding"), 3),
    ("332710", ("Precision Tool", "Machine Works", "Machining"), 3),
    ("333517", ("Tool & Die", "Cutting Tools"), 2), ("333111", ("Implement", "Farm Equipment"), 2),
    ("323111", ("Printing", "Press"), 1), ("313210", ("Textiles", "Weaving"), 1),
    ("334413", ("Microdevices", "Semiconductor"), 1), ("334516", ("Instruments", "Analytical"), 2),
    ("334510", ("Diagnostics", "Medical Electronics"), 2),
    ("339112", ("Surgical", "Medical Devices"), 2), ("339113", ("Orthopedics", "Medical Supply"), 2),
    ("325412", ("Pharmaceuticals", "Biologics"), 1), ("311211", ("Flour Mill", "Milling"), 1),
    ("311513", ("Creamery", "Cheese"), 2), ("311612", ("Meats", "Sausage & Smokehouse"), 2),
    ("311812", ("Bakery", "Baking"), 1), ("541511", ("Software", "Code Works"), 1),
    ("541512", ("IT Solutions", "Systems Integration"), 1), ("518210", ("Data Center", "Cloud Hosting"), 1),
    ("541715", ("Research", "Applied Science"), 1), ("541330", ("Engineering", "Design Group"), 1),
    ("423430", ("Computer Supply", "Office Technology"), 1),
    ("424210", ("Drug Distributors", "Pharmacy Wholesale"), 1),
    ("423120", ("Parts Wholesale", "Auto Supply"), 1), ("493110", ("Warehousing", "Storage"), 1),
    ("484121", ("Trucking", "Freight Lines"), 1), ("488510", ("Forwarding", "Customs Brokerage"), 1),
    ("111150", ("Grain Farms", "Corn Growers"), 1), ("112120", ("Cattle Ranch", "Holsteins"), 0),
    ("115112", ("Crop Care", "Agronomy"), 0), ("212312", ("Quarry", "Stone & Aggregate"), 1),
    ("481112", ("Air Cargo",), 0), ("492110", ("Couriers", "Parcel"), 0),
    ("522320", ("Payments",), 0), ("524126", ("Mutual Insurance",), 0),
    ("524210", ("Insurance Agency", "Insurance Brokers"), 0),
    ("236220", ("Builders", "Construction"), 0), ("238220", ("Plumbing & Heating", "Mechanical"), 0),
    ("441110", ("Motors", "Auto Sales"), 0), ("445110", ("Market", "Grocers"), 0),
    ("531110", ("Properties", "Apartments"), 0), ("561320", ("Staffing", "Temps"), 0),
    ("561720", ("Cleaning", "Janitorial"), 0), ("621111", ("Family Medicine", "Physicians"), 0),
    ("623110", ("Care Center", "Nursing Home"), 0), ("713940", ("Fitness", "Athletic Club"), 0),
    ("722511", ("Grill", "Diner", "Bistro", "Kitchen", "Tavern", "Steakhouse"), 0),
)
WORDS = (
    "Acorn", "Alder", "Anvil", "Ashford", "Aspen", "Bellmont", "Birchwood", "Blackwater", "Bluestem",
    "Boulder", "Briarcliff", "Brookside", "Cardinal", "Cedar Hill", "Chestnut", "Clearwater", "Cobalt",
    "Copperfield", "Cornerstone", "Crescent", "Dogwood", "Driftwood", "Dunmore", "Eagle Point",
    "Eastgate", "Elmstead", "Emberly", "Evergreen", "Fairview", "Falcon", "Fernhill", "Foxglove",
    "Frontier", "Glenwood", "Golden Valley", "Granite", "Greystone", "Halcyon", "Harbor", "Hawthorne",
    "Heritage", "Highland", "Hollister", "Indigo", "Ironwood", "Juniper", "Kestrel", "Kettle Creek",
    "Keystone", "Kingsley", "Lakeside", "Lantern", "Larkspur", "Liberty", "Linden", "Magnolia",
    "Maple Grove", "Marigold", "Meadowbrook", "Millstone", "Newbury", "Nimbus", "Northfield",
    "Northstar", "Oakmont", "Orchard", "Osprey", "Parkside", "Pebble Creek", "Pinecrest", "Pinnacle",
    "Pioneer", "Prairie", "Quail Run", "Quartz", "Redwood", "Riverbend", "Rosewood", "Sagebrush",
    "Sawmill", "Silver Creek", "Sterling", "Stonebridge", "Summit", "Sunrise", "Tamarack",
    "Thornbury", "Trillium", "Union Mills", "Upland", "Valleyview", "Vantage", "Westbury",
    "Wexford", "Whitfield", "Willow", "Windmill", "Zenith",
)
SUFFIXES = (" Co.", " Inc.", ", Inc.", " LLC", " Corp.", " & Sons", " Company", " Ltd.", "",
            " & Co.", " Group")
CITIES = {"99001": ("Sampleton", "North Sampleton", "Mockford"),
          "99003": ("Fabricville", "Example Falls", "Placeholder Junction"),
          "99005": ("Dummyburg", "Testwood", "Sample Springs")}
STAFF = tuple(f"Sample Staff {n}" for n in range(1, 7))
ROLES = ("Owner", "President", "Export Manager", "Operations Manager", "Sales Director", "CFO")
#: Referral providers (program types marked SAMPLE) and some of their programs.
PROVIDERS = (
    ("U.S. Commercial Service (SAMPLE referral)",
     ("Gold Key Service", "International Partner Search", "Export counseling")),
    ("Small Business Development Center (SAMPLE referral)", ("Export readiness counseling",)),
    ("State Trade Expansion Program (SAMPLE referral)", ("STEP trade show grant",)),
    ("Export-Import Bank of the United States (SAMPLE referral)",
     ("Export credit insurance", "Working capital guarantee")),
    ("SBA Office of International Trade (SAMPLE referral)", ("Export Express loan",)),
    ("Sample State Trade Office (SAMPLE referral)", ("Trade mission", "Trade show pavilion")),
    ("District Export Council (SAMPLE referral)", ("Export mentoring",)),
    ("Manufacturing Extension Partnership (SAMPLE referral)", ("ExporTech",)),
)
#: Likely needs by stage (service categories of the shared vocabulary).
NEEDS = {
    "not ready": ("awareness and training", "readiness assessment and counseling", "mentoring"),
    "export-ready": ("export planning and acceleration", "market research", "trade finance and insurance",
                     "readiness assessment and counseling", "grants and cost-share"),
    "new-to-export": ("partner and buyer matchmaking", "trade shows and trade missions", "logistics",
                      "compliance, standards and IP protection", "due diligence and credit reports"),
}
NEEDS["active"] = NEEDS["expanding"] = (
    "partner and buyer matchmaking", "trade shows and trade missions", "single-company promotion",
    "due diligence and credit reports", "trade finance and insurance", "advocacy and trade barriers",
    "market-relationship programs", "cluster and sector programs")
#: Base chances of each final stage (most not ready or export-ready, fewer exporting).
STAGE_CHANCE = np.array([0.38, 0.32, 0.12, 0.11, 0.07])
SUMMARIES = {
    "outreach": "SAMPLE: first outreach about exporting", "call": "SAMPLE: call on export plans",
    "email": "SAMPLE: sent export resources", "meeting": "SAMPLE: meeting with management on markets",
    "visit": "SAMPLE: plant visit", "event": "SAMPLE: attended export workshop",
    "other": "SAMPLE: follow-up",
}
#: Names whose keys score this much or more are look-alikes (the duplicate finder flags 90).
LOOK_ALIKE = 88
_LEGAL = frozenset({"inc", "llc", "ltd", "corp", "co", "company", "corporation", "incorporated", "gmbh",
                    "sa", "plc", "lp", "llp"})
_SECTORS = {naics: CLUSTER_NAMES[code] for naics, code, _sub in CROSSWALK}
_INDUSTRY = {ind.naics: ind for ind in INDUSTRIES}
_TARGET_CLUSTERS = frozenset(t for t, kind, _p, _n in STATE_TARGETS if kind == "cluster")


@dataclass
class SamplePipelineFiles:
    """The sample pipeline workbook and business list."""

    folder: Path
    pipeline: Path
    businesses: Path
    exports: Path
    companies: int = COMPANY_COUNT
    business_count: int = BUSINESS_COUNT

    def all_paths(self) -> list[Path]:
        return [self.pipeline, self.businesses, self.exports]


@dataclass
class _Company:
    """One invented company and its history, as rows of each sheet."""

    row: dict
    rows: dict[str, list[dict]] = field(default_factory=lambda: {s: [] for s in SHEETS if s != "companies"})


def write_sample_pipeline(folder: str | Path, *, seed: int = 2024) -> SamplePipelineFiles:
    """Write ``SAMPLE_pipeline.xlsx`` and ``SAMPLE_businesses.csv`` into ``folder``.

    Deterministic: the same ``seed`` writes byte-identical files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 100])
    names = _Names(np.random.default_rng([seed, 101]))
    companies = [_company(rng, names, number) for number in range(1, COMPANY_COUNT + 1)]
    sheets = {"companies": [c.row for c in companies]}
    for sheet in SHEETS:
        if sheet != "companies":
            sheets[sheet] = [r for c in companies for r in c.rows[sheet]]
    pipeline = _write_workbook(folder / "SAMPLE_pipeline.xlsx", sheets)
    rows = _business_rows(np.random.default_rng([seed, 102]), names, [c.row for c in companies])
    businesses = write_user_table(folder / "SAMPLE_businesses.csv", rows)
    exports = write_sample_exports(folder / "SAMPLE_usatradeonline_exports_by_naics.csv")
    return SamplePipelineFiles(folder=folder, pipeline=pipeline, businesses=businesses, exports=exports)


def sample_exports() -> dict[str, int]:
    """Invented national goods exports (USD) by NAICS: 6-digit industries of the sample, 4- and 3-digit sums."""
    values: dict[str, int] = {}
    for ind in INDUSTRIES:
        per_worker = EXPORTS_PER_WORKER.get(ind.naics[:3])
        if per_worker is None:
            continue
        value = int(round(ind.us_emp * per_worker, -3))
        for digits in (3, 4, 6):
            values[ind.naics[:digits]] = values.get(ind.naics[:digits], 0) + value
    return dict(sorted(values.items()))


def write_sample_exports(path: Path) -> Path:
    """``SAMPLE`` national exports by NAICS in the USA Trade Online download layout (``All States`` rows).

    Read by :func:`exportplan.sources.usatrade.read_usatrade`; the national
    employment to divide by is the sample's US000 QCEW file of :data:`EXPORTS_YEAR`.
    """
    values = sample_exports()
    lines = ['"SAMPLE DATA - invented national exports by NAICS, not real statistics"',
             '"Current date: 10/01/2026 12:00 PM (SAMPLE)"',
             '"Commodity","State","Country","Time","Total Exports Value ($US)",',
             f'"All Commodities","All States","World Total","{EXPORTS_YEAR}","{sum(v for k, v in values.items() if len(k) == 3):,}",']
    for code, value in values.items():
        lines.append(f'"{code} SAMPLE industry {code}","All States","World Total","{EXPORTS_YEAR}","{value:,}",')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- names


class _Names:
    """Unique invented names, "Sample <word> <noun><suffix> (SAMPLE)", none a look-alike of another.

    A name is drawn again when its :func:`look_alike_key` scores :data:`LOOK_ALIKE` or more against
    any name already given (rapidfuzz token-sort ratio), so that the only likely duplicates in the
    sample files are the respelled copies planted on purpose.
    """

    def __init__(self, rng) -> None:
        self.rng = rng
        self.keys: list[str] = []

    def new(self, naics: str) -> str | None:
        nouns = next(n for code, n, _w in NOUNS if code == naics)
        for _ in range(30):
            word, noun = WORDS[self.rng.integers(len(WORDS))], nouns[self.rng.integers(len(nouns))]
            suffix = SUFFIXES[self.rng.integers(len(SUFFIXES))]
            if "&" in noun and "&" in suffix:
                suffix = " Inc."
            name = f"Sample {word} {noun}{suffix} (SAMPLE)"
            key = look_alike_key(name)
            if not process.extractOne(key, self.keys, scorer=fuzz.token_sort_ratio, score_cutoff=LOOK_ALIKE):
                self.keys.append(key)
                return name
        return None


def look_alike_key(name: str) -> str:
    """Casefolded, accents folded, "&" as "and", punctuation and legal suffixes removed."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^\w\s]", "", text.replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _LEGAL)


def respell(name: str, rng) -> str:
    """The same company as another list spells it: one change of suffix or "&", maybe in capitals.

    E.g. "Sample Summit Tool & Die Co. (SAMPLE)" may become "Sample Summit Tool and Die Co. (SAMPLE)",
    "Sample Summit Tool & Die Company (SAMPLE)" or "SAMPLE SUMMIT TOOL & DIE CO (SAMPLE)".
    """
    base = name.removesuffix(" (SAMPLE)")
    options = []
    if "&" in base:
        options.append(base.replace(" & ", " and "))
    for old, new in ((", Inc.", ""), (" Inc.", ""), (" Co.", " Company"), (" Company", " Co."),
                     (" LLC", " L.L.C."), (" Corp.", " Corporation")):
        if base.endswith(old):
            options.append(base.removesuffix(old) + new)
    if not any(base.endswith(s) for s in (" Inc.", " LLC", " Corp.", " Ltd.", " Co.", " Company")):
        options.append(base + ", Inc.")
    options.append(base.replace(".", "").replace(",", ""))
    options = [o for o in options if o != base] or [base + " Inc."]
    spelled = options[rng.integers(len(options))] + " (SAMPLE)"
    return spelled.upper() if rng.random() < 0.3 else spelled


# --------------------------------------------------------------------------- companies


def _pick(rng, items, weights):
    p = np.asarray(weights, dtype=float)
    return items[rng.choice(len(items), p=p / p.sum())]


def _county(rng, naics: str) -> str:
    """A county where the industry is (weights: the sample QCEW's intended specialisation)."""
    lq = _INDUSTRY[naics].lq
    weights = [w * s for w, s in zip(lq, (4.5, 0.8, 0.18), strict=True)]
    return _pick(rng, list(COUNTIES), [w + 1e-9 for w in weights])


def _employees(rng, naics: str, scale: float) -> int:
    return max(2, int(round(_INDUSTRY[naics].size * scale * rng.lognormal(0.0, 0.9))))


def _day(rng, low: dt.date, high: dt.date = LAST_DAY) -> dt.date:
    return low + dt.timedelta(days=int(rng.integers(0, (high - low).days + 1)))


def _markets(rng, count: int, exclude=()) -> list[str]:
    """``count`` distinct countries, Canada and Mexico most likely (region's export shares)."""
    isos = [iso for iso, _s, _g in DESTINATIONS if iso not in exclude]
    shares = np.array([s for iso, s, _g in DESTINATIONS if iso not in exclude])
    count = min(count, len(isos))
    return [isos[i] for i in rng.choice(len(isos), size=count, replace=False, p=shares / shares.sum())]


def _targets(rng, count: int, exclude=()) -> list[str]:
    isos = [iso for iso in SURVEY_MARKETS if iso not in exclude]
    weights = np.array([SURVEY_MARKETS[iso] for iso in isos], dtype=float)
    return [isos[i] for i in rng.choice(len(isos), size=min(count, len(isos)), replace=False,
                                        p=weights / weights.sum())]


def _parent(rng, naics: str, chance: float) -> tuple[str, str]:
    """A foreign parent (name, ISO3), preferring the sample's investors in the company's cluster."""
    if rng.random() >= chance:
        return "", ""
    sector = _SECTORS.get(naics, "")
    same = [(company, iso) for iso, cluster, _e, _j, company in FDI_INVESTORS if cluster == sector]
    pool = same or [(company, iso) for iso, _c, _e, _j, company in FDI_INVESTORS]
    return pool[rng.integers(len(pool))]


def _company(rng, names: _Names, number: int) -> _Company:
    codes = [code for code, _n, w in NOUNS if w]
    name = None
    while name is None:  # an industry whose names are used up gives way to another
        naics = _pick(rng, codes, [w for _c, _n, w in NOUNS if w])
        name = names.new(naics)
    county = _county(rng, naics)
    employees = _employees(rng, naics, 1.5)
    chance = STAGE_CHANCE * np.array([1, 1, *[min(1.5, (employees / 60) ** 0.25)] * 3])
    stage = _pick(rng, STAGES, chance)
    final = STAGES.index(stage)
    markets = _markets(rng, {2: 1, 3: int(rng.integers(2, 6)), 4: int(rng.integers(3, 8))}.get(final, 0))
    n_targets = int(rng.integers(0, 2)) if final == 0 else int(rng.integers(1, 4))
    parent, country = _parent(rng, naics, 0.1)
    sector = _SECTORS.get(naics, "")
    slug = "-".join(name.removesuffix(" (SAMPLE)").lower().replace("&", "and").replace(".", "")
                    .replace(",", "").split()[1:])
    tags = ["sample", *(["foreign-owned"] if parent else []),
            *(["target sector"] if sector in _TARGET_CLUSTERS else [])]
    row = {
        "company_id": f"SAMPLE-{number:04d}", "name": name, "naics": naics, "sector": sector,
        "county_fips": county, "city": CITIES[county][int(rng.integers(3))], "employees": employees,
        "revenue_usd": int(round(employees * 180_000 * rng.lognormal(0, 0.4), -3)),
        "website": f"https://www.{slug}.example", "foreign_parent": parent, "parent_country": country,
        "stage": stage, "current_markets": ";".join(markets),
        "target_markets": ";".join(_targets(rng, n_targets, exclude=markets)),
        "tags": ";".join(tags), "notes": SAMPLE_NOTE,
    }
    draw = rng.random()  # some records are still incomplete: filled in later
    if draw < 0.03:
        row.update(naics="", sector="")
    elif draw < 0.05:
        row.update(county_fips="", city="")
    elif draw < 0.25:
        row["revenue_usd"] = None
    company = _Company(row)
    start = _day(rng, FIRST_DAY, dt.date(LAST_DAY.year, 3, 31))
    became = _history(rng, company, start, final, markets)
    _sales(rng, company, start, final, became, employees)
    _contacts(rng, company, number, slug)
    _interactions(rng, company, start)
    _needs(rng, company, stage, row["target_markets"].split(";"))
    _referrals(rng, company, start, final)
    _outcome_programs(company)
    return company


def _history(rng, company: _Company, start: dt.date, final: int, markets: list[str]) -> dt.date | None:
    """Stage history from a first stage up to the final one; outcomes for each export step.

    Returns the day the company became an exporter (None if it did not, or already exported).
    """
    first = final if rng.random() < 0.35 else int(rng.integers(0, final + 1))
    path = list(range(first, final + 1))
    if path[0] == 0 and len(path) > 1 and path[1] == 1 and rng.random() < 0.15:
        path[1:1] = [1, 0]  # went back to not ready once before trying again
    days = sorted(_day(rng, start + dt.timedelta(days=1)) for _ in path[1:])
    days = [start, *days]
    cid = company.row["company_id"]
    became = None
    previous = ""
    for step, (index, day) in enumerate(zip(path, days, strict=True)):
        to = STAGES[index]
        source = "import" if step == 0 else ("assessment" if rng.random() < 0.4 else "manual")
        note = ("SAMPLE: stage when first recorded" if step == 0
                else "SAMPLE: readiness assessment confirmed" if source == "assessment"
                else "SAMPLE: stage updated by staff")
        company.rows["stage_history"].append({
            "company_id": cid, "date": day.isoformat(), "from_stage": previous, "to_stage": to,
            "changed_by": STAFF[int(rng.integers(len(STAFF)))], "source": source, "note": note})
        if step and to in EXPORTING_STAGES and previous != to and index > STAGES.index(previous):
            first_export = to == "new-to-export"
            became = day if first_export else became
            company.rows["outcomes"].append({
                "company_id": cid, "date": day.isoformat(),
                "kind": "first export" if first_export else "new market",
                "country": markets[index - 2], "export_sales_usd": None, "program": "",
                "note": "SAMPLE: first sale abroad" if first_export else "SAMPLE: entered a new market"})
        previous = to
    return became


def _sales(rng, company: _Company, start: dt.date, final: int, became: dt.date | None,
           employees: int) -> None:
    """Export sales by year while exporting; some exporters report their latest year as an outcome."""
    if STAGES[final] not in EXPORTING_STAGES:
        return
    share = {2: 0.03, 3: 0.12, 4: 0.25}[final] * rng.lognormal(0, 0.5)
    full = employees * 180_000 * share
    first_year = became.year if became else SALES_YEARS[0]
    cid = company.row["company_id"]
    for year in SALES_YEARS:
        if year < first_year:
            continue
        ramp = min(1.0, 0.4 + 0.2 * (year - first_year)) if became else 0.8 + 0.05 * (year - SALES_YEARS[0])
        value = full * ramp * (0.85 if year == SALES_YEARS[0] else 1.0) * rng.lognormal(0, 0.1)
        company.rows["export_sales"].append(
            {"company_id": cid, "year": year, "export_sales_usd": max(1000, int(round(value, -3)))})
    sales = company.rows["export_sales"]
    if sales and sales[-1]["year"] == SALES_YEARS[-1] and rng.random() < 0.5:
        day = _day(rng, max(start, dt.date(SALES_YEARS[-1] + 1, 1, 15)), dt.date(SALES_YEARS[-1] + 1, 4, 30))
        company.rows["outcomes"].append({
            "company_id": cid, "date": day.isoformat(), "kind": "export sales", "country": "",
            "export_sales_usd": sales[-1]["export_sales_usd"], "program": "",
            "note": f"SAMPLE: {SALES_YEARS[-1]} export sales reported"})


def _contacts(rng, company: _Company, number: int, slug: str) -> None:
    if rng.random() < 0.25:
        return
    for k in range(1, int(rng.integers(1, 4)) + 1):
        person = (number - 1) * 3 + k
        company.rows["contacts"].append({
            "company_id": company.row["company_id"], "contact_id": f"SAMPLE-{number:04d}-C{k}",
            "name": f"Sample Person {person}", "role": ROLES[int(rng.integers(len(ROLES)))],
            "email": f"person{person}@{slug}.example", "phone": f"555-01{int(rng.integers(100)):02d}"})


def _interactions(rng, company: _Company, start: dt.date) -> None:
    kinds = ("call", "email", "meeting", "visit", "event", "other")
    days = [start, *sorted(_day(rng, start) for _ in range(int(rng.integers(0, 8))))]
    for k, day in enumerate(days):
        kind = "outreach" if k == 0 else _pick(rng, kinds, [4, 4, 3, 2, 2, 1])
        company.rows["interactions"].append({
            "company_id": company.row["company_id"], "date": day.isoformat(), "kind": kind,
            "summary": SUMMARIES[kind], "staff": STAFF[int(rng.integers(len(STAFF)))]})


def _needs(rng, company: _Company, stage: str, targets: list[str]) -> None:
    count = int(rng.integers(0, 2)) if stage == "not ready" else int(rng.integers(1, 4))
    categories = NEEDS[stage]
    for pick in rng.choice(len(categories), size=min(count, len(categories)), replace=False):
        country = targets[int(rng.integers(len(targets)))] if targets[0] and rng.random() < 0.5 else ""
        company.rows["needs"].append({"company_id": company.row["company_id"],
                                      "service_category": categories[pick], "country": country,
                                      "note": "SAMPLE: need noted by staff"})


def _referrals(rng, company: _Company, start: dt.date, final: int) -> None:
    if rng.random() >= (0.15, 0.5, 0.6, 0.6, 0.6)[final]:
        return
    for _ in range(int(rng.integers(1, 3))):
        provider, programs = PROVIDERS[int(rng.integers(len(PROVIDERS)))]
        day = _day(rng, start)
        age = (LAST_DAY - day).days
        if age < 60:
            status = _pick(rng, ("made", "no response"), [4, 1])
        elif age < 180:
            status = _pick(rng, ("accepted", "in progress", "no response"), [2, 3, 1])
        else:
            status = _pick(rng, ("completed", "declined", "no response", "in progress"), [12, 3, 3, 2])
        company.rows["referrals"].append({
            "company_id": company.row["company_id"], "date": day.isoformat(), "provider": provider,
            "program": programs[int(rng.integers(len(programs)))],
            "referrer": STAFF[int(rng.integers(len(STAFF)))], "status": status,
            "outcome": "SAMPLE: service delivered" if status == "completed" else "", "program_id": ""})
    company.rows["referrals"].sort(key=lambda r: r["date"])


def _outcome_programs(company: _Company) -> None:
    """Attribute each outcome to the latest completed referral before it, if any."""
    for outcome in company.rows["outcomes"]:
        done = [r for r in company.rows["referrals"] if r["status"] == "completed" and r["date"] <= outcome["date"]]
        outcome["program"] = done[-1]["program"] if done else ""
    company.rows["outcomes"].sort(key=lambda r: r["date"])


# --------------------------------------------------------------------------- business list


def _business_rows(rng, names: _Names, companies: list[dict]) -> list[dict]:
    """The region's businesses: copies of some pipeline companies, respelled, and many others."""
    chosen = rng.choice(len(companies), size=round(len(companies) * PIPELINE_SHARE_IN_BUSINESSES),
                        replace=False)
    rows = []
    for i in sorted(chosen):
        c = companies[i]
        # a business register knows every business's county, also where the pipeline's record lacks it
        county = c["county_fips"] or list(COUNTIES)[int(rng.integers(len(COUNTIES)))]
        rows.append({"name": respell(c["name"], rng), "naics": c["naics"], "county_fips": county,
                     "employees": max(1, int(round(c["employees"] * rng.lognormal(0, 0.1)))),
                     "foreign_parent": c["foreign_parent"], "parent_country": c["parent_country"]})
    codes = [code for code, _n, _w in NOUNS]
    weights = [np.sqrt(_INDUSTRY[code].us_emp / _INDUSTRY[code].size) for code in codes]
    while len(rows) < BUSINESS_COUNT:
        naics = _pick(rng, codes, weights)
        name = names.new(naics)
        if name is None:
            continue
        parent, country = _parent(rng, naics, 0.03)
        rows.append({"name": name, "naics": naics, "county_fips": _county(rng, naics),
                     "employees": _employees(rng, naics, 1.0), "foreign_parent": parent,
                     "parent_country": country})
    return [rows[i] for i in rng.permutation(len(rows))]


# --------------------------------------------------------------------------- workbook


def _write_workbook(path: Path, sheets: dict[str, list[dict]]) -> Path:
    """The pipeline export layout: one sheet per table, header on row 1, codes and dates as text."""
    import xlsxwriter  # imported here: only the workbook needs it

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    wb = xlsxwriter.Workbook(str(path), options)
    try:
        wb.set_properties({"title": "SAMPLE exporter pipeline", "comments": SAMPLE_NOTE,
                           "author": "exportplan sample (invented data)",
                           "created": dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)})
        for sheet, columns in SHEETS.items():
            ws = wb.add_worksheet(sheet)
            ws.write_row(0, 0, columns)
            for r, row in enumerate(sheets[sheet], start=1):
                for c, col in enumerate(columns):
                    value = row[col]
                    if isinstance(value, str) and value:
                        ws.write_string(r, c, neutralise(value))
                    elif isinstance(value, int | float) and not isinstance(value, bool):
                        ws.write_number(r, c, value)
    finally:
        wb.close()
    return path


__all__ = ["BUSINESS_COLUMNS", "BUSINESS_COUNT", "COMPANY_COUNT", "FIRST_DAY", "LAST_DAY", "SALES_YEARS",
           "EXPORTS_YEAR", "SHEETS", "SamplePipelineFiles", "sample_exports",
           "write_sample_exports", "look_alike_key", "respell", "write_sample_pipeline"]
