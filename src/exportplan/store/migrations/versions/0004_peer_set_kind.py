"""What each peer set is: the kind of its regions and its years (release 0.4).

- ``peer_sets``: one row per peer set (name, region kind, years, how it was
  made, and any mismatch with the region that the user accepted), so that
  strong-cluster flags compare a region only with regions of its kind and
  year, as US Cluster Mapping does. Peer sets of older workspaces get their
  row from their stored rows (kind from ``region_type``, years from
  ``year``); they were never checked against the region, and the cluster
  table labels their flags when they do not match.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# USCMP region_type_t values -> kinds (exportplan.analysis.peers.normalize_kind; copied so that the
# migration does not change when the package does).
KINDS = {"msa": "msa", "metro": "msa", "state": "state", "county": "county", "economic": "economic_area",
         "economic area": "economic_area", "economic_area": "economic_area", "country": "country"}


def upgrade() -> None:
    op.create_table(
        "peer_sets",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("region_kind", sa.String(40), nullable=False),
        sa.Column("years", sa.Text, nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("mismatch", sa.Text, nullable=False),
        sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=False),
    )
    peers = sa.table("peer_clusters", sa.column("peer_set", sa.String), sa.column("region_type", sa.String),
                     sa.column("year", sa.Integer), sa.column("provenance_id", sa.Integer))
    sets = sa.table("peer_sets", sa.column("name", sa.String), sa.column("region_kind", sa.String),
                    sa.column("years", sa.Text), sa.column("method", sa.String), sa.column("mismatch", sa.Text),
                    sa.column("provenance_id", sa.Integer))
    bind = op.get_bind()
    found: dict[str, dict] = {}
    query = sa.select(peers.c.peer_set, peers.c.region_type, peers.c.year,
                      sa.func.max(peers.c.provenance_id)).group_by(peers.c.peer_set, peers.c.region_type, peers.c.year)
    for name, region_type, year, pid in bind.execute(query):
        entry = found.setdefault(name, {"kinds": set(), "years": set(), "pid": pid})
        kind = (region_type or "").strip().lower()
        if kind:
            entry["kinds"].add(KINDS.get(kind, kind.replace(" ", "_")))
        entry["years"].add(int(year))
        entry["pid"] = max(entry["pid"], pid)
    rows = [{"name": name, "region_kind": (e["kinds"].pop() if len(e["kinds"]) == 1 else
                                           "mixed" if e["kinds"] else ""),
             "years": ",".join(map(str, sorted(e["years"]))), "method": "file", "mismatch": "",
             "provenance_id": e["pid"]} for name, e in sorted(found.items())]
    if rows:
        op.bulk_insert(sets, rows)


def downgrade() -> None:
    op.drop_table("peer_sets")
