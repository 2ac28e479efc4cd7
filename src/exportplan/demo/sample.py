"""SAMPLE data for the demo workspace: invented, plausible, deterministic, labelled.

:func:`write_sample_files` writes every file the sample workspace imports:
QCEW files in the official BLS annual area-slice layout for a three-county
"Sample Region" (state FIPS 99, which no real state uses) and the U.S., a
cluster crosswalk, a US-Cluster-Mapping-style peer set, and the user tables
for ranking target sectors and country markets.

Nothing is read from outside the package: all numbers are drawn from a seeded
generator around hand-set magnitudes, so the same seed writes the same bytes.
Every file name starts with ``SAMPLE_``; tables whose layout allows it carry
a title row (user tables) or a ``note`` column (crosswalk) saying SAMPLE DATA;
QCEW files cannot carry a note in-band, so ``SAMPLE_README.txt`` explains
them.

The sample economy consists of the 57 industries in :data:`INDUSTRIES` only:
every QCEW parent (5- to 3-digit NAICS, sector, supersector, domain, total)
is the exact sum of its children, so U.S. totals are smaller than the real
economy's. Location quotients use the BLS base (all-ownership total covered
employment), as BLS does.

>>> import tempfile
>>> files = write_sample_files(tempfile.mkdtemp())
>>> files.region_name, files.counties, files.years[0], files.years[-1]
('Sample Region (SAMPLE DATA)', ['99001', '99003', '99005'], 2018, 2023)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .sample_clusters import CLUSTER_NAMES, CROSSWALK, PEER_COUNT, cluster_type, peer_rows, write_crosswalk
from .sample_common import (AREA_NAME, BASE_YEAR, CENTRE, COUNTIES, GEN_YEARS, REGION_NAME, SAMPLE_NOTE,
                            US_AREA, YEARS, write_csv, write_user_table)
from .sample_markets import county_centre_rows, write_market_tables
from .sample_qcew import (INDUSTRIES, QCEW_COLUMNS, Industry, build_qcew, qcew_file_name, sector_of,
                          write_qcew_files)
from .sample_sectors import write_sector_tables

#: Who published the sample files: the project itself, never BLS, Census or the Cluster Mapping Project,
#: whose file layouts the sample imitates. Every provenance record of the sample workspace names it.
SAMPLE_PUBLISHER = "exportplan sample (invented data)"
#: Publishers whose file layouts the sample imitates, by a short name for the dataset text.
_LAYOUTS = {"U.S. Bureau of Labor Statistics": "BLS", "U.S. Cluster Mapping Project": "US Cluster Mapping"}


def sample_provenance(publisher: str, dataset: str) -> dict[str, str]:
    """Provenance fields for a sample file read by an importer that named ``publisher`` and ``dataset``.

    The publisher becomes :data:`SAMPLE_PUBLISHER`; the dataset keeps its name
    and says whose layout it imitates, e.g. ``"QCEW (BLS file layout)"``; the
    URL is cleared (no publisher serves these files) and the note says
    SAMPLE DATA.
    """
    layout = next((short for name, short in _LAYOUTS.items() if (publisher or "").startswith(name)), "")
    if layout and "layout)" not in dataset:
        dataset = f"{dataset} ({layout} file layout)"
    return {"publisher": SAMPLE_PUBLISHER, "dataset": dataset, "url": "", "note": SAMPLE_NOTE}


@dataclass
class SampleFiles:
    """The sample files by role, and what the workspace needs to know about them."""

    folder: Path
    qcew: list[Path]
    crosswalk: Path
    peers: Path
    targets: Path
    sector_fdi: Path
    assets: Path
    countries: Path
    exports: Path
    partnerships: Path
    fdi: Path
    survey: Path
    county_centres: Path
    readme: Path
    counties: list[str] = field(default_factory=lambda: list(COUNTIES))
    region_name: str = REGION_NAME
    years: list[int] = field(default_factory=lambda: list(YEARS))
    centre: tuple[float, float] = CENTRE

    def all_paths(self) -> list[Path]:
        """Every file written, in a stable order."""
        return [*self.qcew, self.crosswalk, self.peers, self.targets, self.sector_fdi, self.assets,
                self.countries, self.exports, self.partnerships, self.fdi, self.survey,
                self.county_centres, self.readme]


def write_sample_files(folder: str | Path, *, seed: int = 2024) -> SampleFiles:
    """Write every SAMPLE file into ``folder`` (created if needed) and list them by role.

    Deterministic: the same ``seed`` writes byte-identical files. Each part
    draws from its own generator, so changing one part leaves the others alone.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rngs = [np.random.default_rng([seed, part]) for part in range(8)]
    qcew = build_qcew(rngs[0])
    paths = {
        "qcew": write_qcew_files(folder, qcew),
        "crosswalk": write_crosswalk(folder / "SAMPLE_cluster_crosswalk.csv"),
        "peers": write_csv(folder / "SAMPLE_peer_clusters.csv", peer_rows(rngs[1], qcew)),
    }
    paths.update(write_sector_tables(folder, rngs[2]))
    paths.update(write_market_tables(folder, rngs[3:8]))
    paths["county_centres"] = write_user_table(folder / "SAMPLE_county_centres.csv", county_centre_rows())
    paths["readme"] = _write_readme(folder / "SAMPLE_README.txt")
    return SampleFiles(folder=folder, **paths)


def _write_readme(path: Path) -> Path:
    lines = [
        SAMPLE_NOTE, "",
        "Every file in this folder whose name starts with SAMPLE_ was invented by exportplan's",
        "demo builder (exportplan.demo.sample). None of it is real data. The region, its counties",
        f"({', '.join(f'{k} {v}' for k, v in COUNTIES.items())}) and the state FIPS code 99 do not",
        "exist; peer regions, companies, partnerships and survey answers are fictional.",
        "",
        "SAMPLE_qcew_{year}_annual_area_{fips}.csv follow the BLS QCEW annual area-slice layout",
        f"(38 columns) for {YEARS[0]}-{YEARS[-1]}. Their economy has only the sample's "
        f"{len(INDUSTRIES)} six-digit",
        "industries, so U.S. totals are smaller than the real U.S. economy. Parents are exact sums",
        "of their children; withheld cells (disclosure_code N) show 0 as BLS writes them.",
        "Location quotients use the BLS base (all-ownership total covered employment).",
        "",
        "SAMPLE_exports.csv holds the region's exports by destination (scope region) and",
        "U.S. goods exports by destination and 3-digit NAICS (scope nation, area US) shaped like",
        "Census's NAICS-based series, which cover goods only: service sectors have no such rows.",
        "",
        "Country indicators are rough, perturbed magnitudes for demonstration only: use the",
        "real World Bank, Transparency International and USTR sources for a real plan.",
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


__all__ = ["AREA_NAME", "BASE_YEAR", "CENTRE", "CLUSTER_NAMES", "COUNTIES", "CROSSWALK", "GEN_YEARS",
           "INDUSTRIES", "Industry", "PEER_COUNT", "QCEW_COLUMNS", "REGION_NAME", "SAMPLE_NOTE",
           "SAMPLE_PUBLISHER", "SampleFiles", "US_AREA", "YEARS", "build_qcew", "cluster_type",
           "qcew_file_name", "sample_provenance", "sector_of", "write_qcew_files", "write_sample_files"]
