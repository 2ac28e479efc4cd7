"""Mission duplication: a proposed regional mission against the inventory's state and federal events."""
from __future__ import annotations

import pandas as pd
import pytest

from exportplan.analysis.mission_check import COLUMNS, WINDOW_DAYS, check_mission, sector_overlap
from exportplan.errors import ExportPlanError, ImportFailed

PROGRAMS = pd.DataFrame([
    {"program_id": "oh-missions", "name": "Ohio trade missions", "level": "state", "status": "existing",
     "provider_name": "Ohio Department of Development", "sectors": ""},
    {"program_id": "cs-missions", "name": "Certified trade missions", "level": "federal", "status": "existing",
     "provider_name": "U.S. Commercial Service", "sectors": ""},
    {"program_id": "cs-aero", "name": "Aerospace pavilion", "level": "federal", "status": "existing",
     "provider_name": "U.S. Commercial Service", "sectors": "336411"},
    {"program_id": "metro-missions", "name": "Metro missions", "level": "regional", "status": "existing",
     "provider_name": "Metro export council", "sectors": ""},
    {"program_id": "oh-new", "name": "Planned state mission", "level": "state", "status": "proposed",
     "provider_name": "Ohio Department of Development", "sectors": ""},
])


def event(eid: str, program: str, kind: str, iso3: str, sector: str, start: str, end: str = "") -> dict:
    return {"event_id": eid, "program_id": program, "name": f"Event {eid}", "kind": kind, "iso3": iso3,
            "sector": sector, "start_date": start, "end_date": end}


#: A state automotive mission to Mexico, 20-24 April 2026.
STATE_MX = event("oh-mx-auto", "oh-missions", "trade mission", "MEX", "Automotive", "2026-04-20", "2026-04-24")


def check(mission: dict, *events: dict, **kw) -> pd.DataFrame:
    return check_mission(mission, pd.DataFrame(list(events)), PROGRAMS, **kw)


def mission(iso3: str = "MEX", sector: str = "Automotive", start: str = "2026-05-04", end: str = "2026-05-08",
            **more) -> dict:
    return {"iso3": iso3, "sector": sector, "start_date": start, "end_date": end, **more}


def test_a_mission_to_the_country_and_sector_of_a_state_mission_in_the_window_is_flagged():
    out = check(mission(), STATE_MX)
    assert list(out.columns) == list(COLUMNS)
    assert out["event_id"].tolist() == ["oh-mx-auto"]
    row = out.iloc[0]
    assert row["finding"] == "duplicate mission"
    assert (row["program"], row["provider"], row["level"]) == ("Ohio trade missions",
                                                                "Ohio Department of Development", "state")
    assert (row["start_date"], row["end_date"]) == ("2026-04-20", "2026-04-24")
    # 24 April to 4 May: 10 days apart, no shared day.
    assert (row["days_apart"], row["overlap_days"]) == (10, 0)
    assert "Event oh-mx-auto" in row["reason"] and "10 day(s) apart" in row["reason"]
    assert "both are for Automotive" in row["reason"]


def test_shared_days_are_counted_both_ends_included():
    out = check(mission(start="2026-04-23", end="2026-04-30"), STATE_MX)
    assert (out.iloc[0]["days_apart"], out.iloc[0]["overlap_days"]) == (0, 2)
    assert "share 2 day(s)" in out.iloc[0]["reason"]
    inside = check(mission(start="2026-04-21", end="2026-04-22"), STATE_MX)
    assert inside.iloc[0]["overlap_days"] == 2


def test_a_mission_to_a_different_country_is_not_flagged():
    assert check(mission(iso3="CAN"), STATE_MX).empty


def test_a_different_sector_is_not_flagged():
    assert check(mission(sector="Food processing"), STATE_MX).empty


def test_the_window_boundary_and_a_mission_200_days_apart():
    assert WINDOW_DAYS == 90
    # The state mission ends 24 April; 90 days later is 23 July (flagged), 91 days is 24 July (not).
    assert check(mission(start="2026-07-23", end="2026-07-25"), STATE_MX)["days_apart"].tolist() == [90]
    assert check(mission(start="2026-07-24", end="2026-07-25"), STATE_MX).empty
    assert check(mission(start="2026-11-10", end="2026-11-12"), STATE_MX).empty  # 200 days apart
    # Before the existing one: the new mission's end to the state mission's start.
    assert check(mission(start="2026-01-01", end="2026-01-20"), STATE_MX)["days_apart"].tolist() == [90]
    # A wider window catches the 200-day one.
    wide = check(mission(start="2026-11-10", end="2026-11-12"), STATE_MX, window_days=200)
    assert wide["days_apart"].tolist() == [200]


def test_a_federal_all_sector_mission_overlaps_a_sector_mission():
    federal = event("cs-mx", "cs-missions", "trade mission", "MEX", "", "2026-05-10", "2026-05-14")
    out = check(mission(sector="336"), federal)
    assert out["event_id"].tolist() == ["cs-mx"]
    assert out.iloc[0]["level"] == "federal" and out.iloc[0]["sector"] == "all"
    assert "the existing event is for all sectors" in out.iloc[0]["reason"]
    # And the other way round: a new all-sector mission overlaps the state automotive mission.
    assert check(mission(sector="all"), STATE_MX)["event_id"].tolist() == ["oh-mx-auto"]


