"""Import a company file by upload (``/companies/import``, access "edit") and download the import template.

The upload is copied to a temporary file (never kept) with the same size limit as the command line
(setting ``pipeline.max_import_mb``), then imported by ``ws.pipeline.import_companies``: all or
nothing. When the file has problems the page shows the error table (row, column, value, problem,
fix) and nothing is stored; the user fixes the file and uploads it again.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...errors import ExportPlanError, ImportFailed
from ..render import flash, render, table_html
from ..routes import page

#: File types an upload may be (the template's).
SUFFIXES = (".csv", ".xlsx")
#: The import limit's setting (the command line's: ``exportplan companies import``).
MAX_MB_SETTING = "pipeline.max_import_mb"
#: Content types of the template downloads.
TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_CHUNK = 1024 * 1024


def max_mb(ws) -> float:
    """The largest company file an import reads (MB), as the command line."""
    value = ws.setting(MAX_MB_SETTING)
    return float(50 if value is None else value)


def safe_name(filename: str) -> str:
    """The uploaded file's name reduced to its last part and plain characters (it names the import's source)."""
    name = Path(str(filename or "").replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" .") or "upload"
    return name[-120:]


def save_upload(upload, folder: Path, limit_mb: float) -> Path:
    """Copy an upload into ``folder`` (at most ``limit_mb``); ExportPlanError when it is missing, of another
    kind than CSV or XLSX, or too large."""
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        raise ExportPlanError("Choose a company file (CSV or XLSX) to upload.")
    name = safe_name(upload.filename)
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ExportPlanError(f"{name} is not a CSV or XLSX file; save the company file as .xlsx or as "
                              "'CSV UTF-8' and upload that (the template shows the columns).")
    target = folder / name
    limit, size = int(limit_mb * 1024 * 1024), 0
    upload.file.seek(0)
    with target.open("wb") as out:
        while chunk := upload.file.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise ExportPlanError(f"{name} is over the import limit of {limit_mb:g} MB (setting {MAX_MB_SETTING}); "
                                      "split the file, or ask an admin to raise the limit.")
            out.write(chunk)
    return target


def error_table(exc: ImportFailed):
    """The problems of a refused import as a table: file, row, column, value, problem, fix."""
    frame = pd.DataFrame(exc.table.to_records(), columns=["file", "row", "column", "value", "problem", "fix"])
    frame["row"] = frame["row"].astype("Int64")
    return table_html(frame, caption=f"{len(frame)} problem(s) in the file; nothing was stored",
                      columns={"file": "File / sheet", "row": "Row", "column": "Column", "value": "Value",
                               "problem": "Problem", "fix": "How to fix it"},
                      formats={"row": "d"}, css_class="data errors")


def _page(request: Request, *, status_code: int = 200, message: str = "", problems=None, report=None):
    ws = request.state.ws
    return render(request, "companies_import.html", title="Import companies", status_code=status_code,
                  message=message, problems=problems, report=report, limit_mb=max_mb(ws),
                  mappings=ws.pipeline.mappings(), kept_mapping=str((request.state.form or {}).get("mapping", "")),
                  kept_sheet=str((request.state.form or {}).get("sheet", "")))


def import_form(request: Request):
    """The upload form, with the template's download links."""
    return _page(request)


def import_upload(request: Request):
    """Import the uploaded company file: all of it, or nothing with the error table."""
    ws, form = request.state.ws, request.state.form
    if form is None:
        return _page(request, status_code=400, message="Send the company file as a form upload (multipart).")
    mapping = str(form.get("mapping", "") or "").strip() or None
    sheet = str(form.get("sheet", "") or "").strip() or None
    with tempfile.TemporaryDirectory(prefix="exportplan-upload-") as folder:
        try:
            path = save_upload(form.get("file"), Path(folder), max_mb(ws))
            report = ws.pipeline.import_companies(path, sheet=sheet, mapping=mapping)
        except ImportFailed as exc:
            return _page(request, status_code=400, message=str(exc).splitlines()[0], problems=error_table(exc))
        except ExportPlanError as exc:
            return _page(request, status_code=400, message=str(exc))
        finally:
            _close_files(form)
    lines = str(report).splitlines()
    response = RedirectResponse("/companies/import", status_code=303)
    return flash(response, request, " ".join(line.strip(" -") for line in lines)[:480])


def _close_files(form) -> None:
    """Close the form's uploads (their spooled temporary files) once the import is done with them."""
    for _name, value in form.multi_items():
        if not isinstance(value, str):
            value.file.close()


def template_file(request: Request):
    """The empty import template: XLSX (every sheet, with instructions) or CSV (the companies' columns)."""
    kind = request.path_params["kind"]
    if kind not in TYPES:
        raise ExportPlanError("The template comes as template.xlsx or template.csv.")
    with tempfile.TemporaryDirectory(prefix="exportplan-template-") as folder:
        path = Path(request.state.ws.pipeline.template(Path(folder) / f"company-template.{kind}", kind))
        data = path.read_bytes()
    return Response(data, media_type=TYPES[kind],
                    headers={"content-disposition": f'attachment; filename="company-template.{kind}"'})


ROUTES = [
    page("/companies/import", import_form, access="edit", name="companies_import"),
    page("/companies/import", import_upload, access="edit", methods=("POST",), name="companies_import_upload"),
    page("/companies/template.{kind}", template_file, access="read", name="companies_template"),
]
