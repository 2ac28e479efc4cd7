"""Names and codes shared by the analysis and the source readers (pure, standard library only).

They live here, not in :mod:`exportplan.sources`, because ``analysis/`` never imports the
sources (the source readers import them from here).
"""

from __future__ import annotations

import re

#: U.S. territories (ISO3 -> name). ISO 3166 gives them country codes, and the World Bank,
#: IMF and Census list them beside countries, but they are part of the United States, not
#: foreign markets: the market ranking leaves them out (and says so).
US_TERRITORIES: dict[str, str] = {
    "ASM": "American Samoa", "GUM": "Guam", "MNP": "Northern Mariana Islands",
    "PRI": "Puerto Rico", "UMI": "U.S. Minor Outlying Islands", "VIR": "U.S. Virgin Islands",
}


def name_key(name: str | None) -> str:
    """Case-, space- and ampersand-insensitive key of a cluster name."""
    text = (name or "").lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "", text)


__all__ = ["US_TERRITORIES", "name_key"]
