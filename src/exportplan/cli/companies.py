"""Commands for the exporter pipeline: ``exportplan companies ...`` (records of the companies the
organization works with; see 'exportplan companies --help')."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..analysis.initiative_terms import REFERRAL_PREFIX
from ..errors import ExportPlanError
from .main import cli, current_workspace, emit_table, friendly, other_notes, table_output, workspace_option

_EXPORT_FORMATS = ("csv", "xlsx", "json")
_CHILDREN = ("export_sales", "interactions", "needs", "referrals", "outcomes", "stage_history", "assessments")


def _pairs(values: tuple[str, ...], example: str) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r}: write NAME=VALUE, e.g. {example}")
        out[name.strip()] = value.strip()
    return out


def _notes(meta: dict | None) -> None:
    for note in other_notes(meta):
        click.echo(f"Note: {note}")


@cli.group("companies")
def companies_group():
    """The exporter pipeline: companies, their contacts, interactions, referrals, outcomes and stages.

    \b
    Examples:
      exportplan -w DIR companies template companies.xlsx
      exportplan -w DIR companies import companies.xlsx
      exportplan -w DIR companies list --stage export-ready --county 39049
      exportplan -w DIR companies show ACME-01
      exportplan -w DIR companies export --format xlsx --output pipeline.xlsx
    """


@companies_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default=None, help="The workbook's companies sheet when it is not called 'companies'.")
@click.option("--mapping", "mapping_name", default=None, metavar="NAME",
              help="Use a column mapping saved earlier with --save-mapping (e.g. --mapping crm).")
@click.option("--map", "maps", multiple=True, metavar="SOURCE=COLUMN",
              help="The file's column SOURCE holds the template's COLUMN, e.g. --map 'Account Name=name' "
                   "(repeatable).")
@click.option("--save-mapping", default=None, metavar="NAME",
              help="Save the --map columns under NAME for the next import of this kind of file.")
@workspace_option
@click.pass_context
@friendly
def import_companies(ctx, file, sheet, mapping_name, maps, save_mapping):
    """Load companies (and their records) from the template's XLSX or a CSV, all or nothing.

    Re-importing the same file changes nothing; companies are matched by
    company_id. Likely duplicates are reported, never merged.

    \b
    Examples:
      exportplan -w DIR companies import companies.xlsx
      exportplan -w DIR companies import crm.csv --map 'Account=name' --map 'Zip County=county_fips' --save-mapping crm
      exportplan -w DIR companies import crm-june.csv --mapping crm
    """
    ws = current_workspace(ctx)
    mapping: dict | str | None = None
    if maps:
        mapping = _pairs(maps, "'Account Name=name'")
        if mapping_name:
            mapping = {**ws.pipeline.mapping(mapping_name), **mapping}
    elif mapping_name:
        mapping = mapping_name
    click.echo(str(ws.pipeline.import_companies(file, sheet=sheet, mapping=mapping, save_mapping=save_mapping)))


@companies_group.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@workspace_option
@click.pass_context
@friendly
def template(ctx, file):
    """Write the empty import template: FILE.xlsx (every sheet, with instructions) or FILE.csv (companies).

    Example: exportplan -w DIR companies template companies.xlsx
    """
    ws = current_workspace(ctx)
    click.echo(f"Wrote {ws.pipeline.template(file)}")


@companies_group.command("list")
@click.option("--stage", default=None, help="Only this stage, e.g. export-ready.")
@click.option("--sector", default=None, help="Only this sector (cluster code or name).")
@click.option("--county", default=None, help="Only this county (5-digit FIPS), e.g. 39049.")
@click.option("--naics", default=None, help="Only NAICS codes starting with this, e.g. 33.")
@click.option("--search", default=None, help="Text in the company name (any case or spelling).")
@click.option("--limit", type=int, default=None, help="At most this many companies.")
@click.option("--duplicates", is_flag=True, help="List likely duplicate pairs instead (merge with 'companies merge').")
@table_output
@workspace_option
@click.pass_context
@friendly
def list_companies(ctx, stage, sector, county, naics, search, limit, duplicates, fmt, output):
    """List the companies (no contacts), or the likely duplicates.

    \b
    Examples:
      exportplan -w DIR companies list --stage active --naics 33
      exportplan -w DIR companies list --search acme --output acme.csv
      exportplan -w DIR companies list --duplicates
    """
    ws = current_workspace(ctx)
    if duplicates:
        df = ws.pipeline.duplicates()
        title = f"{len(df)} likely duplicate pair(s); merge with 'exportplan companies merge KEEP DROP'."
    else:
        df = ws.pipeline.companies(stage=stage, sector=sector, county=county, naics=naics, search=search,
                                   limit=limit)
        total = ws.pipeline.count_companies(stage=stage, sector=sector, county=county, naics=naics, search=search)
        title = f"{total} compan{'y' if total == 1 else 'ies'}" + (f" ({len(df)} shown)" if len(df) < total else "")
    meta = df.attrs.get("exportplan")
    columns = None if duplicates else ["company_id", "name", "stage", "naics", "sector", "county_fips", "city",
                                       "employees", "current_markets"]
    emit_table(df, fmt=fmt, output=output, meta=meta, title=title, columns=columns)
    _notes(meta)


@companies_group.command("show")
@click.argument("key")
@click.option("--with-contacts", is_flag=True, help="Also show the company's contacts (personal data).")
@workspace_option
@click.pass_context
@friendly
def show(ctx, key, with_contacts):
    """Show one company: its fields, records and stage history.

    Example: exportplan -w DIR companies show ACME-01 --with-contacts
    """
    ws = current_workspace(ctx)
    record = ws.pipeline.company(key)
    children = {name: record.pop(name) for name in list(record) if isinstance(record[name], list)}
    for field, value in record.items():
        if value is not None and value == value and value != "":
            click.echo(f"{field}: {value}")
    for name in (("contacts",) if with_contacts else ()) + _CHILDREN:
        rows = children.get(name) or []
        click.echo(f"\n{name} ({len(rows)}):")
        for row in rows:
            click.echo("  " + "; ".join(f"{k}={v}" for k, v in row.items()
                                         if v is not None and v == v and v != ""))


@companies_group.command("update")
@click.argument("key")
@click.option("--set", "sets", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A field and its new value, e.g. --set employees=120 or --set 'target_markets=MEX;CAN' "
                   "(repeatable; an empty VALUE clears the field).")
@click.option("--expect-version", type=int, default=None, metavar="N",
              help="The version you read with 'companies show' (refused if someone saved since; "
                   "default: the version stored now).")
@workspace_option
@click.pass_context
@friendly
def update(ctx, key, sets, expect_version):
    """Change a company's fields; each change goes to the audit log (a stage change also to its history).

    \b
    Fields: name, naics, sector, county_fips, city, employees, revenue_usd, website,
    foreign_parent, parent_country, stage, current_markets, target_markets, tags, notes.

    Example: exportplan -w DIR companies update ACME-01 --set stage=export-ready --set employees=120
    """
    ws = current_workspace(ctx)
    changes = _pairs(sets, "--set employees=120")
    version = expect_version if expect_version is not None else ws.pipeline.company(key)["version"]
    new = ws.pipeline.update_company(key, expected_version=version, **changes)
    if new == version:
        click.echo(f"{key}: nothing changed (version {new}).")
    else:
        click.echo(f"Updated {key}: {', '.join(changes)} (version {new}).")


@companies_group.command("assess")
@click.argument("key", required=False)
@click.option("--answers", "answers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A JSON file of item -> answer, e.g. {\"commitment\": \"yes\"}.")
@click.option("--answer", "answer", multiple=True, metavar="ITEM=ANSWER", help="One answer (repeatable).")
@click.option("--confirm", is_flag=True, help="Move the company to the suggested stage (kept in its history).")
@click.option("--questions", is_flag=True, help="Print the questionnaire's items and answers, and stop.")
@workspace_option
@click.pass_context
@friendly
def assess(ctx, key, answers_file, answer, confirm, questions):
    """Score a company's export readiness and suggest a stage; staff confirm it with --confirm.

    \b
    Examples:
      exportplan companies assess --questions
      exportplan -w DIR companies assess ACME-01 --answers acme.json
      exportplan -w DIR companies assess ACME-01 --answer export_markets=one --confirm
    """
    if questions:
        from ..analysis.readiness import ITEMS

        for item in ITEMS:
            choices = ", ".join(f"{a.key} ({a.points})" for a in item.answers)
            click.echo(f"{item.key} [{item.area}]: {item.question}\n    answers: {choices}")
        return
    if not key:
        raise ExportPlanError("Name the company: companies assess KEY --answers FILE.json (or --questions).")
    answers: dict[str, str] = {}
    if answers_file:
        try:
            loaded = json.loads(answers_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ExportPlanError(f"{answers_file.name} is not valid JSON ({exc}); write {{\"item\": \"answer\"}}.")
        if not isinstance(loaded, dict):
            raise ExportPlanError(f"{answers_file.name} must hold one JSON object: {{\"item\": \"answer\", ...}}.")
        answers.update({str(k): "" if v is None else str(v) for k, v in loaded.items()})
    answers.update(_pairs(answer, "export_markets=one"))
    if not answers:
        raise ExportPlanError("Give the answers: --answers FILE.json or --answer ITEM=ANSWER (see --questions).")
    ws = current_workspace(ctx)
    result = ws.pipeline.assess(key, answers, confirm=confirm)
    shown = "no score (nothing answered)" if result.score is None else f"{result.score:g} / 100"
    click.echo(f"Readiness of {key}: {shown}, {result.coverage:.0%} of the items answered.")
    click.echo(f"Suggested stage: {result.suggested_stage}")
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    click.echo(f"Stage set to {result.suggested_stage!r} (the history keeps the earlier stage)." if confirm else
               "Stage unchanged; add --confirm to move the company to the suggested stage.")


@companies_group.command("log")
@click.argument("key")
@click.option("--date", "on", required=True, help="When (YYYY-MM-DD).")
@click.option("--kind", required=True, help="outreach, call, email, meeting, visit, event or other.")
@click.option("--summary", required=True, help="What was said or done.")
@click.option("--staff", default="", help="Who from the organization.")
@workspace_option
@click.pass_context
@friendly
def log(ctx, key, on, kind, summary, staff):
    """Record an interaction with a company.

    Example: exportplan -w DIR companies log ACME-01 --date 2024-05-02 --kind call --summary 'Asked about Mexico'
    """
    ws = current_workspace(ctx)
    number = ws.pipeline.log_interaction(key, on, kind, summary, staff)
    click.echo(f"Logged interaction #{number} for {key}.")


@companies_group.command("refer")
@click.argument("key")
@click.option("--program-id", default="", metavar="ID",
              help="A program of the inventory ('exportplan programs list' or 'companies match KEY'); it names the "
                   "provider and the program.")
@click.option("--provider", default="", help="Who the company is referred to, e.g. 'U.S. Commercial Service' "
                                             "(needed without --program-id).")
@click.option("--program", default="", help="The provider's program, e.g. 'Gold Key'.")
@click.option("--date", "on", default=None, help="When (YYYY-MM-DD; default: today).")
@click.option("--status", default="made", show_default=True,
              help="made, accepted, in progress, completed, declined or no response.")
@click.option("--outcome", default="", help="What came of it.")
@workspace_option
@click.pass_context
@friendly
def refer(ctx, key, program_id, provider, program, on, status, outcome):
    """Record a referral of a company to a state or federal resource.

    \b
    Examples:
      exportplan -w DIR companies refer ACME-01 --program-id uscs-gold-key
      exportplan -w DIR companies refer ACME-01 --provider 'SBA' --program 'STEP grant'
    """
    ws = current_workspace(ctx)
    number = ws.pipeline.refer(key, provider, program, on or ws.pipeline.ctx.clock()[:10], status=status,
                               outcome=outcome, program_id=program_id)
    click.echo(f"Recorded referral #{number} for {key}.")


@companies_group.command("outcome")
@click.argument("key")
@click.option("--kind", required=True, help="first export, new market or export sales.")
@click.option("--date", "on", required=True, help="When (YYYY-MM-DD).")
@click.option("--country", default="", help="The market (any spelling or ISO3), e.g. MEX.")
@click.option("--sales", type=float, default=None, help="Export sales (USD).")
@click.option("--program", default="", help="The program that helped.")
@click.option("--attribute", "targets", multiple=True, metavar="KEY",
              help="Attribute the outcome to one of the organization's program runs ('initiatives list') or to a "
                   "referral ('referral:ID'); repeatable. Later: 'initiatives attribute ID KEY'.")
@workspace_option
@click.pass_context
@friendly
def outcome(ctx, key, kind, on, country, sales, program, targets):
    """Record an export outcome of a company; prints the outcome's id.

    \b
    Examples:
      exportplan -w DIR companies outcome ACME-01 --kind 'new market' --date 2024-06-01 --country MEX
      exportplan -w DIR companies outcome ACME-01 --kind 'export sales' --date 2024-09-01 --sales 50000 \\
          --attribute exportech-2024 --attribute pitch-2024
    """
    ws = current_workspace(ctx)
    if targets:  # a target that does not exist is refused before anything is written
        for target in targets:
            if not target.startswith(REFERRAL_PREFIX):
                ws.initiatives.get(target)
    number = ws.pipeline.record_outcome(key, kind, on, iso3=country, export_sales_usd=sales, program=program)
    click.echo(f"Recorded outcome #{number} for {key}.")
    if targets:
        try:
            ws.initiatives.attribute(number, *targets)
        except ExportPlanError as exc:
            raise ExportPlanError(f"{exc} The outcome #{number} is recorded, without attribution; attribute it with "
                                  f"'exportplan initiatives attribute {number} KEY'.") from exc
        click.echo(f"Outcome #{number} attributed to {', '.join(targets)}.")


@companies_group.command("merge")
@click.argument("keep")
@click.argument("drop")
@workspace_option
@click.pass_context
@friendly
def merge(ctx, keep, drop):
    """Merge company DROP into KEEP: DROP's records move to KEEP and DROP is deleted.

    Example: exportplan -w DIR companies merge ACME-01 ACME-TOOL-39049
    """
    ws = current_workspace(ctx)
    moved = ws.pipeline.merge(keep, drop)
    detail = ", ".join(f"{n} {name}" for name, n in moved.items() if n)
    click.echo(f"Merged {drop} into {keep}" + (f" (moved: {detail})." if detail else "."))


@companies_group.command("forget-contact")
@click.argument("target")
@click.option("--name", default=None, help="The contact's name, with TARGET the company's key.")
@workspace_option
@click.pass_context
@friendly
def forget_contact(ctx, target, name):
    """Delete a contact's personal data for good (CONTACT_ID, or KEY --name NAME).

    \b
    Examples:
      exportplan -w DIR companies forget-contact 17
      exportplan -w DIR companies forget-contact ACME-01 --name 'Jane Doe'
    """
    ws = current_workspace(ctx)
    if name is not None:
        gone = ws.pipeline.forget_contact((target, name))
    elif target.isdigit():
        gone = ws.pipeline.forget_contact(int(target))
    else:
        raise ExportPlanError("Give a contact id (a number), or the company's key with --name NAME.")
    click.echo(f"Forgot {gone} contact(s); the company's history is kept without them.")


@companies_group.command("export")
@click.option("--format", "fmt", type=click.Choice(_EXPORT_FORMATS), default=None,
              help="csv (companies), xlsx (every sheet) or json (default: from the --output suffix).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write.")
@click.option("--with-contacts", is_flag=True, help="Include the contacts (personal data; left out by default).")
@workspace_option
@click.pass_context
@friendly
def export(ctx, fmt, output, with_contacts):
    """Write every company in the import template's columns (it imports back unchanged).

    Example: exportplan -w DIR companies export --format xlsx --output pipeline.xlsx
    """
    ws = current_workspace(ctx)
    path = ws.pipeline.export_companies(output, fmt, with_contacts=with_contacts)
    click.echo(f"Wrote {path}" + (" (with contacts: personal data)" if with_contacts else ""))


@companies_group.command("metrics")
@click.option("--start", default=None, help="First day of the stage flows (YYYY-MM-DD; default: the first change).")
@click.option("--end", default=None, help="Last day of the stage flows (default: today).")
@click.option("--by", "by", multiple=True, type=click.Choice(("sector", "county", "naics2")),
              help="Also split the metrics by sector, county or 2-digit NAICS (repeatable), e.g. --by sector.")
@table_output
@workspace_option
@click.pass_context
@friendly
def metrics(ctx, start, end, by, fmt, output):
    """Pipeline metrics: stage counts (by stage, sector, county), stage flows, share exporting, markets per
    exporter, conversion.

    --output writes each metric to its own file (NAME-METRIC.EXT).

    Example: exportplan -w DIR companies metrics --by sector --output metrics.xlsx
    """
    ws = current_workspace(ctx)
    columns = tuple({"county": "county_fips"}.get(b, b) for b in by)
    for name, metric in ws.pipeline.metrics(start=start, end=end, by=columns).items():
        target = None if output is None else output.with_name(f"{output.stem}-{name}{output.suffix}")
        click.echo("")
        emit_table(metric.table, fmt=fmt, output=target, title=name.replace("_", " "))
        for note in metric.notes:
            click.echo(f"Note: {note}")
