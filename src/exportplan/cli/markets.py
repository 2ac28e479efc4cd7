"""Commands for target country markets (import/fetch country data, rank markets)."""
