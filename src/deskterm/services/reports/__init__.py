"""Use cases of the service desk's reports (KPIs) and customer satisfaction."""
