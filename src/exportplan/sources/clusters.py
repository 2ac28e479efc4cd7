"""Cluster definitions: NAICS -> cluster crosswalks and US Cluster Mapping tables.

:func:`read_crosswalk` reads the layouts in circulation and returns one
canonical frame (methods.md §2, data-sources.md §7)::

    naics : str (6 digits), cluster_code : str (null if unknown),
    cluster_name : str, type : str ('traded' | 'local'), subcluster : str

Layouts recognized (headers case-insensitive, with aliases):

- ``acr1``: NAICS, TradedLocal, Cluster, SubclusterName,
  EmsiSpecificNAICS, Description (the USCMP definitions republished with
  Emsi pseudo-codes; CSV or the XLSX sheet "Emsi NAICS to Porter Cluster").
  Emsi-specific codes and the pseudo-clusters Federal/State/Local Government
  Services and "NA" are dropped and counted. Names are mapped to official codes.
- ``plain``: naics, cluster_code[, cluster_name, type]; missing names and
  types come from the official list.
- ``type-only``: Type, NAICS (US EPA stateior): no clusters, only traded/local.
- ``legacy-json``: the pre-2014 clustermapping.us list (``name_t``,
  ``naics_txt``): accepted with a warning; its ids are not the current
  codes, so it gets codes ``legacy-<id>``.

:func:`read_uscmp_cluster_table` reads US Cluster Mapping API output (region
x cluster rows) as a peer set for the cluster flags.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polars as pl

from exportplan.analysis.names import name_key
from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.imports.guard import check_file
from exportplan.sources.filekind import sniff, workbook_or_text
from exportplan.sources.textio import UnreadableWorkbook, decode_text, workbook_rows

CROSSWALK_SCHEMA = {"naics": pl.String, "cluster_code": pl.String, "cluster_name": pl.String,
                    "type": pl.String, "subcluster": pl.String}
_WITH_LINE = {**CROSSWALK_SCHEMA, "_line": pl.Int64}  # source line, kept until validation ends
ACR1_SHEET = "Emsi NAICS to Porter Cluster"
PSEUDO_CLUSTERS = {"federal government services": "Federal/State/Local Government Services",
                   "state government services": "Federal/State/Local Government Services",
                   "local government services": "Federal/State/Local Government Services",
                   "federal/state/local government services": "Federal/State/Local Government Services",
                   "na": "NA", "": "NA"}
# Normalized header -> canonical field. Normalizing drops case, spaces and punctuation.
HEADER_ALIASES = {
    "naics": "naics", "naicscode": "naics", "naics6": "naics", "naics2012": "naics",
    "naics2017": "naics", "naics2022": "naics", "industrycode": "naics",
    "clustercode": "cluster_code", "clusterid": "cluster_code", "clusternumber": "cluster_code",
    "cluster": "cluster_name", "clustername": "cluster_name", "clustertitle": "cluster_name",
    "type": "type", "tradedlocal": "type", "tradedorlocal": "type", "tradedlocalflag": "type",
    "clustertype": "type",
    "subcluster": "subcluster", "subclustername": "subcluster",
    "emsispecificnaicsnonstandard": "emsi", "emsispecificnaics": "emsi", "emsispecific": "emsi",
    "description": "description", "naicstitle": "description", "naicsdescription": "description",
}
TYPE_VALUES = {"traded": "traded", "t": "traded", "local": "local", "l": "local"}
TRUE_TEXT = {"true", "t", "yes", "y", "1"}


@dataclass
class CrosswalkReport:
    """What :func:`read_crosswalk` read, kept and dropped."""

    source: str
    layout: str
    rows_read: int = 0
    rows_kept: int = 0
    dropped_pseudo: dict[str, int] = field(default_factory=dict)
    duplicates_dropped: int = 0
    traded_clusters: int = 0
    local_clusters: int = 0
    has_clusters: bool = True
    unknown_names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def dropped_pseudo_total(self) -> int:
        return sum(self.dropped_pseudo.values())

    def lines(self) -> list[str]:
        """The report as short sentences for the CLI, the web app and the plan."""
        out = [f"{self.source}: {self.layout} layout, {self.rows_read} rows read, {self.rows_kept} kept."]
        for why, n in self.dropped_pseudo.items():
            if n:
                out.append(f"Dropped {n} row(s): {why}.")
        if self.duplicates_dropped:
            out.append(f"Dropped {self.duplicates_dropped} duplicate row(s).")
        if self.has_clusters:
            out.append(f"Clusters: {self.traded_clusters} traded, {self.local_clusters} local.")
        if self.unknown_names:
            out.append("Cluster names not in the official US Cluster Mapping list (kept without a code): "
                       + "; ".join(self.unknown_names) + ".")
        return out + list(self.warnings)


# ---------------------------------------------------------------- official list

def official_clusters() -> pl.DataFrame:
    """The official US Cluster Mapping clusters: cluster_code, cluster_name, type.

    51 traded (codes '1'-'51') and 16 local ('101'-'116'), names as published
    by clustermapping.us (package data file ``data/clusters_uscmp.csv``).
    """
    data = resources.files("exportplan").joinpath("data", "clusters_uscmp.csv").read_bytes()
    return pl.read_csv(data, schema={"cluster_code": pl.String, "cluster_name": pl.String, "type": pl.String})


def _official_by_name() -> dict[str, tuple[str, str, str]]:
    return {name_key(n): (c, n, t) for c, n, t in official_clusters().iter_rows()}


# ---------------------------------------------------------------- crosswalks

def read_crosswalk(path: str | Path) -> tuple[pl.DataFrame, CrosswalkReport]:
    """Read a NAICS -> cluster crosswalk (CSV, XLSX or legacy JSON) in any known layout.

    Returns the canonical crosswalk frame (module docstring) and a
    :class:`CrosswalkReport`. Raises ImportFailed (with file, line, column
    and a fix for each problem) on unreadable files, missing columns, bad
    NAICS codes or types, or a NAICS code mapped to two clusters.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportPlanError(f"Crosswalk file {path} does not exist. Check the path.")
    check_file(path, "cluster crosswalk", empty=False, workbook=False, text=False)  # UTF-16 or cut-short: clear error
    errors = ErrorTable()
    kind = _file_kind(path)
    if kind == "json":
        frame, report = _read_legacy_json(path, errors)
    else:
        header, rows = (_xlsx_rows if kind == "xlsx" else _csv_rows)(path, errors)
        frame, report = _read_table(path, header, rows, errors)
    errors.raise_if_any(f"Reading the cluster crosswalk {path.name}")
    return _finish(frame, report)


