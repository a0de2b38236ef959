"""Use cases of service level management: calendars, agreements, clocks, the monitor and reports."""
