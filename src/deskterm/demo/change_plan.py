# ruff: noqa: E501  (the RFC table reads best one change per two lines)
"""The demo's change management as a plan: who sits on the CABs, the standard change template,
the maintenance windows and ~25 RFCs, one row each, in every state of the workflow, some of
them colliding (same CI, related CI, double-booked implementer, outside the maintenance window,
inside the blackout).

Data only, so that the desk's story can be read and edited in one table;
:mod:`deskterm.demo.changes` writes it into the database.
"""

from dataclasses import dataclass, field

from deskterm.domain.changes.change import ChangeOutcome, ChangeState, ChangeType, VoteDecision
from deskterm.domain.core.vocabulary import Level

S, OC, T = ChangeState, ChangeOutcome, ChangeType
H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW
CAB_NAME = "Change Advisory Board"
ECAB_NAME = "Emergency CAB"
CAB_MANAGER, ECAB_MANAGER = "gao.yuan", "henrik.larsen"
CAB_MEMBERS = ("yang.fan", "zhao.qiang", "zheng.xue", "wang.fang", "he.min")
ECAB_MEMBERS = ("yang.fan", "zhao.qiang", "he.min")
TZ = "Asia/Shanghai"
TEMPLATE = "monthly-patching"
TEMPLATE_FIELDS = {
    "reason": "Monthly security updates from the vendor.",
    "expected_return": "Servers patched within 30 days of release.",
    "risks": "A server may not come back after the reboot; the backout is tested monthly.",
    "resources": "One engineer, two hours, in the maintenance window.",
    "responsible": "build: Server & Storage; test: Server & Storage; implementation: the implementer",
    "implementation_plan": "Snapshot, install the approved updates, reboot, check the services.",
    "backout_plan": "Revert to the snapshot.",
    "test_plan": "Service checks in monitoring are green for 30 minutes.",
}


@dataclass(frozen=True)
class PlannedRfc:
    """One demo RFC: what it changes, where it stands in the workflow and how it got there."""

    title: str
    type: ChangeType
    state: ChangeState
    cis: tuple[str, ...]
    implementer: str
    raised_by: str
    day: int | None  # planned start: days from today at 22:00 Shanghai (14:00 UTC); None: no window
    hours: int = 2
    risk: tuple[Level, Level, Level] = (M, L, L)  # business risk, financial, scope
    impact: Level = M
    urgency: Level = M
    outcome: ChangeOutcome | None = None
    votes: tuple[tuple[str, VoteDecision], ...] = ()
    reviewed: bool = False
    incomplete: bool = False
    offset_minutes: int = 0
    retrospective: bool = False  # emergency: implemented first, authorised afterwards
    reason: str = ""
    benefit: str = ""
    services: tuple[str, ...] = field(default=())


