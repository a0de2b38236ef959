"""Use cases of event management: monitoring events, their rules and correlation to incidents."""
