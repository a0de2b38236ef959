"""Screens and dialogs of problem management and the known error database (KEDB)."""
