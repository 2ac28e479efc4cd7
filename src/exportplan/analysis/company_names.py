"""Company names: a normalized key, and likely duplicates by fuzzy name and county (issue 9, item 2).

Pure functions, no I/O. Duplicates are only *flagged* for staff to merge; nothing here merges.

- :func:`name_key` folds case and accents, writes "&" as "and", drops punctuation, collapses
  spaces and removes legal suffixes ("Inc", "LLC", "Ltd", "Corp", "Co", "GmbH", "S.A.", ...)
  when they are trailing words (never the first word, so "Company" alone stays "company").
- :func:`likely_duplicates` pairs companies whose keys score at least ``threshold`` (default 90)
  on rapidfuzz's ``token_sort_ratio`` (word order does not matter) and that are in the same
  county, or where either county is blank.
- To stay fast at 100,000 names, only names that share a *blocking word* are compared: each
  name is blocked by its two rarest words in the list (ties alphabetical; the stop words "and",
  "the", "of" only when a name has no other word). Identical keys always meet, and so does a
  pair that differs by a typo in one word (the other's rarest untouched word is shared). Not
  compared: one-word names that differ (e.g. "Acme" and "Acmee"), and names whose rarest words
  all differ. A blocking word shared by more than 256 names (e.g. "manufacturing") is split
  further by the first and by the last three letters of the name's rarest other word, so a pair
  that shares only a common word meets when one end of that word agrees. Pairs whose lengths alone
  rule out the threshold are not scored.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from exportplan.errors import ExportPlanError

#: Legal-form suffixes removed from the end of a name key (as whole trailing words).
LEGAL_SUFFIXES = (
    "inc", "incorporated", "llc", "l l c", "ltd", "limited", "corp", "corporation", "co", "company",
    "gmbh", "sa", "s a", "plc", "lp", "llp", "pllc", "pc",
)
_ONE_WORD_SUFFIXES = frozenset(s for s in LEGAL_SUFFIXES if " " not in s)
_MULTI_WORD_SUFFIXES = tuple(tuple(s.split()) for s in LEGAL_SUFFIXES if " " in s)
#: Words never used to block candidate pairs (too common to tell names apart).
STOP_WORDS = frozenset({"and", "the", "of"})
DEFAULT_THRESHOLD = 90
#: How many of a name's rarest words block it (see the module notes).
BLOCKING_WORDS = 2
_SMALL_BLOCK = 64
_LARGE_BLOCK = 256
COLUMNS = ("key_a", "key_b", "name_a", "name_b", "score", "reason")
MATCH_COLUMNS = ("row", "new_key", "new_name", "key", "stored_name", "score", "reason")

_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4.]")
_NON_WORD = re.compile(r"[\W_]+")


def name_key(name: str | None) -> str:
    """The normalized key of a company name.

    >>> name_key("Acme Tool & Die, Inc."), name_key("ACME TOOL AND DIE")
    ('acme tool and die', 'acme tool and die')
    >>> name_key("Société Générale S.A."), name_key("O'Brien Bros. L.L.C."), name_key("Company")
    ('societe generale', 'obrien bros', 'company')
    """
    if name is None or name != name:  # None or NaN
        return ""
    text = str(name)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    text = text.replace("&", " and ")
    text = _APOSTROPHES.sub("", text)  # "O'Brien" -> "obrien", "L.L.C." -> "llc"
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(_strip_suffixes(words))


def _strip_suffixes(words: list[str]) -> list[str]:
    """Remove trailing legal suffixes, repeatedly ("Co., Ltd."), never the first word."""
    while len(words) > 1:
        if words[-1] in _ONE_WORD_SUFFIXES:
            words = words[:-1]
            continue
        multi = next((n for n in _MULTI_WORD_SUFFIXES if len(words) > len(n) and tuple(words[-len(n):]) == n), None)
        if multi is None:
            break
        words = words[:-len(multi)]
    return words


def _sorted_key(key: str) -> str:
    return " ".join(sorted(key.split()))


def _blocking_words(keys: Sequence[str], n: int | None = BLOCKING_WORDS) -> list[list[str]]:
    """Each key's ``n`` rarest words in ``keys`` (ties alphabetical; stop words only if nothing else)."""
    words = [sorted(set(k.split()) - STOP_WORDS) or sorted(set(k.split())) for k in keys]
    freq: dict[str, int] = {}
    for ws in words:
        for w in ws:
            freq[w] = freq.get(w, 0) + 1
    return [sorted(ws, key=lambda w: (freq[w], w))[:n] for ws in words]


