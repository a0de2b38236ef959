"""Screens and dialogs of tickets: incidents and service requests, the queue, escalation."""
