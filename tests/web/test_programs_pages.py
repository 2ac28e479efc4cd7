"""The program inventory's pages: the list and its filters, a program, the gaps with the heat map, the
duplications and the organization's role; who may open them."""
from __future__ import annotations

import re

import pytest

from .conftest import sign_in


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_the_inventory_lists_the_programs_and_filters_them(client, web_workspace, role):
    sign_in(client, role)
    every = web_workspace.programs.programs()
    page = client.get("/programs")
    assert page.status_code == 200, page.text
    assert f"{len(every)} of {len(every)} programs" in page.text
    for program_id in every["program_id"]:
        assert f'href="/programs/{program_id}"' in page.text
    state = web_workspace.programs.programs(level="state")
    page = client.get("/programs", params={"level": "state"})
    assert f"{len(state)} of {len(every)} programs" in page.text
    shown = set(re.findall(r'href="/programs/([^"/?]+)"', page.text)) - {"gaps", "duplications", "role"}
    assert shown == set(state["program_id"])
    assert '<option value="state" selected>' in page.text


def test_a_programs_page_shows_its_facts_and_an_unknown_one_is_404(client, web_workspace):
    sign_in(client, "viewer")
    row = web_workspace.programs.programs().iloc[0]
    page = client.get(f"/programs/{row['program_id']}")
    assert page.status_code == 200
    assert str(row["provider_name"]).replace("'", "&#39;") in page.text
    assert client.get("/programs/no-such-program").status_code == 404


def test_the_gaps_show_the_heat_map_and_the_gap_cells_once_worked_out(client, app, web_workspace):
    sign_in(client, "staff")
    first = client.get("/programs/gaps")
    assert first.status_code == 200
    app.state.cache.wait(180)
    assert not app.state.cache.error("programs.gaps")
    page = client.get("/programs/gaps", params={"by": "sector"})
    assert page.status_code == 200
    assert '<img class="chart" src="data:image/svg+xml;base64,' in page.text
    assert "Demand and gaps by sector and service" in page.text
    n_gaps = int(web_workspace.programs.gaps()["gap"].sum())
    assert f"{n_gaps} gap(s) among" in page.text
    role = client.get("/programs/role")
    assert role.status_code == 200
    assert web_workspace.programs.role().role in role.text


def test_the_duplications_page_lists_each_finding(client, web_workspace):
    sign_in(client, "viewer")
    frame = web_workspace.programs.duplications()
    page = client.get("/programs/duplications")
    assert page.status_code == 200
    for name in frame["program"]:
        assert str(name).replace("'", "&#39;") in page.text


@pytest.mark.parametrize("role", ["partner", "judge"])
def test_partners_and_judges_cannot_open_the_inventory(client, role):
    sign_in(client, role)
    for path in ("/programs", "/programs/gaps", "/programs/duplications", "/programs/role", "/programs/x"):
        assert client.get(path).status_code == 403, path
