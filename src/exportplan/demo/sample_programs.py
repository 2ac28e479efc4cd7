"""The sample's export program inventory: a state trade office, a USEAC office and the region's own programs.

:func:`sample_inventory` returns the three sheets of the program inventory
(``program_terms.SHEETS``: providers, programs, events) as frames in the
template's columns. Everything is invented and labelled SAMPLE: names end
with "(SAMPLE)", addresses lie in the invented sample state
(:data:`SAMPLE_STATE`), telephone numbers use the fictional 555-01xx range,
pages sit on example.org, and no row has a last-verified date (there is no
evidence behind invented facts).

The rows are chosen so that the plan has something to show next to the shipped
federal catalogue:

- the sample state's trade office runs a STEP-funded cost-share grant and trade
  missions with dated events in the sample's target markets;
- a U.S. Export Assistance Center office serves the sample state (a provider only:
  its services are the U.S. Commercial Service's catalogue rows);
- the sample organization runs a market-entry grant that pays part of the fee of
  fee-based matchmaking (:data:`COMPLEMENT_PROGRAM`: it complements the U.S.
  Commercial Service's Gold Key service and duplicates nothing), a cluster program
  for one target sector, and one deliberate duplicate (:data:`DUPLICATE_PROGRAM`):
  free export counseling for every sector and country, offered to the same companies
  as the U.S. Commercial Service's free counseling (:data:`DUPLICATED_PROGRAM`).
"""
from __future__ import annotations

import pandas as pd

from ..analysis.program_terms import ALL, SHEETS, join_list
from .sample_common import COUNTIES, SAMPLE_NOTE
from .sample_markets import SURVEY_MARKETS
from .sample_sectors import STATE_TARGETS

#: Postal code of the invented sample state (state FIPS 99) in the sample's addresses. "ZZ" is no U.S.
#: state's or territory's code, so the importer would refuse it in a ``states`` cell: the sample's rows
#: leave ``states`` and ``eligible_states`` blank (the sample region is the only place they serve).
SAMPLE_STATE = "ZZ"
ORGANIZATION = "Sample Economic Development Organization (SAMPLE)"
#: The regional program that deliberately duplicates a federal one, and the catalogue row it duplicates.
DUPLICATE_PROGRAM = "sample-region-export-counseling"
DUPLICATED_PROGRAM = "uscs-counseling"
#: The regional grant that pays for fee-based matchmaking, and the catalogue row it complements.
COMPLEMENT_PROGRAM = "sample-region-market-entry-grant"
COMPLEMENTED_PROGRAM = "uscs-gold-key"
#: The target sector of the region's cluster program (a cluster of the sample state's targets).
SECTOR = "Medical Devices"
#: Target markets of the state's missions: the markets the sample's exporters name most often.
MISSION_MARKETS = tuple(sorted(SURVEY_MARKETS, key=lambda iso: (-SURVEY_MARKETS[iso], iso))[:3])

_INTEGERS = ("min_employees", "max_employees", "min_years_in_business", "capacity")
_FLOATS = ("min_us_content_pct", "cost_share_rate", "cost_share_cap_usd")
_SEEKING = ("export-ready", "new-to-export", "active", "expanding")
_EXPORTING = ("new-to-export", "active", "expanding")
_SITE = "https://example.org/sample"
_EVIDENCE = "SAMPLE: invented for demonstration; no evidence, so not verified"


def _providers() -> list[dict]:
    counties = ", ".join(f"{name} ({fips})" for fips, name in COUNTIES.items())
    common = {"states": "", "last_verified": "", "evidence": _EVIDENCE, "note": SAMPLE_NOTE}
    return [
        {"provider_id": "sample-state-trade-office", "name": "Sample State Office of International Trade (SAMPLE)",
         "level": "state", "type": "state trade office", "geography": "the sample state",
         "address": "1 Capitol Square, Sampleton, ZZ 99901 (SAMPLE)", "phone": "555-0140",
         "contact": "Sample Person 901", "url": f"{_SITE}/state-trade-office",
         "source_url": f"{_SITE}/state-trade-office/programs", **common},
        {"provider_id": "sample-useac", "name": "Sampleton U.S. Export Assistance Center (SAMPLE)",
         "level": "federal", "type": "U.S. Export Assistance Center", "geography": "the sample state",
         "address": "200 Federal Plaza, Sampleton, ZZ 99901 (SAMPLE)", "phone": "555-0141",
         "contact": "Sample Person 902", "url": f"{_SITE}/useac",
         "source_url": f"{_SITE}/useac/office", **common},
        {"provider_id": "sample-organization", "name": ORGANIZATION,
         "level": "regional", "type": "the organization itself", "geography": counties,
         "address": "10 Main Street, Fabricville, ZZ 99903 (SAMPLE)", "phone": "555-0142",
         "contact": "Sample Staff 1", "url": f"{_SITE}/organization",
         "source_url": f"{_SITE}/organization/programs", **common},
    ]


