"""Use cases of tickets: incidents and service requests, the queue, escalation."""
