"""Reading and changing a workspace's settings with validation (``exportplan config``).

Every setting is declared in :data:`exportplan.config.SETTINGS`. A value
given as text on the command line is read by the setting's type
(:func:`parse_value`), checked by its own rule where it has one (valid
reference areas, state codes, FIPS codes, presets, weights, ranges), and
saved only when the whole configuration still passes
:func:`exportplan.config.check_types`. Nobody needs to edit
``exportplan.toml`` by hand.

>>> parse_value(setting("region.centre"), "39.96,-82.99")
[39.96, -82.99]
>>> parse_value(setting("markets.priority_sectors"), "336, cluster:6")
['336', 'cluster:6']
>>> parse_value(setting("sectors.weights"), "growth=0.3")
{'growth': 0.3}
"""
from __future__ import annotations

import copy
import difflib
import math
import tomllib
from typing import Any, Callable

from . import config as cfg
from .errors import ExportPlanError

#: Settings the tool keeps: shown, never set by hand.
READ_ONLY = {"workspace.id": "the workspace's identity, also stored in its database",
             "workspace.created": "when the workspace was made",
             "workspace.sample_data": "set by 'exportplan demo' only"}
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def setting(name: str) -> cfg.Setting:
    """The declared setting ``section.key``; an unknown name lists the closest ones."""
    for s in cfg.SETTINGS:
        if s.name == name.strip():
            return s
    names = [s.name for s in cfg.SETTINGS]
    close = difflib.get_close_matches(name.strip(), names, n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    raise ExportPlanError(f"There is no setting {name!r}.{hint} 'exportplan config list' shows them all.")


def parse_value(s: cfg.Setting, text: str) -> Any:
    """The value of setting ``s`` written as command-line text (a TOML value works too)."""
    raw = str(text).strip()
    kinds = s.accepted
    if bool in kinds:
        if raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
        raise ExportPlanError(f"{s.name} is true or false, not {text!r}.")
    if list in kinds:
        items = _toml(raw) if raw.startswith("[") else [v.strip() for v in raw.split(",") if v.strip()]
        if not isinstance(items, list):
            raise ExportPlanError(f"{s.name} is a list: give it comma-separated, e.g. {_example(s)}.")
        if s.name == "region.centre":
            try:
                return [float(v) for v in items]
            except (TypeError, ValueError):
                raise ExportPlanError(f"{s.name} is two numbers LAT,LON, e.g. 39.96,-82.99; not {text!r}.") from None
        return [str(v) for v in items]
    if dict in kinds:
        if not raw:
            return {}
        value = _toml(raw) if raw.startswith("{") else _pairs(s, raw)
        if not isinstance(value, dict):
            raise ExportPlanError(f"{s.name} is key=value pairs, e.g. {_example(s)}; not {text!r}.")
        return value
    if float in kinds or int in kinds:
        try:
            number = float(raw)
        except ValueError:
            raise ExportPlanError(f"{s.name} is a number, not {text!r}.") from None
        if not math.isfinite(number):
            raise ExportPlanError(f"{s.name} must be a finite number, not {text!r}.")
        if int in kinds and float not in kinds:
            if not number.is_integer():
                raise ExportPlanError(f"{s.name} is a whole number, not {text!r}.")
            return int(number)
        return int(number) if number.is_integer() and isinstance(s.default, int) else number
    return raw


def _toml(raw: str):
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError as exc:
        raise ExportPlanError(f"{raw!r} is not a value exportplan can read ({exc}).") from None


def _pairs(s: cfg.Setting, raw: str) -> dict[str, float]:
    from .analysis.weights import MARKET_FACTORS, SECTOR_GROUPS, parse_weights

    keys = MARKET_FACTORS if s.section == "markets" else SECTOR_GROUPS
    return parse_weights(raw, keys)


def _example(s: cfg.Setting) -> str:
    return {"region.counties": "39049,39041", "region.centre": "39.96,-82.99",
            "markets.priority_sectors": "336,cluster:6", "sectors.weights": "growth=0.3",
            "markets.weights": "proximity=0.2"}.get(s.name, "a,b")


# ---- rules beyond the type -------------------------------------------------------------
def _counties(value):
    from .ws.base import check_fips

    return check_fips(value)


def _reference(value):
    from .workspace import check_reference_area

    return check_reference_area(value)


def _state(value):
    from .workspace import check_state

    return check_state(value)


def _centre(value):
    if value and not (len(value) == 2 and -90 <= value[0] <= 90 and -180 <= value[1] <= 180):
        raise ExportPlanError("region.centre is LAT,LON in decimal degrees (latitude -90..90, longitude -180..180), "
                              "e.g. 39.96,-82.99; or '' to use the counties' points.")
    return value


def _one_of(name: str, choices) -> Callable:
    def check(value):
        if str(value) not in choices:
            raise ExportPlanError(f"{name} is one of {', '.join(map(str, choices))}; not {value!r}.")
        return value
    return check


def _between(name: str, low: float, high: float | None = None) -> Callable:
    def check(value):
        if value < low or (high is not None and value > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ExportPlanError(f"{name} must be {span}; not {value!r}.")
        return value
    return check


def _preset(kind: str) -> Callable:
    def check(value):
        from .analysis.weights import preset_weights

        preset_weights(kind, value)
        return value
    return check


def _weights(kind: str) -> Callable:
    def check(value):
        from .analysis.weights import MARKET_FACTORS, SECTOR_GROUPS, normalize_weights, parse_weights

        keys = MARKET_FACTORS if kind == "market" else SECTOR_GROUPS
        if isinstance(value, str):
            value = parse_weights(value, keys) if value.strip() else {}
        if value:
            normalize_weights(value, keys, what=f"{kind} weights")
        return value
    return check


def _database_url(value):
    from .store.db import normalize_url  # noqa: F401  (a URL the store can read)

    saved, had_password = cfg.without_password(value)
    if had_password:
        raise ExportPlanError(f"A password is never saved in {cfg.CONFIG_FILE}: give the URL without it "
                              f"({saved}) and the password in {cfg.DATABASE_URL_ENV} or ~/.pgpass.")
    return value


def _rules() -> dict[str, Callable]:
    from .analysis.industry import LQ_BASES
    from .ws.industry import ESTIMATE_MODES

    return {
        "region.counties": _counties, "region.reference_area": _reference, "region.state": _state,
        "region.centre": _centre,
        "analysis.ownership": _one_of("analysis.ownership", ("0", "1", "2", "3", "5")),
        "analysis.window": _between("analysis.window", 1),
        "analysis.lq_base": _one_of("analysis.lq_base", LQ_BASES),
        "analysis.estimate_withheld": _one_of("analysis.estimate_withheld", ESTIMATE_MODES),
        "analysis.max_bound_ratio": _between("analysis.max_bound_ratio", 1),
        "analysis.strong_threshold": _between("analysis.strong_threshold", 0),
        "markets.coverage_floor": _between("markets.coverage_floor", 0, 1),
        "sectors.preset": _preset("sector"), "markets.preset": _preset("market"),
        "sectors.weights": _weights("sector"), "markets.weights": _weights("market"),
        "organization.staff": _between("organization.staff", 0),
        "organization.budget": _between("organization.budget", 0),
        "programs.target_markets": _between("programs.target_markets", 0),
        "plan.baseline_date": _iso_date,
        "database.url": _database_url,
        "workspace.name": lambda v: v if v.strip() else _raise("workspace.name cannot be empty."),
    }


def _iso_date(value):
    import datetime as dt

    if value:
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            raise ExportPlanError(f"plan.baseline_date must be a date YYYY-MM-DD (e.g. 2026-01-01), not {value!r}; "
                                  "or '' for the day the plan is built.") from None
    return value


def _raise(message: str):
    raise ExportPlanError(message)


# ---- the three operations ----------------------------------------------------------------
def get(config: dict, name: str) -> Any:
    s = setting(name)
    return config.get(s.section, {}).get(s.key, s.default)


def set_value(config: dict, name: str, text: str) -> tuple[dict, Any]:
    """(the new configuration, the value) after setting ``name`` from ``text``; ``config`` is not changed."""
    s = setting(name)
    if s.name in READ_ONLY:
        raise ExportPlanError(f"{s.name} is {READ_ONLY[s.name]}; it cannot be set.")
    value = parse_value(s, text)
    rule = _rules().get(s.name)
    if rule is not None:
        value = rule(value)
    new = copy.deepcopy(config)
    new.setdefault(s.section, {})[s.key] = value
    cfg.check_types(new, f"the value of {s.name}")
    return new, value


def show(value: Any) -> str:
    """A value as the user would type it back (lists comma-separated, tables key=value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)
