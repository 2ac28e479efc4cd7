"""Great-circle distances, the region's weighted centre and US contiguity."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exportplan.analysis.geo import (
    EARTH_RADIUS_KM, contiguous_with_us, distances_from, great_circle_km, region_centre,
)
from exportplan.errors import ExportPlanError

LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
NEW_YORK = (40.7128, -74.0060)
LOS_ANGELES = (34.0522, -118.2437)


def test_known_distances():
    assert great_circle_km(*LONDON, *PARIS) == pytest.approx(344, abs=1)
    # New York - Los Angeles is about 3,936 km along the great circle.
    assert great_circle_km(*NEW_YORK, *LOS_ANGELES) == pytest.approx(3936, rel=0.003)
    # A quarter of the equator and pole to pole.
    assert great_circle_km(0, 0, 0, 90) == pytest.approx(np.pi * EARTH_RADIUS_KM / 2)
    assert great_circle_km(90, 0, -90, 0) == pytest.approx(np.pi * EARTH_RADIUS_KM)


def test_vectorised_and_across_the_date_line():
    out = great_circle_km(0.0, 179.5, np.array([0.0, 0.0]), np.array([-179.5, 179.5]))
    assert out.shape == (2,)
    assert out[0] == pytest.approx(great_circle_km(0, 0, 0, 1)) and out[1] == 0


@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180))
def test_distance_is_symmetric_and_bounded(lat1, lon1, lat2, lon2):
    d = great_circle_km(lat1, lon1, lat2, lon2)
    assert d == pytest.approx(great_circle_km(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= d <= np.pi * EARTH_RADIUS_KM + 1e-6


def test_centre_of_two_equal_points_is_the_point():
    frame = pd.DataFrame({"lat": [39.96, 39.96], "lon": [-82.99, -82.99], "employment": [5, 7]})
    assert region_centre(frame) == pytest.approx((39.96, -82.99))


def test_centre_is_pulled_towards_the_heavier_place():
    frame = pd.DataFrame({"lat": [40.0, 40.0], "lon": [-84.0, -82.0], "employment": [1, 3]})
    lat, lon = region_centre(frame)
    assert -83.0 < lon < -82.0 and lat > 40.0  # on the great circle, north of the parallel
    across = pd.DataFrame({"lat": [0.0, 0.0], "lon": [179.0, -179.0], "employment": [1, 1]})
    assert abs(region_centre(across)[1]) == pytest.approx(180.0)


def test_centre_rejects_bad_weights():
    with pytest.raises(ExportPlanError, match="not all zero"):
        region_centre(pd.DataFrame({"lat": [1.0], "lon": [1.0], "employment": [0]}))
    with pytest.raises(ExportPlanError, match="needs the column"):
        region_centre(pd.DataFrame({"lat": [1.0], "lon": [1.0]}))


def test_distances_from_sorts_nearest_first():
    points = pd.DataFrame({"iso3": ["FRA", "USA", "XXX"], "lat": [PARIS[0], NEW_YORK[0], None],
                           "lon": [PARIS[1], NEW_YORK[1], None]})
    out = distances_from(LONDON, points.astype({"lat": "Float64", "lon": "Float64"}))
    assert out["iso3"].tolist() == ["FRA", "USA", "XXX"]
    assert out["distance_km"].iloc[0] == pytest.approx(344, abs=1)
    assert out["distance_km"].isna().tolist() == [False, False, True]
    with pytest.raises(ExportPlanError, match="not a latitude/longitude"):
        distances_from((200.0, 0.0), points)


def test_contiguity_fallback_and_table():
    assert contiguous_with_us("can") and contiguous_with_us("MEX")
    assert not contiguous_with_us("CUB")
    table = pd.DataFrame({"iso_o": ["USA", "USA", "CAN"], "iso_d": ["CAN", "CUB", "USA"],
                          "contig": [1, 0, 1]})
    assert contiguous_with_us("CAN", table) and not contiguous_with_us("MEX", table)
