"""The sample's user tables for ranking target sectors: state targets, foreign investment, assets."""
from __future__ import annotations

from pathlib import Path

from .sample_common import YEARS, write_user_table

STATE_SOURCE = "Sample State Department of Development (SAMPLE)"
STATE_TARGETS = (  # target, kind, priority (1 highest to 3), note
    ("Automotive", "cluster", 1, "Advanced mobility: parts, EV electrical systems"),
    ("Information Technology and Analytical Instruments", "cluster", 1,
     "Semiconductors and instruments; new fab in Sample County B"),
    ("Biopharmaceuticals", "cluster", 2, "Life sciences corridor"),
    ("Medical Devices", "cluster", 2, "Life sciences corridor"),
    ("Distribution and Electronic Commerce", "cluster", 2, "Logistics hub strategy"),
    ("Food Processing and Manufacturing", "cluster", 2, "Agribusiness and food"),
    ("Insurance Services", "cluster", 3, "Financial services retention"),
    ("334413", "naics", 1, "Semiconductor manufacturing (NAICS 334413)"),
)
SECTOR_FDI = (  # cluster, foreign establishments, companies, jobs
    ("Automotive", 14, 9, 6200), ("Information Technology and Analytical Instruments", 5, 4, 1400),
    ("Biopharmaceuticals", 3, 2, 650), ("Medical Devices", 4, 3, 820),
    ("Distribution and Electronic Commerce", 11, 8, 2300), ("Food Processing and Manufacturing", 3, 3, 540),
    ("Insurance Services", 2, 2, 900), ("Plastics", 6, 5, 1100), ("Business Services", 9, 7, 1800),
    ("Transportation and Logistics", 4, 4, 700),
)
ASSETS = (  # sector, asset, strength (1 some to 3 exceptional)
    ("Automotive", "Sample Tech Automotive Research Center (SAMPLE)", 3),
    ("Automotive", "Interstate corridor with two intermodal terminals (SAMPLE)", 2),
    ("Information Technology and Analytical Instruments",
     "Semiconductor fab site with utilities in place (SAMPLE)", 3),
    ("Information Technology and Analytical Instruments",
     "State university engineering college (SAMPLE)", 2),
    ("Biopharmaceuticals", "Academic medical center (SAMPLE)", 3),
    ("Distribution and Electronic Commerce", "Cargo airport with foreign-trade zone (SAMPLE)", 3),
    ("Food Processing and Manufacturing", "Agricultural research station (SAMPLE)", 2),
    ("Insurance Services", "Insurance headquarters cluster downtown (SAMPLE)", 1),
)


def write_sector_tables(folder: Path, rng) -> dict[str, Path]:
    """State targets, foreign investment by sector and unique assets."""
    targets = [{"target": t, "kind": k, "priority": p, "source": STATE_SOURCE, "note": n}
               for t, k, p, n in STATE_TARGETS]
    fdi = [{"sector": s, "foreign_establishments": e, "foreign_companies": c,
            "jobs": round(j * rng.lognormal(0, 0.05)), "year": YEARS[-1],
            "source": "Sample state FDI survey (SAMPLE)"} for s, e, c, j in SECTOR_FDI]
    assets = [{"sector": s, "asset": a, "strength": st} for s, a, st in ASSETS]
    return {"targets": write_user_table(folder / "SAMPLE_state_targets.csv", targets),
            "sector_fdi": write_user_table(folder / "SAMPLE_sector_fdi.csv", fdi),
            "assets": write_user_table(folder / "SAMPLE_assets.csv", assets)}
