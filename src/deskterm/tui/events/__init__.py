"""Screens and dialogs of event management: monitoring events, their rules and correlation to incidents."""