def _file_kind(path: Path) -> str:
    return {"workbook": "xlsx", "json": "json"}.get(sniff(path)[0], "csv")


def _csv_rows(path: Path, errors: ErrorTable) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) of a CSV; accepts UTF-8 (with BOM) or cp1252."""
    text = decode_text(path.read_bytes(), "cp1252")
    reader = csv.reader(text.splitlines())
    rows = [(reader.line_num, cells) for cells in reader]
    rows = [(n, c) for n, c in rows if any(x.strip() for x in c)]
    if not rows:
        errors.add("the file is empty", "Export the crosswalk with a header row and one row per NAICS code.",
                   file=path.name)
        return [], []
    return rows[0][1], rows[1:]


def _xlsx_rows(path: Path, errors: ErrorTable) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and rows of the crosswalk sheet of a workbook (header found by a NAICS column)."""
    try:
        sheets = dict(workbook_rows(path, "Save the file from Excel as .xlsx, or export the sheet as CSV."))
    except UnreadableWorkbook as exc:
        errors.add(exc.problem, exc.fix, file=path.name)
        return [], []
    order = [n for n in (ACR1_SHEET, "NAICS") if n in sheets] + [n for n in sheets if n not in (ACR1_SHEET, "NAICS")]
    for name in order:
        found = _sheet_rows(sheets[name])
        if found:
            return found
    errors.add("no sheet has a header row with a NAICS column",
               "Put a header row (NAICS, Cluster, TradedLocal ...) at the top of the crosswalk sheet.",
               file=path.name)
    return [], []


