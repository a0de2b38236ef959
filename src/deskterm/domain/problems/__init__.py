"""Domain rules of problem management and the known error database (KEDB)."""