def _prepared(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """key, name, county (blank-filled text), nk (name key), sk (sorted key) of a company frame."""
    missing = [c for c in ("key", "name") if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"{what} needs the columns key, name and county_fips; missing: {', '.join(missing)}.")
    keys = frame["key"].astype("string").fillna("").str.strip()
    dup = keys[keys.duplicated() & (keys != "")]
    if len(dup):
        raise ExportPlanError(f"{what}: keys must be unique; repeated: {', '.join(sorted(set(dup))[:10])}.")
    county = frame["county_fips"] if "county_fips" in frame.columns else pd.Series("", index=frame.index)
    out = pd.DataFrame({
        "key": keys.to_numpy(dtype=object),
        "name": frame["name"].astype("string").fillna("").to_numpy(dtype=object),
        "county": county.astype("string").fillna("").str.strip().to_numpy(dtype=object),
    }, dtype=object)
    given = frame["name_key"].astype("string").to_numpy(dtype=object) if "name_key" in frame.columns else None
    out["nk"] = [name_key(n) if given is None or given[i] is pd.NA else given[i]
                 for i, n in enumerate(out["name"])]
    out["sk"] = [_sorted_key(k) for k in out["nk"]]
    return out


def _split_large_blocks(blocking: list[list[str]], rows: list[int], words: list[str]) -> tuple[list[int], list[str]]:
    """Split each block of more than ``_LARGE_BLOCK`` names by the first and by the last three
    letters of the name's rarest other word (one edit never changes both unless it is short)."""
    size: dict[str, int] = {}
    for w in words:
        size[w] = size.get(w, 0) + 1
    out_rows, out_words = [], []
    for i, w in zip(rows, words):
        if size[w] <= _LARGE_BLOCK:
            out_rows.append(i)
            out_words.append(w)
            continue
        others = [x for x in blocking[i] if x != w] or [""]
        out_rows += [i, i]
        out_words += [f"{w}\0<{others[0][:3]}", f"{w}\0>{others[0][-3:]}"]
    return out_rows, out_words


def _candidate_pairs(sk: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (a < b) of rows that share a blocking word; each pair once."""
    rows, words = [], []
    blocking = _blocking_words(sk, n=None)
    for i, ws in enumerate(blocking):
        rows += [i] * len(ws[:BLOCKING_WORDS])
        words += ws[:BLOCKING_WORDS]
    rows, words = _split_large_blocks(blocking, rows, words)
    empty = np.empty(0, dtype=np.int64)
    if not rows:
        return empty, empty
    codes, _ = pd.factorize(pd.Series(words, dtype=object), sort=True)
    order = np.lexsort((np.asarray(rows), codes))
    row, group = np.asarray(rows, dtype=np.int64)[order], codes[order]
    parts_a, parts_b = [], []
    for k in range(1, _SMALL_BLOCK):  # pairs k apart inside a block, vectorized
        same = group[k:] == group[:-k]
        if not same.any():
            break
        parts_a.append(row[:-k][same])
        parts_b.append(row[k:][same])
    sizes = np.bincount(group)
    for g in np.flatnonzero(sizes > _SMALL_BLOCK):  # the rest of the few large blocks
        idx = row[group == g]
        a, b = np.triu_indices(len(idx), _SMALL_BLOCK)
        parts_a.append(idx[a])
        parts_b.append(idx[b])
    if not parts_a:
        return empty, empty
    n = len(sk)
    code = np.sort(np.concatenate(parts_a) * n + np.concatenate(parts_b))
    code = code[np.r_[True, code[1:] != code[:-1]]]  # each pair once (np.unique is slower here)
    return code // n, code % n


def _pair_scores(left: Sequence[str], right: Sequence[str], threshold: float) -> np.ndarray:
    """Indel ratio (0-100) of each pair of sorted keys; 0 below the threshold."""
    if not len(left):
        return np.empty(0, dtype=float)
    if hasattr(process, "cpdist"):  # rapidfuzz >= 3.6
        return np.asarray(process.cpdist(list(left), list(right), scorer=fuzz.ratio,
                                         score_cutoff=threshold, dtype=np.float64), dtype=float)
    return np.array([fuzz.ratio(a, b, score_cutoff=threshold) for a, b in zip(left, right)], dtype=float)


def _county_ok(county: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Same county, or either blank (compared as integer codes; blank is code -1)."""
    codes, _ = pd.factorize(pd.Series(county, dtype=object).replace("", None))
    ca, cb = codes[a], codes[b]
    return (ca == cb) | (ca < 0) | (cb < 0)


def _reasons(col: dict, a, b, scores) -> list[str]:
    """The reason of each pair (a[k], b[k]) of the name columns ``col``."""
    return [_reason(col["nk"][i], col["nk"][j], s, col["county"][i], col["county"][j]) for i, j, s in zip(a, b, scores)]


def _reason(nk_a: str, nk_b: str, score: float, county_a: str, county_b: str) -> str:
    if nk_a == nk_b:
        what = f"same name once case, punctuation and legal suffixes are removed ('{nk_a}')"
    else:
        what = f"names {score:.0f}% alike ('{nk_a}' ~ '{nk_b}', word order ignored)"
    if county_a and county_a == county_b:
        where = f"same county {county_a}"
    else:
        where = "county blank for " + ("both" if not (county_a or county_b) else "one of them")
    return f"{what}; {where}"


def _scored(p: pd.DataFrame, a: np.ndarray, b: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """Keep the candidate pairs (a, b) with a county match and a score >= threshold."""
    keep = _county_ok(p["county"].to_numpy(dtype=object), a, b)
    a, b = a[keep], b[keep]
    sk = p["sk"].to_numpy(dtype=object)
    length = np.fromiter((len(k) for k in sk), dtype=np.int64, count=len(sk))
    la, lb = length[a], length[b]
    keep = np.abs(la - lb) * 100 <= (100 - threshold) * (la + lb) + 1e-9  # else the ratio < threshold
    a, b = a[keep], b[keep]
    scores = _pair_scores(sk[a], sk[b], threshold)
    keep = scores >= threshold
    return a[keep], b[keep], np.round(scores[keep], 1)


def likely_duplicates(frame: pd.DataFrame, *, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Pairs of companies that are probably the same: key_a, key_b, name_a, name_b, score, reason.

    ``frame`` has the columns key, name and county_fips (blank allowed); a name_key column, when
    present (the store keeps one), is used instead of recomputing :func:`name_key`. Each pair is listed once
    with key_a < key_b, sorted by score (highest first), then key_a, key_b. Names whose key is
    empty (e.g. only punctuation) are never paired.
    """
    p = _prepared(frame, "likely_duplicates")
    p = p[p["nk"] != ""].reset_index(drop=True)
    a, b = _candidate_pairs(p["sk"].tolist())
    a, b, scores = _scored(p, a, b, threshold)
    ka, kb = p["key"].to_numpy(dtype=object)[a], p["key"].to_numpy(dtype=object)[b]
    swap = ka > kb
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    return _pair_frame(p, a, b, scores)


def _pair_frame(p: pd.DataFrame, a: np.ndarray, b: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    col = {c: p[c].to_numpy(dtype=object) for c in ("key", "name", "nk", "county")}
    out = pd.DataFrame({
        "key_a": col["key"][a], "key_b": col["key"][b], "name_a": col["name"][a], "name_b": col["name"][b],
        "score": scores.astype(float),
        "reason": _reasons(col, a, b, scores),
    }, columns=list(COLUMNS))
    out = out.sort_values(["score", "key_a", "key_b"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True).astype({"key_a": "string", "key_b": "string", "name_a": "string",
                                              "name_b": "string", "reason": "string"})


def match_existing(new_names: pd.DataFrame | Sequence[str], stored_frame: pd.DataFrame, *,
                   threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Import rows that look like stored companies: row, new_key, new_name, key, stored_name, score, reason.

    ``new_names`` is a frame with name (and optionally key and county_fips) or a list of names
    (county blank). ``row`` is the 0-based position in ``new_names``. A row whose key equals the
    stored company's key is the same company (an update), not a duplicate, and is not listed.
    Sorted by row, then score (highest first), then the stored key.
    """
    new = _new_frame(new_names)
    stored = _prepared(stored_frame, "match_existing (stored companies)")
    both = pd.concat([new.assign(side=0), stored.assign(side=1)], ignore_index=True)
    a, b = _candidate_pairs(both["sk"].tolist())
    side = both["side"].to_numpy()
    cross = side[a] != side[b]
    a, b = a[cross], b[cross]
    a, b = np.where(side[a] == 0, a, b), np.where(side[a] == 0, b, a)  # a: new row, b: stored
    keys = both["key"].to_numpy(dtype=object)
    ok = (both["nk"].to_numpy(dtype=object)[a] != "") & ((keys[a] == "") | (keys[a] != keys[b]))
    a, b, scores = _scored(both, a[ok], b[ok], threshold)
    return _match_frame(both, a, b, scores)


def _new_frame(new_names: pd.DataFrame | Sequence[str]) -> pd.DataFrame:
    if isinstance(new_names, pd.DataFrame):
        frame = new_names.copy()
        if "key" not in frame.columns:
            frame["key"] = ""
    else:
        frame = pd.DataFrame({"key": "", "name": list(new_names)}, dtype=object)
    if "name" not in frame.columns:
        raise ExportPlanError("match_existing needs the new names (a list, or a frame with a name column).")
    keys = frame["key"].astype("string").fillna("")
    frame["key"] = keys.where(keys.str.strip() != "", "")  # blank keys may repeat here
    p = _prepared(frame.assign(key=[f"\0{i}" for i in range(len(frame))]), "match_existing")
    p["key"] = frame["key"].to_numpy(dtype=object)
    return p


def _match_frame(both: pd.DataFrame, a: np.ndarray, b: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    col = {c: both[c].to_numpy(dtype=object) for c in ("key", "name", "nk", "county")}
    out = pd.DataFrame({
        "row": a.astype("int64"), "new_key": col["key"][a], "new_name": col["name"][a],
        "key": col["key"][b], "stored_name": col["name"][b], "score": scores.astype(float),
        "reason": _reasons(col, a, b, scores),
    }, columns=list(MATCH_COLUMNS))
    out = out.sort_values(["row", "score", "key"], ascending=[True, False, True], kind="stable")
    return out.reset_index(drop=True).astype({"new_key": "string", "new_name": "string", "key": "string",
                                              "stored_name": "string", "reason": "string"})


__all__ = ["COLUMNS", "DEFAULT_THRESHOLD", "LEGAL_SUFFIXES", "MATCH_COLUMNS", "STOP_WORDS",
           "likely_duplicates", "match_existing", "name_key"]