def _sheet_rows(sheet: list[tuple]) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    rows = [(i, [_cell_text(v) for v in values]) for i, values in enumerate(sheet, 1)]
    for pos, (_, cells) in enumerate(rows[:10]):
        if any(_canonical_header(c) == "naics" for c in cells):
            body = [(i, c) for i, c in rows[pos + 1:] if any(x.strip() for x in c)]
            return cells, body
    return None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(header).lower())


def _canonical_header(header: str) -> str | None:
    """The canonical field of a header; 'NAICS 2012 code', '2017 NAICS Code' ... count as naics."""
    norm = _norm(header)
    if norm in HEADER_ALIASES:
        return HEADER_ALIASES[norm]
    vintage = r"(?:(?:19|20)[0-9]{2})?"
    return "naics" if re.fullmatch(rf"{vintage}naics(?:code)?{vintage}(?:code)?", norm) else None


def _read_table(path: Path, header: list[str], rows: list[tuple[int, list[str]]],
                errors: ErrorTable) -> tuple[pl.DataFrame, CrosswalkReport]:
    """Map a tabular crosswalk's columns, pick its layout and validate its rows."""
    if not header:
        return _empty(), CrosswalkReport(path.name, "unknown")
    cols: dict[str, int] = {}
    for i, name in enumerate(header):
        canon = _canonical_header(name)
        if canon and canon not in cols:
            cols[canon] = i
    layout = _layout(cols)
    if layout is None:
        errors.add(f"no layout recognized from the header {', '.join(h for h in header if h)}",
                   "Use columns naics, cluster_code[, cluster_name, type] (or NAICS, Cluster, "
                   "TradedLocal; or Type, NAICS).", file=path.name, row=1)
        return _empty(), CrosswalkReport(path.name, "unknown")
    report = CrosswalkReport(path.name, layout, rows_read=len(rows), has_clusters=layout != "type-only")
    if layout == "type-only":
        report.warnings.append("This crosswalk has no clusters, only traded/local types: cluster tables "
                               "from it have two rows (traded, local).")
    records = []
    for line, cells in rows:
        values = {key: cells[i].strip() if i < len(cells) else "" for key, i in cols.items()}
        record = _row(path.name, line, values, layout, header, cols, errors, report)
        if record is not None:
            records.append(record)
    return pl.DataFrame(records, schema=_WITH_LINE, orient="row"), report


def _layout(cols: dict[str, int]) -> str | None:
    if "naics" not in cols:
        return None
    if "cluster_code" in cols:
        return "plain"
    if "cluster_name" in cols:
        return "acr1"
    return "type-only" if "type" in cols else None


