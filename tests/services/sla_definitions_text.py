"""The SLA definitions the service tests apply."""

# Tuesday 2026-11-24 09:30 UTC is 17:30 in Shanghai: half an hour before the office closes.
# Thursday 2026-11-26 is a holiday of the office calendar.
DEFINITIONS = """
[[calendar]]
name = "Shanghai office"
timezone = "Asia/Shanghai"
holidays = ["2026-10-01", "2026-11-26"]

[calendar.hours]
mon = ["09:00-12:00", "13:00-18:00"]
tue = ["09:00-12:00", "13:00-18:00"]
wed = ["09:00-12:00", "13:00-18:00"]
thu = ["09:00-12:00", "13:00-18:00"]
fri = ["09:00-12:00", "13:00-18:00"]

[[agreement]]
name = "Email SLA"
kind = "SLA"
services = ["Email"]
calendar = "Shanghai office"
warn_at = 0.75
pause_on = ["customer", "supplier"]

[agreement.targets]
P1 = { response = "15m", resolution = "4h" }
P2 = { response = "30m", resolution = "8h" }
P3 = { response = "2h", resolution = "27h" }

[[agreement]]
name = "Network OLA"
kind = "OLA"
groups = ["Network"]
warn_at = 0.8
pause_on = ["supplier"]

[agreement.targets]
P2 = { response = "30m", resolution = "6h" }
P3 = { response = "1h", resolution = "24h" }

[[escalation]]
at = "warn"
action = "notify"
notify = "group-lead"

[[escalation]]
at = "breach"
agreement = "Email SLA"
priority = "P1"
action = "reassign"
group = "Network"
"""
