"""Use cases of people: agents, support groups and callers."""