def _row(file: str, line: int, values: dict[str, str], layout: str, header: list[str], cols: dict[str, int],
         errors: ErrorTable, report: CrosswalkReport) -> tuple | None:
    """Validate one row; return (naics, code, name, type, subcluster, line) or None when dropped."""

    def get(key: str) -> str:
        return values.get(key, "")

    naics = _clean_naics(get("naics"))
    name, code = get("cluster_name"), get("cluster_code")
    if layout == "acr1":
        why = _pseudo_reason(get("emsi"), name)
        if why:
            report.dropped_pseudo[why] = report.dropped_pseudo.get(why, 0) + 1
            return None
    if not re.fullmatch(r"[0-9]{6}", naics):
        errors.add("the NAICS code is not a 6-digit code", "Write 6-digit NAICS codes as text (e.g. 336411).",
                   file=file, row=line, column=header[cols["naics"]], value=get("naics"))
        return None
    kind = TYPE_VALUES.get(get("type").lower()) if get("type") else None
    if get("type") and kind is None:
        errors.add("the type is neither Traded nor Local", "Write Traded or Local.",
                   file=file, row=line, column=header[cols["type"]], value=get("type"))
        return None
    if layout == "type-only" and kind is None:
        errors.add("the type is empty", "Write Traded or Local.", file=file, row=line,
                   column=header[cols["type"]])
        return None
    if layout == "plain" and not code:
        errors.add("the cluster code is empty", "Fill in the cluster code (e.g. 1 for Aerospace Vehicles and Defense).",
                   file=file, row=line, column=header[cols["cluster_code"]])
        return None
    if layout == "acr1" and kind is None:
        errors.add("the Traded/Local column is empty", "Write Traded or Local.", file=file, row=line,
                   column=header[cols["type"]] if "type" in cols else "TradedLocal")
        return None
    return naics, _clean_code(code) or None, name or None, kind, get("subcluster") or None, line


def _pseudo_reason(emsi: str, name: str) -> str | None:
    if emsi.lower() in TRUE_TEXT:
        return "Emsi-specific pseudo NAICS codes"
    pseudo = PSEUDO_CLUSTERS.get(name.strip().lower())
    return f"pseudo-cluster {pseudo!r}" if pseudo else None


def _clean_naics(text: str) -> str:
    text = text.strip()
    return text[:-2] if re.fullmatch(r"[0-9]+\.0", text) else text


def _clean_code(text: str) -> str:
    text = _clean_naics(text)
    return text.lstrip("0") or text if text.isdigit() else text


def _read_legacy_json(path: Path, errors: ErrorTable) -> tuple[pl.DataFrame, CrosswalkReport]:
    """The pre-2014 clustermapping.us list: entries with id, name_t and naics_txt."""
    try:
        entries = json.loads(decode_text(path.read_bytes()))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        errors.add(f"not valid JSON ({exc})", "Use a CSV or XLSX crosswalk instead.", file=path.name)
        return _empty(), CrosswalkReport(path.name, "legacy-json")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "naics_txt" in e for e in entries):
        errors.add("the JSON is not a list of clusters with 'naics_txt'",
                   "Use a CSV or XLSX crosswalk (naics, cluster_code, cluster_name, type).", file=path.name)
        return _empty(), CrosswalkReport(path.name, "legacy-json")
    records = []
    for pos, entry in enumerate(entries, 1):
        legacy_id = str(entry.get("id", "")).rsplit("/", 1)[-1]
        kind = "local" if legacy_id.isdigit() and 101 <= int(legacy_id) <= 116 else "traded"
        for naics in entry["naics_txt"]:
            if not re.fullmatch(r"[0-9]{6}", str(naics)):
                errors.add("the NAICS code is not a 6-digit code", "Fix the code in the JSON list.",
                           file=path.name, row=pos, column="naics_txt", value=str(naics))
                continue
            records.append((str(naics), f"legacy-{legacy_id}", entry.get("name_t"), kind, None, pos))
    report = CrosswalkReport(path.name, "legacy-json", rows_read=len(records))
    report.warnings.append(
        "This is the pre-2014 US Cluster Mapping scheme (year_t 2007): its cluster names and ids differ from "
        "the current 51 traded / 16 local clusters, so it is kept with codes 'legacy-<id>' and cannot be "
        "compared with current USCMP tables. Use the current definitions for new work.")
    return pl.DataFrame(records, schema=_WITH_LINE, orient="row"), report


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_WITH_LINE)


