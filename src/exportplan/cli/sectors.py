"""Commands for target sectors (rank sectors)."""
