"""Shared service plumbing: the desk and its unit of work, errors, inputs, views, identity, lookups."""
