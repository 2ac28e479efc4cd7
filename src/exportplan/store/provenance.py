"""The provenance records: where every stored row comes from (file or URL, vintage, checksum)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select, update

from . import schema as t
from .db import Store


def records(store: Store, kind: str | None = None) -> pd.DataFrame:
    """Every provenance record (of one kind when given)."""
    return store.table(t.provenance, **({"kind": kind} if kind else {}))


def relabel(store: Store, relabel_one) -> int:
    """Rewrite records' publisher and dataset with ``relabel_one(publisher, dataset)`` (a dict of fields, or
    None to keep the record); returns how many changed. One transaction."""
    changed = 0
    with store.transaction() as conn:
        found = conn.execute(select(t.provenance.c.id, t.provenance.c.publisher, t.provenance.c.dataset)).all()
        for rid, publisher, dataset in found:
            fields = relabel_one(publisher or "", dataset or "")
            if fields is None:
                continue
            conn.execute(update(t.provenance).where(t.provenance.c.id == rid).values(**fields))
            changed += 1
    return changed