def _finish(frame: pl.DataFrame, report: CrosswalkReport) -> tuple[pl.DataFrame, CrosswalkReport]:
    """Fill codes/names/types from the official list, drop duplicates, check conflicts, count."""
    if report.layout in ("acr1", "plain"):
        frame = _fill_official(frame, report)
    before = frame.height
    frame = frame.unique(subset=list(CROSSWALK_SCHEMA), keep="first", maintain_order=True)
    report.duplicates_dropped = before - frame.height
    _check_conflicts(frame, report)
    frame = frame.drop("_line")
    report.rows_kept = frame.height
    if report.has_clusters:
        clusters = frame.select("cluster_code", "cluster_name", "type").unique()
        report.traded_clusters = clusters.filter(pl.col("type") == "traded").height
        report.local_clusters = clusters.filter(pl.col("type") == "local").height
    return frame, report


def _fill_official(frame: pl.DataFrame, report: CrosswalkReport) -> pl.DataFrame:
    """Map names to official codes (acr1) or codes to names/types (plain); list unknown names."""
    official = official_clusters()
    if report.layout == "acr1":
        by_name = _official_by_name()
        keys = frame.get_column("cluster_name").map_elements(name_key, return_dtype=pl.String)
        codes = [by_name.get(k, (None,))[0] for k in keys]
        names = [by_name[k][1] if k in by_name else n for k, n in zip(keys, frame.get_column("cluster_name"))]
        report.unknown_names = sorted({n for k, n in zip(keys, frame.get_column("cluster_name"))
                                       if k not in by_name and n})
        return frame.with_columns(cluster_code=pl.Series(codes, dtype=pl.String),
                                  cluster_name=pl.Series(names, dtype=pl.String))
    joined = frame.join(official.rename({"cluster_name": "_name", "type": "_type"}), on="cluster_code", how="left")
    return joined.with_columns(cluster_name=pl.coalesce("cluster_name", "_name"),
                               type=pl.coalesce("type", "_type")).drop("_name", "_type")


def _check_conflicts(frame: pl.DataFrame, report: CrosswalkReport) -> None:
    errors = ErrorTable()
    untyped = frame.filter(pl.col("type").is_null())
    for line, code in untyped.select("_line", "cluster_code").iter_rows():
        errors.add("the row has no traded/local type and its cluster code is not an official one",
                   "Add a type column (Traded or Local), or use an official cluster code.",
                   file=report.source, row=line, column="cluster_code", value=code or "")
    twice = frame.group_by("naics").agg(pl.len(), pl.col("_line").min(), pl.col("_line").sort().cast(pl.String)
                                        .str.join(", ").alias("lines"))
    for naics, _, first, lines in twice.filter(pl.col("len") > 1).sort("_line").iter_rows():
        errors.add(f"NAICS {naics} is mapped to more than one cluster (lines {lines})",
                   "Map each 6-digit NAICS code to one cluster.", file=report.source, row=first,
                   column="naics", value=naics)
    errors.raise_if_any(f"Reading the cluster crosswalk {report.source}")


def unmapped_naics(crosswalk: pl.DataFrame, naics_codes) -> list[str]:
    """The 6-digit NAICS codes among ``naics_codes`` that the crosswalk does not map (sorted)."""
    codes = {str(c).strip() for c in naics_codes if c is not None}
    mapped = set(crosswalk.get_column("naics").to_list())
    return sorted(c for c in codes if re.fullmatch(r"[0-9]{6}", c) and c not in mapped)


# ---------------------------------------------------------------- USCMP tables

USCMP_COLUMNS = {"region_code_t": "region_code", "region_name_t": "region_name", "region_type_t": "region_type",
                 "cluster_code_t": "cluster_code", "cluster_name_t": "cluster_name", "year_t": "year",
                 "emp_tl": "employment", "est_tl": "establishments", "lq_tf": "lq"}
USCMP_FLAGS = {"qualifying_b": "qualifying", "significant_b": "significant", "strong_b": "strong",
               "strong10_b": "strong10"}
USCMP_FIX = ("Give the CSV from the clustermapping.us API (region x cluster rows with region_code_t, "
             "cluster_code_t, year_t, emp_tl, est_tl, lq_tf, ...).")
