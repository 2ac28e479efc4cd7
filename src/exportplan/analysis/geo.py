"""Distances between the region and its candidate markets (pure functions).

Distances are great-circle distances on a sphere of radius
:data:`EARTH_RADIUS_KM` = 6371.0088 km, the mean Earth radius (IUGG), by the
haversine formula; the error against the ellipsoid is under about 0.5 %,
far below what matters for ranking markets. The region's point is its
employment-weighted centre (:func:`region_centre`) or a point the user gives.
Country points come from CEPII's geo file (capital or main city; see
:func:`exportplan.sources.cepii.points`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from exportplan.errors import ExportPlanError

#: Mean Earth radius in km (IUGG R1 = (2a + b) / 3).
EARTH_RADIUS_KM = 6371.0088

#: Countries sharing a land border with the United States (used when no
#: CEPII distance table is at hand).
US_NEIGHBOURS = frozenset({"CAN", "MEX"})


def great_circle_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points in decimal degrees (haversine).

    Accepts scalars or arrays (broadcast like numpy); returns a float or an array.

    >>> round(float(great_circle_km(51.5074, -0.1278, 48.8566, 2.3522)))
    344
    """
    phi1, lam1, phi2, lam2 = (np.radians(np.asarray(v, dtype=float))
                              for v in (lat1, lon1, lat2, lon2))
    h = (np.sin((phi2 - phi1) / 2) ** 2
         + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2)
    # clip: rounding can push h a hair above 1 for antipodal points
    distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(distance) if distance.ndim == 0 else distance


def region_centre(counties: pd.DataFrame, weight: str = "employment") -> tuple[float, float]:
    """Weighted centre (lat, lon) of the region's places, e.g. counties weighted by employment.

    Averaging latitudes and longitudes directly goes wrong near the date line
    and distorts at high latitudes, so each point becomes a 3-D unit vector,
    the vectors are averaged with the weights, and the mean vector is turned
    back into latitude and longitude. Needs columns lat, lon and ``weight``
    (non-negative, not all zero).

    >>> region_centre(pd.DataFrame({"lat": [40.0, 40.0], "lon": [-83.0, -83.0],
    ...                             "employment": [1, 3]}))
    (40.0, -83.0)
    """
    missing = [c for c in ("lat", "lon", weight) if c not in counties.columns]
    if missing:
        raise ExportPlanError(f"region_centre needs the column(s) {', '.join(missing)}.")
    lat = np.radians(counties["lat"].to_numpy(dtype=float, na_value=np.nan))
    lon = np.radians(counties["lon"].to_numpy(dtype=float, na_value=np.nan))
    w = counties[weight].to_numpy(dtype=float, na_value=np.nan)
    if len(w) == 0 or np.isnan(w).any() or np.isnan(lat).any() or np.isnan(lon).any() \
            or (w < 0).any() or w.sum() <= 0:
        raise ExportPlanError(
            "region_centre needs at least one place, coordinates for every place and "
            f"non-negative '{weight}' weights that are not all zero.")
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    x, y, z = (w[:, None] * xyz).sum(axis=0) / w.sum()
    if np.hypot(np.hypot(x, y), z) < 1e-9:
        raise ExportPlanError("The places are spread evenly around the globe; "
                              "give the region's point yourself.")
    centre_lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    centre_lon = np.degrees(np.arctan2(y, x))
    # Rounded to 1e-9 degrees (under a millimetre) so that float noise does not show.
    return round(float(centre_lat), 9), round(float(centre_lon), 9)


def distances_from(point: tuple[float, float], countries: pd.DataFrame) -> pd.DataFrame:
    """Distance in km from ``point`` (lat, lon) to each country's point.

    ``countries`` has columns iso3, lat, lon (e.g. from
    :func:`exportplan.sources.cepii.points`). Returns iso3, distance_km,
    sorted nearest first; countries without coordinates get an empty distance.
    """
    lat, lon = point
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ExportPlanError(f"The point ({lat}, {lon}) is not a latitude/longitude in degrees.")
    km = great_circle_km(lat, lon, countries["lat"].to_numpy(dtype=float, na_value=np.nan),
                         countries["lon"].to_numpy(dtype=float, na_value=np.nan))
    out = pd.DataFrame({"iso3": countries["iso3"].astype("string").to_numpy(),
                        "distance_km": pd.array(km, dtype="Float64")})
    return out.sort_values(["distance_km", "iso3"], ignore_index=True, na_position="last", kind="stable")


def us_neighbours(dist: pd.DataFrame | None = None) -> frozenset[str]:
    """ISO3 codes contiguous with the USA: from CEPII ``dist`` (contig = 1), else CAN, MEX."""
    if dist is None:
        return US_NEIGHBOURS
    rows = dist[(dist["iso_o"] == "USA") & (dist["contig"] == 1)]
    return frozenset(rows["iso_d"].dropna().astype(str))


def contiguous_with_us(iso3: str, dist: pd.DataFrame | None = None) -> bool:
    """True if the country shares a land border with the United States.

    Uses CEPII's contiguity flag when its distance table is given
    (:func:`exportplan.sources.cepii.read_dist`), else the built-in CAN, MEX.
    """
    return str(iso3).upper() in us_neighbours(dist)