def _programs() -> list[dict]:
    state = {"provider_id": "sample-state-trade-office", "eligible_states": ""}
    region = {"provider_id": "sample-organization", "eligible_states": "",
              "funding_source": "regional (SAMPLE)"}
    common = {"status": "existing", "last_verified": "", "evidence": _EVIDENCE}
    return [
        {**state, **common, "program_id": "sample-state-step-grant",
         "name": "Sample State STEP export grant (SAMPLE)", "categories": ("grants and cost-share",),
         "stages": _SEEKING, "sectors": ALL, "countries": ALL, "max_employees": 499,
         "eligibility_note": "SAMPLE: small businesses in the sample state", "cost": "cost-share",
         "cost_share_rate": 0.5, "cost_share_cap_usd": 10_000.0,
         "cost_note": "SAMPLE: reimburses half of trade show and mission costs, up to $10,000 a year",
         "funding_source": "STEP", "capacity": 40,
         "pays_for": ("trade shows and trade missions",), "calendar": "SAMPLE: applications open each July",
         "source_url": f"{_SITE}/state-trade-office/step", "note": SAMPLE_NOTE},
        {**state, **common, "program_id": "sample-state-trade-missions",
         "name": "Sample State trade missions (SAMPLE)",
         "categories": ("trade shows and trade missions", "partner and buyer matchmaking"),
         "stages": _EXPORTING, "sectors": ALL, "countries": MISSION_MARKETS,
         "eligibility_note": "SAMPLE: companies in the sample state", "cost": "fee",
         "cost_note": "SAMPLE: a participation fee per company", "funding_source": "state (SAMPLE)",
         "capacity": 30, "calendar": "SAMPLE: two or three missions a year",
         "source_url": f"{_SITE}/state-trade-office/missions", "note": SAMPLE_NOTE},
        {**region, **common, "program_id": COMPLEMENT_PROGRAM,
         "name": "Sample Region market-entry grant (SAMPLE)", "categories": ("grants and cost-share",),
         "stages": _SEEKING, "sectors": ALL, "countries": ALL, "max_employees": 499,
         "eligibility_note": "SAMPLE: companies in the region's counties", "cost": "cost-share",
         "cost_share_rate": 0.5, "cost_share_cap_usd": 5_000.0,
         "cost_note": "SAMPLE: pays half the fee of a fee-based matchmaking service, up to $5,000",
         "capacity": 20, "pays_for": ("partner and buyer matchmaking",),
         "calendar": "SAMPLE: a pitch competition each spring",
         "source_url": f"{_SITE}/organization/market-entry-grant",
         "note": f"SAMPLE: complements fee-based matchmaking (catalogue row {COMPLEMENTED_PROGRAM}); "
                 "it pays part of the fee and duplicates nothing. " + SAMPLE_NOTE},
        {**region, **common, "program_id": "sample-region-medical-devices",
         "name": f"Sample Region {SECTOR.lower()} export group (SAMPLE)",
         "categories": ("cluster and sector programs", "awareness and training"),
         "stages": _SEEKING, "sectors": (SECTOR,), "countries": ALL,
         "eligibility_note": f"SAMPLE: {SECTOR} companies in the region", "cost": "free",
         "cost_note": "SAMPLE: member meetings and export workshops at no charge", "capacity": 15,
         "calendar": "SAMPLE: quarterly meetings", "source_url": f"{_SITE}/organization/medical-devices",
         "note": SAMPLE_NOTE},
        {**region, **common, "program_id": DUPLICATE_PROGRAM,
         "name": "Sample Region export counseling (SAMPLE)",
         "categories": ("readiness assessment and counseling",), "stages": ALL, "sectors": ALL,
         "countries": ALL, "eligibility_note": "SAMPLE: any company in the region", "cost": "free",
         "cost_note": "SAMPLE: free one-on-one export counseling", "capacity": 25,
         "source_url": f"{_SITE}/organization/export-counseling",
         "note": f"SAMPLE: deliberately duplicates the free export counseling of catalogue row "
                 f"{DUPLICATED_PROGRAM} for the same companies. " + SAMPLE_NOTE},
    ]


def _events() -> list[dict]:
    cities = {"CAN": "Toronto", "DEU": "Munich", "IND": "Pune", "MEX": "Monterrey"}
    sectors = [target for target, kind, _priority, _note in STATE_TARGETS if kind == "cluster"]
    dates = (("2027-03-08", "2027-03-12"), ("2027-05-17", "2027-05-21"), ("2027-10-04", "2027-10-08"))
    rows = []
    for number, (iso, sector, (start, end)) in enumerate(zip(MISSION_MARKETS, sectors, dates, strict=False),
                                                         start=1):
        rows.append({"event_id": f"sample-mission-{number}", "program_id": "sample-state-trade-missions",
                     "name": f"Sample State {sector.lower()} mission to {cities.get(iso, iso)} (SAMPLE)",
                     "kind": "trade mission", "iso3": iso, "sector": sector, "start_date": start,
                     "end_date": end, "city": cities.get(iso, ""),
                     "url": f"{_SITE}/state-trade-office/missions/{number}",
                     "source_url": f"{_SITE}/state-trade-office/missions", "last_verified": "",
                     "evidence": _EVIDENCE})
    return rows


def _frame(records: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    def cell(column: str, value: object) -> object:
        if column in _INTEGERS or column in _FLOATS:
            return value
        if isinstance(value, (list, tuple)):
            return join_list(list(value))
        return "" if value is None else str(value)

    frame = pd.DataFrame([{c: cell(c, record.get(c)) for c in columns} for record in records],
                         columns=list(columns))
    for column in columns:
        if column in _INTEGERS:
            frame[column] = frame[column].astype("Int64")
        elif column in _FLOATS:
            frame[column] = frame[column].astype("Float64")
    return frame


def sample_inventory() -> dict[str, pd.DataFrame]:
    """The sample's providers, programs and events (sheet name -> frame in the template's columns)."""
    records = {"providers": _providers(), "programs": _programs(), "events": _events()}
    return {sheet: _frame(records[sheet], columns) for sheet, columns in SHEETS.items()}
