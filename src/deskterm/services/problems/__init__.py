"""Use cases of problem management and the known error database (KEDB)."""