def test_naics_prefixes_and_the_programs_sectors():
    # The event's sector is blank, so its program's sectors (336411) apply: 3364 is related, 311 is not.
    pavilion = event("cs-aero-mx", "cs-aero", "trade show", "MEX", "", "2026-05-01", "2026-05-03")
    out = check(mission(sector="3364"), pavilion)
    assert out["finding"].tolist() == ["overlapping trade show"]
    assert "3364 and 336411" in out.iloc[0]["reason"] and "the program's sectors" in out.iloc[0]["reason"]
    assert check(mission(sector="311"), pavilion).empty
    # A name relates to a code through the caller's sector definitions.
    assert check(mission(sector="Aerospace"), pavilion).empty
    named = check(mission(sector="Aerospace"), pavilion, sector_codes={"aerospace": ["3364"]})
    assert named["event_id"].tolist() == ["cs-aero-mx"]


def test_sector_overlap_words():
    assert sector_overlap([], []) == "both are for all sectors"
    assert sector_overlap(["automotive"], ["Automotive"]) == "both are for Automotive"
    assert sector_overlap(["336"], ["3361"]).startswith("the sectors are related")
    assert sector_overlap(["336"], ["333"]) is None


def test_missions_come_before_shows_and_nearer_first():
    show = event("expo", "cs-missions", "trade show", "MEX", "Automotive", "2026-05-05", "2026-05-06")
    near = event("near", "cs-missions", "trade mission", "MEX", "", "2026-05-12", "2026-05-13")
    out = check(mission(), show, STATE_MX, near)
    assert out["event_id"].tolist() == ["near", "oh-mx-auto", "expo"]
    assert out["finding"].tolist() == ["duplicate mission", "duplicate mission", "overlapping trade show"]


def test_regional_proposed_and_other_kinds_are_not_existing_public_supply():
    regional = event("metro-mx", "metro-missions", "trade mission", "MEX", "Automotive", "2026-05-01")
    proposed = event("oh-new-mx", "oh-new", "trade mission", "MEX", "Automotive", "2026-05-01")
    training = event("oh-train", "oh-missions", "training", "MEX", "Automotive", "2026-05-01")
    unknown = event("x", "not-in-inventory", "trade mission", "MEX", "Automotive", "2026-05-01")
    out = check(mission(), regional, proposed, training, unknown)
    assert out.empty
    assert any("not in the inventory" in note for note in out.attrs["notes"])
    # The same regional row under a state program is flagged: the level decides.
    assert not check(mission(), {**regional, "program_id": "oh-missions"}).empty


def test_a_blank_end_date_is_a_one_day_trip():
    one_day = event("day", "oh-missions", "trade mission", "MEX", "Automotive", "2026-04-20")
    assert check(mission(start="2026-04-21", end=""), one_day)["days_apart"].tolist() == [1]
    assert check(mission(start="2026-04-20", end=""), one_day)["overlap_days"].tolist() == [1]


@pytest.mark.parametrize("fields, column, words", [
    ({"iso3": "Mexico"}, "iso3", "ISO3"),
    ({"iso3": ""}, "iso3", "ISO3"),
    ({"start_date": "20/04/2026"}, "start_date", "YYYY-MM-DD"),
    ({"start_date": ""}, "start_date", "missing"),
    ({"end_date": "soon"}, "end_date", "not a date"),
    ({"start_date": "2026-05-08", "end_date": "2026-05-04"}, "end_date", "before the start"),
    ({"sector": "3"}, "sector", "2 to 6 digits"),
])
def test_bad_mission_fields_say_what_to_fix(fields, column, words):
    with pytest.raises(ImportFailed) as caught:
        check(mission(**fields), STATE_MX)
    problems = caught.value.table.to_records()
    assert [p["column"] for p in problems] == [column]
    assert words in caught.value.args[0]


def test_an_unknown_country_code_is_refused_when_the_country_list_is_given():
    with pytest.raises(ImportFailed, match="XYZ is not a known country code"):
        check(mission(iso3="XYZ"), STATE_MX, countries=["MEX", "CAN"])
    assert not check(mission(iso3="mex"), STATE_MX, countries=["MEX"]).empty


def test_bad_event_dates_and_missing_columns_are_named():
    bad = {**STATE_MX, "start_date": "April"}
    with pytest.raises(ImportFailed) as caught:
        check(mission(), bad)
    assert caught.value.table.to_records()[0]["row"] == 2
    with pytest.raises(ExportPlanError, match="lacks column"):
        check_mission(mission(), pd.DataFrame([{"event_id": "x"}]), PROGRAMS)
    with pytest.raises(ExportPlanError, match="window_days"):
        check(mission(), STATE_MX, window_days=-1)
