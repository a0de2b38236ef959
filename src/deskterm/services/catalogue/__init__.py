"""Use cases of the service catalogue and the CMS (services, CIs and their relationships)."""
