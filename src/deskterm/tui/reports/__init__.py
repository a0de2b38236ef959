"""Screens and dialogs of the service desk's reports (KPIs) and customer satisfaction."""