A, R_, X = VoteDecision.APPROVE, VoteDecision.REJECT, VoteDecision.ABSTAIN
RFCS: list[PlannedRfc] = [
    # draft
    PlannedRfc("Replace core-sw-02 line cards", T.NORMAL, S.DRAFT, ("core-sw-02",), "zhao.qiang", "sun.li", 16,
         risk=(H, M, M), reason="Line cards reach end of support in March.", benefit="Vendor support kept."),
    PlannedRfc("Enable TLS 1.3 on mail-gw-01", T.NORMAL, S.DRAFT, ("mail-gw-01",), "zheng.xue", "olivia.bennett", 12,
         incomplete=True, reason="Audit finding AF-12: old ciphers on the mail gateway."),
    PlannedRfc("Add VLAN for the Beijing lab", T.STANDARD, S.DRAFT, ("core-sw-02",), "sun.li", "sun.li", None,
         risk=(L, L, L), reason="New lab opens next month.", benefit="Lab traffic kept apart."),
    # assessment
    PlannedRfc("Monthly Windows patching of file servers", T.STANDARD, S.ASSESSMENT, ("fs-01", "fs-02"), "wu.gang",
         "daniel.novak", None, risk=(L, L, L), reason="Monthly security updates.", benefit="Patched servers."),
    PlannedRfc("Resize payroll-db-01 data files", T.NORMAL, S.ASSESSMENT, ("payroll-db-01",), "he.min", "lin.feng", 9,
         reason="Data files 85% full before year-end payroll.", benefit="No outage at year end."),
    # authorisation
    PlannedRfc("Upgrade Exchange to CU14", T.NORMAL, S.AUTHORISATION, ("mail-srv-01", "mail-srv-02"), "zheng.xue",
         "olivia.bennett", 5, hours=4, risk=(H, M, M), impact=H,
         votes=(("yang.fan", A), ("zhao.qiang", A)),
         reason="CU14 fixes the calendar sync bug (PRB-2).", benefit="Calendar invites arrive again."),
    PlannedRfc("Firewall rule clean-up on fw-01", T.NORMAL, S.AUTHORISATION, ("fw-01",), "marcus.webb", "zhao.qiang",
         6, risk=(M, L, M), votes=(("yang.fan", A), ("he.min", X)),
         reason="1,200 unused rules slow down changes.", benefit="Faster, safer firewall changes."),
    PlannedRfc("Move HR portal to new load balancer pool", T.NORMAL, S.AUTHORISATION, ("hr-portal", "lb-01"),
         "lucas.moreau", "wang.fang", 8, risk=(M, M, M), votes=(("zheng.xue", R_),),
         reason="Old pool runs on retired appliances.", benefit="HR portal on supported hardware."),
    PlannedRfc("Emergency: replace failed SAN controller B", T.EMERGENCY, S.AUTHORISATION, ("san-01",), "daniel.novak",
         "yang.fan", 0, hours=3, risk=(H, H, H), impact=H, urgency=H, offset_minutes=-600,
         votes=(("zhao.qiang", A),),
         reason="Controller B failed; san-01 runs without redundancy.", benefit="Redundancy restored."),
    # scheduled (some colliding)
    PlannedRfc("Patch mail-srv-01 OS", T.NORMAL, S.SCHEDULED, ("mail-srv-01",), "zheng.xue", "zheng.xue", 5,
         votes=(("yang.fan", A), ("zhao.qiang", A), ("he.min", A)),
         reason="Monthly security updates.", benefit="Patched mail server."),
    PlannedRfc("Firmware update vm-host-01", T.NORMAL, S.SCHEDULED, ("vm-host-01",), "wu.gang", "yang.fan", 5,
         votes=(("zhao.qiang", A), ("zheng.xue", A), ("he.min", A)),
         reason="BIOS fixes for memory errors.", benefit="Fewer host crashes."),
    PlannedRfc("Renew VPN gateway certificates", T.NORMAL, S.SCHEDULED, ("vpn-gw-01", "vpn-gw-02"), "zhao.qiang",
         "sun.li", 11, hours=1, votes=(("yang.fan", A), ("he.min", A), ("wang.fang", A)),
         reason="Certificates expire in three weeks.", benefit="VPN keeps working."),
    PlannedRfc("ERP kernel patch", T.NORMAL, S.SCHEDULED, ("sap-ecc",), "lucas.moreau", "wang.fang", 3, hours=3,
         risk=(H, M, L), votes=(("yang.fan", A), ("zhao.qiang", A), ("he.min", A)),
         reason="SAP security note 3401.", benefit="Closed vulnerability."),
    PlannedRfc("Rebuild sql-cluster-01 indexes", T.NORMAL, S.SCHEDULED, ("sql-cluster-01",), "he.min", "henrik.larsen",
         3, hours=2, votes=(("yang.fan", A), ("zhao.qiang", A), ("wang.fang", A)),
         reason="HR and payroll queries slowed down.", benefit="Reports twice as fast."),
    PlannedRfc("Printer driver roll-out", T.STANDARD, S.SCHEDULED, ("print-srv-01",), "wu.gang", "daniel.novak", 2,
         risk=(L, L, L), reason="New driver fixes duplex jams.", benefit="Fewer printer calls."),
    # implementing
    PlannedRfc("Add disk shelf to backup-01", T.NORMAL, S.IMPLEMENTING, ("backup-01",), "daniel.novak", "wu.gang", 0,
         hours=4, offset_minutes=-480, votes=(("zhao.qiang", A), ("he.min", A), ("zheng.xue", A)),
         reason="Backups need 30% more space.", benefit="Full retention kept."),
    PlannedRfc("Wi-Fi controller upgrade", T.NORMAL, S.IMPLEMENTING, ("wlc-01",), "sun.li", "zhao.qiang", 0,
         hours=3, offset_minutes=-420, votes=(("yang.fan", A), ("he.min", A), ("wang.fang", A)),
         reason="Fixes roaming drops on the Shanghai campus.", benefit="Stable Wi-Fi."),
    # review
    PlannedRfc("CRM database upgrade", T.NORMAL, S.REVIEW, ("crm-db-01",), "he.min", "lin.feng", -2,
         risk=(M, M, L), votes=(("yang.fan", A), ("zhao.qiang", A), ("wang.fang", A)),
         reason="Version 12 goes out of support.", benefit="Supported database."),
    PlannedRfc("Emergency: block phishing domain", T.EMERGENCY, S.REVIEW, ("mail-gw-01",), "zheng.xue", "sofia.rossi",
         -1, hours=1, impact=H, urgency=H, votes=(("yang.fan", A),), retrospective=True,
         reason="Phishing wave against Finance.", benefit="Mails blocked at the gateway."),
    # closed
    PlannedRfc("AD schema update for new laptops", T.NORMAL, S.CLOSED, ("ad-dc-01", "ad-dc-02"), "yang.fan",
         "chen.jing", -12, outcome=OC.SUCCESSFUL, votes=(("zhao.qiang", A), ("he.min", A), ("zheng.xue", A)),
         reviewed=True, reason="Windows 11 build needs schema 88.", benefit="New laptops join the domain."),
    PlannedRfc("Load balancer firmware", T.NORMAL, S.CLOSED, ("lb-01",), "marcus.webb", "zhao.qiang", -9,
         outcome=OC.SUCCESSFUL_WITH_ISSUES, votes=(("yang.fan", A), ("he.min", A), ("wang.fang", A)),
         reviewed=True, reason="Vendor advisory.", benefit="Supported firmware."),
    PlannedRfc("ERP transport of new pricing", T.NORMAL, S.CLOSED, ("sap-ecc", "erp-db-01"), "lin.feng", "huang.lei",
         -7, risk=(H, H, M), outcome=OC.FAILED, votes=(("yang.fan", A), ("zhao.qiang", A), ("he.min", A)),
         reviewed=True, reason="Price list for Q1.", benefit="Correct prices in orders."),
    PlannedRfc("PBX software upgrade", T.NORMAL, S.CLOSED, ("pbx-01",), "sun.li", "zhao.qiang", -5,
         outcome=OC.BACKED_OUT, votes=(("yang.fan", A), ("he.min", A), ("zheng.xue", A)), reviewed=True,
         reason="Fixes dropped transfers.", benefit="Calls transfer reliably."),
    PlannedRfc("Standard: add users to HR portal role", T.STANDARD, S.CLOSED, ("hr-portal",), "lucas.moreau",
         "wang.fang", -3, hours=1, risk=(L, L, L), outcome=OC.SUCCESSFUL, reason="New HR staff.",
         benefit="Access granted."),
    # rejected, cancelled
    PlannedRfc("Turn off SMTP relay for the MFP fleet", T.NORMAL, S.REJECTED, ("mail-gw-01", "mfp-sh-fleet"),
         "zheng.xue", "wu.gang", 4, votes=(("yang.fan", R_), ("zhao.qiang", R_), ("he.min", R_)),
         reason="Relay is a security risk.", benefit="Less spam risk."),
    PlannedRfc("Decommission fax gateway", T.NORMAL, S.CANCELLED, ("fax-gw-01",), "sun.li", "sun.li", 14,
         reason="Nobody uses fax any more.", benefit="One server less."),
]  # fmt: skip

