"""Build the reference catalogue of the main federal export programs shipped with exportplan.

Writes ``src/exportplan/data/program_catalogue_providers.csv`` and
``src/exportplan/data/program_catalogue_programs.csv`` (columns exactly
``program_terms.PROVIDER_COLUMNS`` and ``PROGRAM_COLUMNS``), each below a ``# ...`` line naming
how it was built. Every new workspace loads them as the catalogue's rows.

The facts live here, next to the public page each was read from. For every row:

- ``source_url`` is the page read (an archived copy where that is what was read);
- ``evidence`` says what was read, and whether that copy carries a date;
- ``last_verified`` is the date of that evidence: the publication date of a dated document
  (a Federal Register notice, a CRS or GAO report, a page showing "Last Published"), or the
  capture date of an archived page copy. A row read only from an undated page has a blank
  ``last_verified``, which the plan shows as "not verified". It is never the build date: the
  output depends on nothing but this file, so a rebuild writes the same bytes.

Facts are short paraphrases of what each page says; users correct them in their own workspace
(``exportplan programs import``) when a program changes.

    python scripts/build_program_catalogue.py [-o src/exportplan/data]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
from pathlib import Path

from exportplan.analysis.program_terms import (
    ALL, COSTS, LEVELS, PROGRAM_COLUMNS, PROVIDER_COLUMNS, SERVICE_CATEGORIES, STAGES, STATUSES,
    join_list,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "src" / "exportplan" / "data"
PROVIDERS_FILE = "program_catalogue_providers.csv"
PROGRAMS_FILE = "program_catalogue_programs.csv"
HEADER = ("Reference catalogue of the main federal export programs, from public agency pages, "
          "Federal Register notices and CRS and GAO reports (each row names its source_url, its evidence "
          "and the date of that evidence; blank last_verified = not verified); public domain facts. "
          "Built by scripts/build_program_catalogue.py.")

#: Export stages of a company that exports or seeks to export (the U.S. Commercial Service's
#: eligibility wording), and of one that already exports.
SEEKING = ("export-ready", "new-to-export", "active", "expanding")
EXPORTING = ("new-to-export", "active", "expanding")
#: Food and agriculture NAICS prefixes: crop and animal production, food and beverage manufacturing.
FOOD_AND_AGRICULTURE = ("111", "112", "311", "312")

_CS_ELIGIBILITY = "https://www.trade.gov/determine-cs-eligibility"
_CRS_SBA = "https://www.everycrsreport.com/reports/R43155.html"
_BASIC_GUIDE_SBA = "https://www.stopfakes.gov/article?id=Small-Business-Administration"

PROVIDERS: list[dict] = [
    {
        "provider_id": "fed-uscs", "name": "U.S. Commercial Service (International Trade Administration)",
        "level": "federal", "type": "US Commercial Service / U.S. Export Assistance Center",
        "geography": "U.S. Export Assistance Centers in about 100 U.S. locations; posts in over 80 countries",
        "url": "https://www.trade.gov",
        "source_url": _CS_ELIGIBILITY, "last_verified": "",
        "evidence": "trade.gov 'Eligibility for Commercial Service Assistance' page, copy without a date: "
                    "network in over 80 countries and 100 U.S. locations",
        "note": "Local offices come from the office list (exportplan programs import of the USEAC file).",
    },
    {
        "provider_id": "fed-sba", "name": "U.S. Small Business Administration, Office of International Trade",
        "level": "federal", "type": "SBA", "geography": "nationwide; export finance staff in U.S. Export "
                                                        "Assistance Centers",
        "url": "https://www.sba.gov",
        "source_url": _CRS_SBA, "last_verified": "2022-05-24",
        "evidence": "CRS report R43155, Small Business Administration Trade and Export Promotion Programs, "
                    "updated 2022-05-24: SBA's Office of International Trade runs its export loan guaranty, "
                    "training and STEP grant programs",
    },
    {
        "provider_id": "fed-exim", "name": "Export-Import Bank of the United States (EXIM)",
        "level": "federal", "type": "EXIM", "geography": "nationwide", "url": "https://www.exim.gov",
        "source_url": "https://www.exim.gov/solutions/export-credit-insurance/small-business-policy",
        "last_verified": "",
        "evidence": "exim.gov small business insurance page, copy without a date",
    },
    {
        "provider_id": "fed-usda-fas", "name": "U.S. Department of Agriculture, Foreign Agricultural Service",
        "level": "federal", "type": "USDA FAS and state regional trade groups",
        "geography": "nationwide; companies reach its market development programs through trade "
                     "associations, cooperatives and the four State Regional Trade Groups (Food Export-Midwest, "
                     "Food Export-Northeast, SUSTA, WUSATA)",
        "url": "https://www.fas.usda.gov",
        "source_url": "https://www.fas.usda.gov/programs/market-access-program-map", "last_verified": "",
        "evidence": "fas.usda.gov Market Access Program page, copy without a date: FAS partners with trade "
                    "associations, cooperatives, state regional trade groups and small businesses",
    },
    {
        "provider_id": "fed-sbdc", "name": "Small Business Development Centers (SBA partner network)",
        "level": "federal", "type": "SBDC", "geography": "nationwide network of centers",
        "url": "https://www.sba.gov",
        "source_url": "https://www.gao.gov/products/gao-13-217", "last_verified": "2013-01-30",
        "evidence": "GAO-13-217, published 2013-01-30: SBA's counseling and training is provided mainly "
                    "through nonfederal partner entities called Small Business Development Centers",
        "note": "Level 'federal' marks a federally funded national network; the centers themselves are "
                "nonfederal partners of SBA (GAO-13-217).",
    },
    {
        "provider_id": "fed-dec", "name": "District Export Councils",
        "level": "federal", "type": "District Export Council",
        "geography": "60 councils nationwide, each tied to the U.S. Export Assistance Centers of its district",
        "url": "https://www.trade.gov",
        "source_url": "https://thefederalregister.org/82-FR/27235", "last_verified": "2017-06-14",
        "evidence": "Federal Register 82 FR 27235, published 2017-06-14: members are appointed by the "
                    "Secretary of Commerce to one of the 60 District Export Councils, closely affiliated "
                    "with the U.S. Export Assistance Centers",
    },
]

PROGRAMS: list[dict] = [
    # U.S. Commercial Service
    {
        "program_id": "uscs-counseling", "provider_id": "fed-uscs",
        "name": "Export counseling, market research and market-entry information",
        "categories": ("readiness assessment and counseling", "market research",
                       "compliance, standards and IP protection"),
        "stages": SEEKING, "cost": "free",
        "eligibility_note": "A U.S. entity that exports or seeks to export; how much free counseling a company "
                            "gets is the client account manager's decision.",
        "cost_note": "Publicly available assistance is free of charge: general counseling, market research, "
                     "market intelligence, market-entry requirements and standards information.",
        "funding_source": "federal",
        "source_url": _CS_ELIGIBILITY, "last_verified": "",
        "evidence": "trade.gov 'Determine CS Eligibility' page, copy without a date: non-fee-based "
                    "assistance is free of charge and includes general counseling and market research",
    },
    {
        "program_id": "uscs-gold-key", "provider_id": "fed-uscs",
        "name": "Gold Key matchmaking and other fee-based services",
        "categories": ("partner and buyer matchmaking",), "stages": SEEKING, "cost": "fee",
        "min_us_content_pct": 51,
        "eligibility_note": "A U.S. exporter whose products or services meet the U.S. content rule for "
                            "fee-based services.",
        "cost_note": "Fee-based: assistance that confers special benefits on a single business, such as "
                     "the Gold Key Matchmaking Service that matches U.S. businesses with foreign buyers.",
        "funding_source": "user fees",
        "source_url": _CS_ELIGIBILITY, "last_verified": "",
        "evidence": "trade.gov 'Determine CS Eligibility' page, copy without a date: fee-based assistance "
                    "includes the Gold Key Matchmaking Service",
        "note": "The 51% U.S.-content figure comes from the project's design note (this page); the copy read "
                "here is cut off before it, and an archived 2009 Commercial Service page states a "
                "majority U.S. content criterion. Check it.",
    },
    {
        "program_id": "uscs-certified-trade-missions", "provider_id": "fed-uscs",
        "name": "Certified Trade Missions",
        "categories": ("trade shows and trade missions", "partner and buyer matchmaking"),
        "stages": EXPORTING, "cost": "fee",
        "eligibility_note": "Companies join a mission run by its organizer (a trade association, a state or "
                            "local government or another export group); Commercial Service posts host it.",
        "cost_note": "Terms are set by each mission's organizer, in a budget agreed with the posts.",
        "source_url": "https://www.export.gov/article?id=What-benefits-are-there-for-my-business-in-"
                      "participating-in-a-Certified-Trade-Mission",
        "last_verified": "2018-02-08",
        "evidence": "export.gov article on Certified Trade Missions, last published 2018-02-08: missions are "
                    "planned, organized, recruited and led by groups outside the Department of Commerce and "
                    "hosted by its overseas Commercial Service offices; they include one-on-one business "
                    "appointments and market briefings",
        "note": "The missions' Conditions of Participation (2016.export.gov/ctm, undated copy) ask for at "
                "least 51% U.S. content for goods made abroad under a U.S. firm's name; not verified.",
    },
    # SBA
    {
        "program_id": "sba-export-working-capital", "provider_id": "fed-sba",
        "name": "Export Working Capital Program (loan guaranty)",
        "categories": ("trade finance and insurance",), "stages": SEEKING, "cost": "fee",
        "eligibility_note": "Small businesses (SBA size standards); no U.S. content requirement as long as "
                            "the items are shipped from the United States.",
        "cost_note": "A 90% guarantee to lenders on loans up to $5.0 million; the interest rate is "
                     "negotiated with the lender.",
        "funding_source": "federal (loan guaranty)",
        "source_url": _BASIC_GUIDE_SBA, "last_verified": "2016-11-25",
        "evidence": "A Basic Guide to Exporting (U.S. Commercial Service), SBA chapter, last published "
                    "2016-11-25: EWCP gives a 90% guarantee on loans up to $5.0 million; no U.S. content "
                    "requirement",
    },
    {
        "program_id": "sba-international-trade-loan", "provider_id": "fed-sba",
        "name": "International Trade Loan (loan guaranty)",
        "categories": ("trade finance and insurance",), "stages": SEEKING, "cost": "fee",
        "eligibility_note": "Small businesses (SBA size standards) entering or expanding in foreign markets.",
        "cost_note": "SBA can guarantee loans up to $5 million; rates are set with the lender.",
        "funding_source": "federal (loan guaranty)",
        "source_url": _BASIC_GUIDE_SBA, "last_verified": "2016-11-25",
        "evidence": "A Basic Guide to Exporting (U.S. Commercial Service), SBA chapter, last published "
                    "2016-11-25: under the International Trade Loan Program SBA can guarantee loans up to "
                    "$5 million",
    },
    {
        "program_id": "sba-export-express", "provider_id": "fed-sba", "name": "Export Express (loan guaranty)",
        "categories": ("trade finance and insurance",), "stages": SEEKING, "cost": "fee",
        "eligibility_note": "Small business concerns, for an export development activity (such as a trade "
                            "show abroad, translating brochures, a line of credit for export purposes).",
        "cost_note": "Loans up to $500,000; SBA guarantees 90% of a loan up to $350,000 and 75% of a larger one.",
        "funding_source": "federal (loan guaranty)",
        "source_url": "https://www4.law.cornell.edu/definitions/uscode.php?width=840&height=800&iframe=true"
                      "&def_id=15-USC-1079724960-1106649681&term_occur=999"
                      "&term_src=title:15:chapter:14A:section:636",
        "last_verified": "",
        "evidence": "15 U.S.C. 636(a)(34) (Export express program), statute text without a date on the copy "
                    "read: maximum $500,000; 90% of a loan up to $350,000, 75% above",
    },
    {
        "program_id": "sba-step", "provider_id": "fed-sba",
        "name": "State Trade Expansion Program (STEP) grants through the states",
        "categories": ("grants and cost-share",), "stages": SEEKING, "cost": "cost-share",
        "eligibility_note": "Eligible small business concerns, through their state's STEP program; each state "
                            "sets which export costs it helps pay.",
        "cost_note": "SBA grants fund states for two years (FY2024 awards $100,000 to $900,000); the state "
                     "passes support on to small businesses under its own rules.",
        "funding_source": "STEP",
        "pays_for": ("trade shows and trade missions", "single-company promotion", "awareness and training"),
        "calendar": "Awards to states once a year, for a two-year period",
        "source_url": "https://www.everycrsreport.com/reports/IF12149.html", "last_verified": "2024-10-07",
        "evidence": "CRS In Focus IF12149, The Small Business Administration's State Trade Expansion "
                    "Program, updated 2024-10-07: two-year awards; FY2024 grants from $100,000 to $900,000; "
                    "goals: more small businesses exporting, higher export value, more exploring new markets",
        "note": "pays_for follows the uses named by SBA's STEP fact sheet (sba.gov, pilot years, copy without "
                "a date: foreign trade missions and sales trips, trade show exhibitions, website translation, "
                "international marketing media, training workshops); it also names subscriptions to Commerce "
                "Department services, left out here because which services a state pays for is that state's "
                "rule. Enter a state's own STEP program as a state row with its terms.",
    },
    # EXIM
    {
        "program_id": "exim-credit-insurance", "provider_id": "fed-exim",
        "name": "Export credit insurance (including the small business multi-buyer policy)",
        "categories": ("trade finance and insurance",), "stages": EXPORTING, "cost": "fee",
        "eligibility_note": "The small business policy is for businesses that meet the SBA small business "
                            "definition; other policies have no size limit.",
        "cost_note": "Premiums; the small business policy covers 95% of commercial and political risks with "
                     "no first-loss deductible.",
        "funding_source": "federal (insurance premiums)",
        "source_url": "https://webarchive.library.unt.edu/web/20130223180955/http://www.exim.gov/products/"
                      "exportcreditinsurance/smallbusinessinsurance",
        "last_verified": "2013-02-23",
        "evidence": "exim.gov Small Business Insurance page, archived copy of 2013-02-23: EXIM assumes 95% "
                    "of the nonpayment risk, no first-loss deductible. The current exim.gov small business "
                    "policy page (undated copy) states the same 95% cover and no deductible",
    },
    {
        "program_id": "exim-working-capital", "provider_id": "fed-exim", "name": "Working Capital Loan Guarantee",
        "categories": ("trade finance and insurance",), "stages": SEEKING, "cost": "fee",
        "eligibility_note": "U.S. exporters borrowing from a commercial lender against export-related "
                            "inventory and receivables.",
        "cost_note": "EXIM guarantees 90% of the lender's working capital loan; the lender's rate and EXIM "
                     "fees apply.",
        "funding_source": "federal (loan guarantee)",
        "source_url": "https://webarchive.library.unt.edu/web/20130215060133/http://www.exim.gov/products/"
                      "workingcapital",
        "last_verified": "2013-02-15",
        "evidence": "exim.gov Working Capital page, archived copy of 2013-02-15: a 90% loan guarantee to "
                    "commercial lenders",
    },
    # USDA FAS
    {
        "program_id": "fas-market-access-program", "provider_id": "fed-usda-fas", "name": "Market Access Program (MAP)",
        "categories": ("grants and cost-share", "trade shows and trade missions", "market research"),
        "stages": EXPORTING, "sectors": FOOD_AND_AGRICULTURE, "cost": "cost-share",
        "eligibility_note": "U.S. agricultural commodities and products; companies take part through "
                            "nonprofit trade associations, cooperatives and the State Regional Trade Groups.",
        "cost_note": "Participants contribute at least 10% for generic promotion and match dollar for dollar "
                     "for branded promotion.",
        "funding_source": "MAP (Commodity Credit Corporation)",
        "pays_for": ("trade shows and trade missions", "single-company promotion", "market research"),
        "source_url": "http://apps.fas.usda.gov/scriptsw/PressRelease/pressrel_dout.asp?Entry=valid&PrNum=0219-09",
        "last_verified": "2009-09-08",
        "evidence": "FAS press release 0219-09, 2009-09-08: MAP gives cost-share assistance to nonprofit U.S. "
                    "trade organizations and small entities; at least 10% contribution for generic "
                    "promotion, dollar-for-dollar for branded. The current fas.usda.gov MAP page (undated "
                    "copy) names state regional trade groups among the partners and the activities it shares "
                    "the cost of (advertising, public relations, demonstrations, trade fairs, market research)",
    },
    {
        "program_id": "fas-foreign-market-development", "provider_id": "fed-usda-fas",
        "name": "Foreign Market Development (Cooperator) Program (FMD)",
        "categories": ("market research", "advocacy and trade barriers"),
        "stages": EXPORTING, "sectors": FOOD_AND_AGRICULTURE, "cost": "cost-share",
        "eligibility_note": "Generic promotion of U.S. commodities through nonprofit commodity or trade "
                            "associations (cooperators); companies take part through their association.",
        "cost_note": "FAS shares the cost of the cooperators' projects.",
        "funding_source": "FMD (Commodity Credit Corporation)",
        "source_url": "https://www.fas.usda.gov/programs/foreign-market-development-program-fmd",
        "last_verified": "",
        "evidence": "fas.usda.gov FMD page, copy without a date: generic promotion through cooperators; "
                    "projects address foreign import constraints and new markets",
    },
    {
        "program_id": "fas-srtg-branded", "provider_id": "fed-usda-fas",
        "name": "Branded Program of the State Regional Trade Groups",
        "categories": ("grants and cost-share", "single-company promotion"),
        "stages": SEEKING, "sectors": FOOD_AND_AGRICULTURE, "cost": "cost-share", "cost_share_rate": 0.5,
        "pays_for": ("trade shows and trade missions", "single-company promotion"),
        "eligibility_note": "Food and agriculture only: small companies (SBA definition) incorporated in the "
                            "United States, at least half of whose products are made with U.S. ingredients; "
                            "agricultural cooperatives and export agents for U.S. food companies too. Delivered "
                            "by the State Regional Trade Groups (Food Export-Midwest administers it in Illinois).",
        "cost_note": "Reimburses up to half of international marketing and promotion costs: foreign trade "
                     "shows, international travel, advertising, demonstrations, package and label changes.",
        "funding_source": "MAP",
        "source_url": "http://archives.lincolndailynews.com/2008/Sep/02/News/today090208_a.shtml",
        "last_verified": "2008-09-02",
        "evidence": "Lincoln Daily News, 2008-09-02, on the Illinois Branded Program announcement: reimburses "
                    "up to half of international marketing costs; administered by the Food Export "
                    "Association of the Midwest with FAS Market Access Program funds; SBA small-company rule",
        "note": "Later copies without a date say the same 50% (Food Export's 2026 Branded Program Manual on "
                "issuu.com; Connecticut Department of Agriculture page, which also gives under 500 employees "
                "and a $2,500 minimum request). Not verified.",
    },
    # SBDCs and District Export Councils
    {
        "program_id": "sbdc-export-counseling", "provider_id": "fed-sbdc", "name": "SBDC export counseling",
        "categories": ("readiness assessment and counseling", "awareness and training"),
        "cost": "free",
        "eligibility_note": "Small businesses, from companies new to exporting to experienced exporters.",
        "cost_note": "No-cost one-on-one advising (sbdcglobal.com 'What is an SBDC', copy without a date).",
        "funding_source": "SBA and host institutions",
        "source_url": "https://www.gao.gov/products/gao-13-217", "last_verified": "2013-01-30",
        "evidence": "GAO-13-217, published 2013-01-30: SBDCs and the Commerce Department both assist "
                    "companies new to exporting and more experienced exporters",
    },
    {
        "program_id": "dec-mentoring", "provider_id": "fed-dec", "name": "District Export Council mentoring",
        "categories": ("mentoring",), "cost": "free",
        "eligibility_note": "Small and medium-sized businesses interested in exporting, in the council's district.",
        "cost_note": "Council members volunteer at their own expense.",
        "funding_source": "volunteers",
        "source_url": "https://www.govinfo.gov/cgiredirects/getedocketfr.action?param1=2009&param2=E9-12810"
                      "&param3=htm",
        "last_verified": "2009-06-02",
        "evidence": "Federal Register 74 FR 26374, published 2009-06-02: DEC members volunteer at their own "
                    "expense and supply specialized expertise to small and medium-sized businesses "
                    "interested in exporting",
    },
]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return join_list(list(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def rows(records: list[dict], columns: tuple[str, ...], defaults: dict[str, str]) -> list[dict[str, str]]:
    """Every record as a full row of ``columns`` (missing cells from ``defaults`` or blank)."""
    out = []
    for record in records:
        unknown = set(record) - set(columns)
        if unknown:
            raise SystemExit(f"{record.get(columns[0])}: unknown columns {sorted(unknown)}")
        out.append({c: _cell(record.get(c, defaults.get(c, ""))) for c in columns})
    return out


def check(providers: list[dict[str, str]], programs: list[dict[str, str]]) -> None:
    """Stop on a row that breaks the inventory's rules, naming the row and what to fix."""
    problems: list[str] = []
    ids = [p["provider_id"] for p in providers]
    problems += [f"provider {i} appears twice" for i in set(ids) if ids.count(i) > 1]
    keys = [p["program_id"] for p in programs]
    problems += [f"program {k} appears twice" for k in set(keys) if keys.count(k) > 1]
    for row in providers + programs:
        key = row.get("program_id") or row["provider_id"]
        if not row["source_url"].startswith(("http://", "https://")):
            problems.append(f"{key}: source_url must be an http(s) address")
        if row["last_verified"]:
            dt.date.fromisoformat(row["last_verified"])
            if not row["evidence"]:
                problems.append(f"{key}: a last_verified date needs the evidence it is the date of")
        if "#" in "".join(row.values()):
            problems.append(f"{key}: '#' starts a comment in the shipped CSV; reword the cell")
    problems += [f"{p['provider_id']}: level {p['level']!r} is not one of {LEVELS}"
                 for p in providers if p["level"] not in LEVELS]
    for p in programs:
        key = p["program_id"]
        if p["provider_id"] not in ids:
            problems.append(f"{key}: provider {p['provider_id']} is not in the catalogue")
        if p["cost"] not in COSTS or p["status"] not in STATUSES:
            problems.append(f"{key}: cost {p['cost']!r} / status {p['status']!r} not in {COSTS} / {STATUSES}")
        for column, words in (("categories", SERVICE_CATEGORIES), ("pays_for", SERVICE_CATEGORIES),
                              ("stages", STAGES)):
            problems += [f"{key}: {column} {w!r} is not one of the pipeline's words"
                         for w in p[column].split(";") if w and w != ALL and w not in words]
        if not p["categories"]:
            problems.append(f"{key}: name at least one service category")
    if problems:
        raise SystemExit("The catalogue has problems:\n" + "\n".join(problems))


def csv_text(table: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    """The header comment, the column names and the rows, as written to the package data."""
    out = io.StringIO()
    out.write(f"# {HEADER}\n")
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def build() -> dict[str, str]:
    """File name -> text of the two catalogue files."""
    providers = rows(PROVIDERS, PROVIDER_COLUMNS, {"states": ""})
    programs = rows(PROGRAMS, PROGRAM_COLUMNS,
                    {"status": "existing", "stages": ALL, "sectors": ALL, "countries": ALL})
    check(providers, programs)
    return {PROVIDERS_FILE: csv_text(providers, PROVIDER_COLUMNS),
            PROGRAMS_FILE: csv_text(programs, PROGRAM_COLUMNS)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output-dir", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for name, text in build().items():
        (args.output_dir / name).write_bytes(text.encode("utf-8"))
        print(f"Wrote {text.count(chr(10)) - 2} rows to {args.output_dir / name}")


if __name__ == "__main__":
    main()
