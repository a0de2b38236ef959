"""People on screen: the team admin screen (agents and groups) and the unknown-account screen."""