MAINTENANCE = (  # (ci or None, service or None, days, hours)
    (None, "Email", ["sat", "sun"], "22:00-04:00"),
    (None, "ERP", ["sun"], "01:00-06:00"),
    ("san-01", None, ["sat"], "00:00-06:00"),
    ("core-sw-01", None, ["wed"], "22:00-02:00"),
)


def rfc_text(spec: PlannedRfc) -> dict[str, str | None]:
    """The 7 Rs and plans an RFC is raised with (only its reason when it is left incomplete)."""
    if spec.incomplete:
        return {"reason": spec.reason}
    ci = ", ".join(spec.cis)
    return {
        "reason": spec.reason,
        "expected_return": spec.benefit,
        "risks": f"Service on {ci} unavailable if the work overruns; rollback tested.",
        "resources": f"{spec.hours} hours of {spec.implementer}; one colleague on call.",
        "responsible": f"build: {spec.implementer}; test: {spec.raised_by}; implementation: {spec.implementer}",
        "implementation_plan": f"1. Announce. 2. Take a backup of {ci}. 3. Apply. 4. Verify. 5. Announce done.",
        "backout_plan": f"Restore {ci} from the backup taken in step 2; verify the service.",
        "test_plan": "Run the smoke tests of the affected services; check monitoring for 30 minutes.",
    }