USCMP_FIRST_YEAR = 1990  # USCMP series start in 1998; earlier years are typing mistakes
_MISSING = ("", "NA")  # how the API writes a missing value
_LINE = "_line"
SHOWN_PER_PROBLEM = 10  # lines listed per (column, problem); the rest are counted


def read_uscmp_cluster_table(path: str | Path) -> pl.DataFrame:
    """Read US Cluster Mapping API output (region x cluster rows) as a peer set.

    Returns region_code, region_name, region_type, cluster_code (text),
    cluster_name, type ('traded'|'local'), year (Int32), employment
    (Float64, emp_tl), establishments (Int64, est_tl), lq (Float64, lq_tf)
    and, when present, the published flags qualifying, significant, strong,
    strong10 (Boolean; null where the file says NA, e.g. local clusters).

    The CSV the API gives is expected; an .xlsx saved from it is read too.
    Every row is checked first (codes, year, numbers, type, flags, repeated
    region/cluster/year): problems are raised together as ImportFailed with
    line, column, value and a fix.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportPlanError(f"USCMP cluster file {path} does not exist. Check the path.")
    raw = _uscmp_raw(path)
    _check_uscmp_header(path, raw)
    return _uscmp_frame(raw, path.name)


def _uscmp_raw(path: Path) -> pl.DataFrame:
    """Every cell as trimmed text (null if empty), lower-case headers, plus the file line ``_line``."""
    if workbook_or_text(path, "a CSV", USCMP_FIX):
        return _uscmp_workbook(path)
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.PolarsError as exc:
        raise ExportPlanError(f"{path.name} is not a readable CSV ({exc.__class__.__name__}); "
                              f"download the table again. {USCMP_FIX}") from exc
    raw = raw.rename(lambda c: c.strip().lower()).with_columns(pl.all().str.strip_chars())
    return raw.with_row_index(_LINE, offset=2).with_columns(pl.col(_LINE).cast(pl.Int64))


def _uscmp_workbook(path: Path) -> pl.DataFrame:
    """The sheet whose header row (among the first 10 rows) names region_code_t, as :func:`_uscmp_raw`."""
    for _, rows in workbook_rows(path, USCMP_FIX):
        for pos, values in enumerate(rows[:10]):
            header = [_cell_text(v).lower() for v in values]
            if "region_code_t" in header:
                return _sheet_frame(header, rows[pos + 1:], first_line=pos + 2)
    raise ExportPlanError(f"{path.name}: no sheet has a header row with region_code_t. {USCMP_FIX}")


def _sheet_frame(header: list[str], rows: list[tuple], first_line: int) -> pl.DataFrame:
    keep = [(i, name) for i, name in enumerate(header) if name and name not in header[:i]]
    data = {name: [(_cell_text(r[i]) if i < len(r) else "") or None for r in rows] for i, name in keep}
    data[_LINE] = list(range(first_line, first_line + len(rows)))
    return pl.DataFrame(data, schema={**{name: pl.String for _, name in keep}, _LINE: pl.Int64})


def _check_uscmp_header(path: Path, raw: pl.DataFrame) -> None:
    errors = ErrorTable()
    for col in USCMP_COLUMNS:
        if col not in raw.columns:
            errors.add(f"column '{col}' is missing", "Use the clustermapping.us API layout "
                       "(region_code_t, cluster_code_t, emp_tl, est_tl, lq_tf, ...).", file=path.name, row=1,
                       column=col)
    if "cluster_type" not in raw.columns and "traded_b" not in raw.columns:
        errors.add("there is no type column (cluster_type or traded_b)",
                   "Keep the API's cluster_type (traded/local) or traded_b (TRUE/FALSE) column.",
                   file=path.name, row=1, column="cluster_type")
    errors.raise_if_any(f"Reading the USCMP cluster table {path.name}")


def _text(col: str) -> pl.Expr:
    return pl.col(col).fill_null("").str.strip_chars()


def _missing(col: str) -> pl.Expr:
    return _text(col).str.to_uppercase().is_in(list(_MISSING))


def _number(col: str) -> pl.Expr:
    """The value as a number; null when missing (NA) or when it does not parse (checked separately)."""
    return pl.when(_missing(col)).then(None).otherwise(_text(col).cast(pl.Float64, strict=False))


def _uscmp_values(raw: pl.DataFrame) -> dict[str, pl.Expr]:
    """The canonical columns from the text ones (values failing a check come out null)."""
    code = _text("cluster_code_t").str.replace(r"\.0$", "")
    kinds = []
    if "cluster_type" in raw.columns:
        kinds.append(pl.when(_text("cluster_type").str.to_lowercase().is_in(["traded", "local"]))
                     .then(_text("cluster_type").str.to_lowercase()))
    if "traded_b" in raw.columns:
        upper = _text("traded_b").str.to_uppercase()
        kinds.append(pl.when(upper == "TRUE").then(pl.lit("traded")).when(upper == "FALSE").then(pl.lit("local")))
    flags = {dst: pl.when(_text(src).str.to_uppercase() == "TRUE").then(True)
             .when(_text(src).str.to_uppercase() == "FALSE").then(False).otherwise(None)
             for src, dst in USCMP_FLAGS.items() if src in raw.columns}
    return {
        **{dst: pl.when(_missing(src)).then(None).otherwise(_text(src))
           for src, dst in USCMP_COLUMNS.items() if dst in ("region_code", "region_name", "region_type",
                                                             "cluster_name")},
        "cluster_code": code,
        "type": pl.coalesce(kinds) if len(kinds) > 1 else kinds[0],
        "year": _text("year_t").str.replace(r"\.0$", "").cast(pl.Int32, strict=False),
        "employment": _number("emp_tl"),
        "establishments": _number("est_tl").cast(pl.Int64, strict=False),
        "lq": _number("lq_tf"),
        **flags,
    }


def _uscmp_checks(raw: pl.DataFrame) -> list[tuple[str, str, str, pl.Expr]]:
    """(column, problem, fix, True-where-wrong) for every row check."""
    from datetime import date

    last_year = date.today().year + 1
    code = _text("cluster_code_t").str.replace(r"\.0$", "")
    year = _text("year_t").str.replace(r"\.0$", "").cast(pl.Int32, strict=False)
    number_fix = "Write a plain number (e.g. 1234.5), or NA when the value is not published."
    checks = [
        ("region_code_t", "the region code is empty", "Fill in the region code (e.g. 39 for Ohio).",
         _missing("region_code_t")),
        ("region_code_t", "the region code is longer than 20 characters", "Use the API's region_code_t.",
         _text("region_code_t").str.len_chars() > 20),
        ("cluster_code_t", "the cluster code is empty", "Fill in the US Cluster Mapping cluster code.",
         _missing("cluster_code_t")),
        ("cluster_code_t", "the cluster code is not a number of 1 to 4 digits",
         "Use the US Cluster Mapping cluster codes (1-51 traded, 101-116 local).",
         ~_missing("cluster_code_t") & ~code.str.contains(r"^[0-9]{1,4}$")),
        ("year_t", f"the year is not a year from {USCMP_FIRST_YEAR} to {last_year}",
         "Write the data year as four digits (e.g. 2016).",
         year.is_null() | ~year.is_between(USCMP_FIRST_YEAR, last_year)),
    ]
    for col in ("emp_tl", "est_tl", "lq_tf"):
        checks.append((col, "the value is not a number", number_fix, ~_missing(col) & _number(col).is_null()))
        checks.append((col, "the value is negative", number_fix, _number(col) < 0))
    checks.append(("est_tl", "the establishment count is not a whole number", "Write a whole number, or NA.",
                   _number("est_tl") != _number("est_tl").round()))
    type_cols = [c for c in ("cluster_type", "traded_b") if c in raw.columns]
    valid = {"cluster_type": ["traded", "local"], "traded_b": ["true", "false"]}
    for col in type_cols:
        checks.append((col, f"the type is not {' or '.join(valid[col])}", f"Write {' or '.join(valid[col])}.",
                       ~_missing(col) & ~_text(col).str.to_lowercase().is_in(valid[col])))
    checks.append((type_cols[0], "the row has no type", "Fill in cluster_type (traded or local) or traded_b.",
                   pl.all_horizontal([_missing(c) for c in type_cols])))
    for col in (c for c in USCMP_FLAGS if c in raw.columns):
        checks.append((col, "the flag is not TRUE, FALSE or NA", "Write TRUE, FALSE or NA.",
                       ~_missing(col) & ~_text(col).str.to_uppercase().is_in(["TRUE", "FALSE"])))
    return checks


def _uscmp_frame(raw: pl.DataFrame, name: str) -> pl.DataFrame:
    """Check every row, then build the canonical peer frame (module docstring)."""
    blank = pl.all_horizontal([_missing(c) for c in USCMP_COLUMNS])
    raw = raw.filter(~blank)  # blank lines; line numbers were taken before
    checks = _uscmp_checks(raw)
    flagged = raw.select(_LINE, *[expr.fill_null(False).alias(f"_bad{i}") for i, (*_, expr) in enumerate(checks)])
    errors = ErrorTable()
    for i, (col, problem, fix, _) in enumerate(checks):
        lines = flagged.filter(pl.col(f"_bad{i}")).get_column(_LINE)
        values = raw.join(pl.DataFrame({_LINE: lines.head(SHOWN_PER_PROBLEM)}), on=_LINE, how="semi")
        for line, value in values.select(_LINE, _text(col)).iter_rows():
            errors.add(problem, fix, file=name, row=line, column=col, value=value)
        if lines.len() > SHOWN_PER_PROBLEM:
            errors.add(f"{problem}: {lines.len() - SHOWN_PER_PROBLEM} more line(s) like the ones above", fix,
                       file=name, column=col)
    frame = raw.select(_LINE, **_uscmp_values(raw))
    if not errors:
        _check_uscmp_repeats(frame, name, errors)
    errors.raise_if_any(f"Reading the USCMP cluster table {name}")
    return frame.select("region_code", "region_name", "region_type", "cluster_code", "cluster_name", "type",
                        "year", "employment", "establishments", "lq",
                        *[dst for src, dst in USCMP_FLAGS.items() if src in raw.columns])


def _check_uscmp_repeats(frame: pl.DataFrame, name: str, errors: ErrorTable) -> None:
    """A region's cluster in one year must be one row: name the line it repeats."""
    key = ["region_code", "cluster_code", "year"]
    firsts = frame.group_by(key).agg(pl.col(_LINE).min().alias("_first"))
    repeats = frame.join(firsts, on=key).filter(pl.col(_LINE) != pl.col("_first")).sort(_LINE)
    for region, cluster, year, line, first in repeats.head(SHOWN_PER_PROBLEM).select(
            *key, _LINE, "_first").iter_rows():
        errors.add(f"region {region}, cluster {cluster}, {year} repeats line {first}",
                   "Keep one row per region, cluster and year.", file=name, row=line, column="region_code_t",
                   value=region)
    if repeats.height > SHOWN_PER_PROBLEM:
        errors.add(f"{repeats.height - SHOWN_PER_PROBLEM} more repeated row(s) like the ones above",
                   "Keep one row per region, cluster and year.", file=name)


__all__ = ["CROSSWALK_SCHEMA", "CrosswalkReport", "name_key", "official_clusters", "read_crosswalk",
           "read_uscmp_cluster_table", "unmapped_naics"]
