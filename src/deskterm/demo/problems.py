"""Demo problems and known errors on top of a demo desk: only adds rows, never changes a ticket.

Twelve problems, in every state of the lifecycle, each linked to existing incidents of its
service whose titles fit it (the incidents themselves are left exactly as they are: the queue
looks the same with or without this), and twenty known errors in English and Chinese, most
from those problems, some recorded on their own (a vendor's bulletin, a lesson from a
past outage). The same seed on the same desk gives the same rows.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskterm.domain.core.refs import RefKind
from deskterm.domain.core.vocabulary import Level, TicketKind
from deskterm.domain.problems.kedb import keyword_list
from deskterm.domain.problems.problem import KnownErrorStatus, ProblemStatus
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.problems import problem_records
from deskterm.services.problems.kedb_index import forget_index
from deskterm.store.models import (
    AuditEntry,
    ConfigurationItem,
    KnownError,
    Problem,
    ProblemIncident,
    Service,
    Ticket,
)

P = ProblemStatus
H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW


@dataclass(frozen=True)
class _Prb:
    title: str
    service: str
    ci: str | None
    impact: Level
    urgency: Level
    status: ProblemStatus
    match: tuple[str, ...]  # words in the titles of incidents this problem caused
    root_cause: str | None = None
    workaround: str | None = None
    resolution: str | None = None
    fixing_change: str | None = None
    description: str = ""
    symptom: str | None = None  # a known error is recorded from the problem when given
    keywords: str = ""


PROBLEMS: list[_Prb] = [
    _Prb("Outlook loses its connection to Exchange after the November update", "Email", "mail-srv-01", H, H,
         P.KNOWN_ERROR, ("outlook", "无法连接", "password"),
         root_cause="The November Office update turns off MAPI over HTTP fallback; clients on the old "
         "profile loop between connecting and disconnected.",
         workaround="Open Outlook on the web (https://mail.example.com) or recreate the Outlook profile.",
         description="Since the update wave of 11-03 the desk sees Outlook 'Disconnected' calls "
         "every morning.",
         symptom="Outlook shows Disconnected or keeps asking for the password; mail stays in the outbox. "
         "Outlook 无法连接服务器，反复要求输入密码。",
         keywords="0x800CCC0E, MAPI, Disconnected, 断开"),
    _Prb("Mail to external domains queues on mail-gw-01", "Email", "mail-gw-01", H, M, P.INVESTIGATING,
         ("external", "发送失败"),
         description="Outbound mail to some domains waits 30-90 minutes; the gateway's TLS retries "
         "look suspect."),
    _Prb("VPN sessions drop every 60 minutes on vpn-gw-02", "VPN", "vpn-gw-02", M, H, P.KNOWN_ERROR,
         ("disconnects", "连接失败", "hotel"),
         root_cause="vpn-gw-02 runs the old idle-timeout profile (3600 s) after the failover in October.",
         workaround="Choose the 'Shanghai-01' profile in AnyConnect, which lands on vpn-gw-01.",
         symptom="AnyConnect disconnects about every hour; reconnecting works at once. VPN 每小时自动断开。",
         keywords="AnyConnect, timeout, 断线"),
    _Prb("ERP month-end slowness", "ERP", "erp-db-01", H, M, P.RESOLVED, ("slow", "times out", "报错"),
         root_cause="Statistics on the general ledger tables went stale after the archive run; the optimiser "
         "chose full scans at month end.",
         workaround="Run heavy reports after 18:00 while the statistics job is pending.",
         resolution="Statistics job scheduled nightly and after every archive run (CHG-4).",
         fixing_change="CHG-4",
         symptom="ERP screens take minutes at month end and reports time out. ERP 月末非常慢，报表超时。",
         keywords="month end, 月末, timeout"),
    _Prb("Purchase orders stuck in approval after the role change", "ERP", "sap-ecc", M, M, P.NEW,
         ("purchase", "采购"),
         description="Several POs since Monday wait for an approver who no longer has the role."),
    _Prb("Print jobs stuck in the queue on print-srv-01", "Printing", "print-srv-01", M, M, P.KNOWN_ERROR,
         ("queue", "无法打印", "offline"),
         root_cause="The spooler crashes on the vendor's v4 driver when a job carries a watermark.",
         workaround="Restart the Print Spooler service on print-srv-01, then resend the job "
         "without watermark.",
         symptom="Print jobs stay 'queued' and printers show offline. 打印任务一直排队，打印机显示脱机。",
         keywords="spooler, v4 driver, 打印队列"),
    _Prb("Scan to email fails from the MFP fleet", "Printing", "mfp-sh-fleet", L, M, P.CLOSED,
         ("scan", "扫描"),
         root_cause="The MFPs relay through mail-gw-01 with TLS 1.0, turned off on the gateway.",
         resolution="Closed: a duplicate of the firmware change already planned by the vendor.",
         description="Scans never arrive; the MFP shows 'send error 1102'."),
    _Prb("Wi-Fi drops in the meeting rooms of the Shanghai campus", "Wi-Fi", "ap-sh-campus", M, H,
         P.INVESTIGATING, ("wi-fi", "无线", "dropping")),
    _Prb("Shared drive S: unreachable after sign-in", "File Share", "fs-01", M, M, P.RESOLVED,
         ("shared drive", "共享", "access denied"),
         root_cause="The logon script maps S: before the VPN or Wi-Fi is up, and Windows keeps the "
         "failed map.",
         workaround="Open File Explorer and click S: once; or run 'net use S: /delete' and sign in again.",
         resolution="Drive mapping moved to group policy with 'reconnect' (CHG-7).",
         fixing_change="CHG-7",
         symptom="S: shows a red cross after sign-in; 共享文件夹无法访问，盘符显示红叉。",
         keywords="S:, net use, 网络驱动器"),
    _Prb("Account lockouts after password change on phones", "Accounts & Passwords", "ad-dc-01", H, M,
         P.KNOWN_ERROR, ("password", "密码", "locked"),
         root_cause="Phones keep the old password for mail sync and lock the account after five tries.",
         workaround="Update the password on the phone's mail account (or remove and re-add it), then unlock.",
         symptom="Account locked again and again after a password change. 改密码后账号反复被锁定。",
         keywords="lockout, 锁定, ActiveSync"),
    _Prb("Desk phones lose dial tone after the nightly reboot", "Telephony", "pbx-01", M, M, P.NEW,
         ("dial tone", "外呼")),
    _Prb("Payroll bank file rejected by the bank", "Payroll", "payroll-app-01", H, H, P.CLOSED,
         ("bank file", "工资"),
         root_cause="The bank's new format needs the BIC in field 12; the export still wrote the old layout.",
         workaround="Finance uploads the file by hand in the bank portal with the BIC added.",
         resolution="Export template updated to the bank's 2026 layout; three runs accepted since.",
         fixing_change="CHG-2",
         symptom="The bank rejects the payroll file with 'field 12 missing'. 银行拒收工资文件。",
         keywords="bank file, BIC, 工资"),
]  # fmt: skip

# Known errors recorded on their own: title, service, CI, symptom, root cause, workaround, keywords.
STANDALONE: list[tuple[str, str, str | None, str, str, str, str]] = [
    ("Teams crashes on start after the cache fills", "Workplace Devices", None,
     "Teams closes right after the splash screen.", "A corrupt cache folder after an interrupted update.",
     "Quit Teams, delete %appdata%\\Microsoft\\Teams\\Cache, start Teams again.", "Teams, cache, crash"),
    ("笔记本电池无法充电（电源管理驱动）", "Workplace Devices", None,
     "电池显示已接通电源但未充电。", "电源管理驱动版本过旧，与新 BIOS 不兼容。",
     "在设备管理器中卸载“Microsoft ACPI 兼容控制方法电池”，重启后自动重装。", "电池, 充电, ACPI"),
    ("Guest Wi-Fi portal does not load on iPhones", "Wi-Fi", "wlc-01",
     "The guest portal page stays blank on iOS.",
     "The captive portal uses a certificate iOS no longer trusts.",
     "Open http://neverssl.com after joining the guest network to trigger the portal.",
     "guest, captive portal"),
    ("CRM 邮件同步失败", "CRM", "crm-app",
     "CRM 中看不到最近的客户邮件，同步状态显示失败。", "Exchange 模拟账号的密码已过期。",
     "在 CRM 个人设置中重新授权邮箱，等待十分钟后同步恢复。", "邮件同步, CRM, 授权"),
    ("HR portal shows a blank payslip page", "HR Portal", "hr-portal",
     "The payslip page is white; other pages work.", "Pop-up blocking stops the PDF viewer frame.",
     "Allow pop-ups for hr.example.com, or download the payslip from the 'Documents' tab.", "payslip, PDF"),
    ("Invoice posting fails with error F5 702", "ERP", "sap-ecc",
     "Posting an invoice ends with message F5 702 (balance in transaction currency).",
     "Rounding differences on foreign-currency invoices exceed the tolerance group.",
     "Post the rounding difference to account 479000 manually, then post again.", "F5 702, F5702, invoice"),
    ("会议室无线网络信号弱", "Wi-Fi", "ap-sh-campus",
     "会议室人多时无线网络频繁掉线。", "单个 AP 接入数超过上限。",
     "连接 5GHz 的“Corp-5G”网络，或使用会议室的有线网口。", "无线, 会议室, 掉线"),
    ("Conference bridge rejects valid PINs", "Telephony", "pbx-01",
     "Callers hear 'invalid PIN' on the conference bridge.", "DTMF sent in-band by some mobile carriers.",
     "Dial in through the desk phone or type the PIN slowly after the tone.", "PIN, DTMF, bridge"),
    ("邮箱已满无法接收邮件", "Email", "exch-db-01",
     "提示邮箱已满，外部邮件被退回。", "默认邮箱配额 2 GB，归档策略未对新员工生效。",
     "在 Outlook 中清空“已删除邮件”和“垃圾邮件”，或申请扩容；服务台可临时放宽配额。",
     "邮箱已满, 配额, quota"),
    ("Calendar invites from external partners do not arrive", "Email", "mail-gw-01",
     "Meeting invitations from some partners never reach the calendar.",
     "The gateway strips winmail.dat (TNEF) attachments from certain domains.",
     "Ask the sender to resend as iCalendar, or forward the invite from webmail.",
     "TNEF, winmail.dat, invite"),
    ("电脑开机蓝屏 INACCESSIBLE_BOOT_DEVICE", "Workplace Devices", None,
     "开机后蓝屏，错误代码 INACCESSIBLE_BOOT_DEVICE。", "BitLocker 与存储驱动更新冲突。",
     "进入恢复环境，输入 BitLocker 恢复密钥后卸载最新的存储驱动更新。", "蓝屏, BSOD, BitLocker"),
    ("Sales dashboard shows no data after midnight", "CRM", "crm-db-01",
     "Dashboards are empty between 00:00 and 02:00.",
     "The nightly rebuild truncates the reporting tables first.",
     "Use the 'Yesterday' saved view until the rebuild finishes around 02:00.", "dashboard, reporting"),
    ("Voicemail PIN reset does not take effect", "Telephony", "pbx-01",
     "After a PIN reset the old PIN still works and the new one is refused.",
     "The voicemail server caches credentials for 30 minutes.",
     "Wait 30 minutes after the reset, or the desk forces a cache refresh on pbx-01.", "voicemail, PIN"),
]  # fmt: skip


@dataclass(frozen=True)
class _Inc:
    id: int
    ref: str
    title: str
    opened_at: datetime
    open: bool


def _incidents(s: Session) -> dict[int, list[_Inc]]:
    rows = s.execute(
        select(Ticket.id, Ticket.ref, Ticket.title, Ticket.opened_at, Ticket.status, Ticket.service_id)
        .where(Ticket.kind == TicketKind.INCIDENT, Ticket.service_id.is_not(None))
        .order_by(Ticket.id)
    )
    by_service: dict[int, list[_Inc]] = {}
    for tid, ref, title, opened, status, sid in rows:
        assert sid is not None  # the query wants a service
        by_service.setdefault(sid, []).append(_Inc(tid, ref, title.lower(), opened, status.is_open))
    return by_service


def _audit(uow: UnitOfWork, kind: str, rid: int, ref: str, field: str, new: str, at: datetime) -> None:
    """Demo history carries the time it pretends to have happened, not the seeding time."""
    uow.session.add(
        AuditEntry(at=at, actor_id=uow.actor.id, record_kind=kind, record_id=rid, record_ref=ref, field=field,
                   old=None, new=new, version=1)
    )  # fmt: skip


def seed(desk: Desk, *, seed: int = 1) -> dict[str, int]:
    """Add the demo problems and known errors; returns how many of each (and links) were added."""
    rng = random.Random(seed)
    counts = {"problems": 0, "problem_links": 0, "known_errors": 0}
    with desk.writing() as uow:
        s = uow.session
        services = {sv.name: sv for sv in s.scalars(select(Service))}
        cis = {c.name: c for c in s.scalars(select(ConfigurationItem))}
        by_service = _incidents(s)
        taken: set[int] = set(s.scalars(select(ProblemIncident.ticket_id)))
        for spec in PROBLEMS:
            svc = services.get(spec.service)
            # A problem that is over was caused by incidents that are over too.
            fits = [
                inc
                for inc in (by_service.get(svc.id, []) if svc else [])
                if inc.id not in taken
                and any(w in inc.title for w in spec.match)
                and (spec.status.is_open or not inc.open)
            ]
            wanted = 0 if spec.status is P.NEW and rng.random() < 0.5 else rng.randint(1, 4)
            chosen = sorted(rng.sample(fits, min(wanted, len(fits))), key=lambda inc: inc.id)
            latest = max((inc.opened_at for inc in chosen), default=None)
            if latest is not None:
                opened = min(uow.now - timedelta(hours=1), latest + timedelta(minutes=rng.randint(20, 300)))
            else:
                opened = uow.now - timedelta(days=rng.randint(3, 40), minutes=rng.randint(0, 600))
            p = _problem(desk, uow, spec, svc, cis.get(spec.ci or ""), opened, rng, counts)
            for inc in chosen:
                taken.add(inc.id)
                s.add(
                    ProblemIncident(
                        problem_id=p.id, ticket_id=inc.id, linked_at=opened, linked_by_id=uow.actor.id
                    )
                )
                _audit(uow, problem_records.RECORD, p.id, p.ref, "incident", inc.ref, opened)
                counts["problem_links"] += 1
            if spec.symptom:
                _known_error(
                    uow, spec.title, spec.symptom, spec.root_cause or "", spec.workaround or "",
                    spec.keywords,
                    [svc] if svc else [], [cis[spec.ci]] if spec.ci in cis else [], p, counts,
                )  # fmt: skip
        for title, service, ci, symptom, cause, workaround, keywords in STANDALONE:
            svc = services.get(service)
            _known_error(
                uow, title, symptom, cause, workaround, keywords,
                [svc] if svc else [], [cis[ci]] if ci in cis else [], None, counts,
            )  # fmt: skip
    forget_index()
    return counts


def _problem(
    desk: Desk,
    uow: UnitOfWork,
    spec: _Prb,
    svc: Service | None,
    ci: ConfigurationItem | None,
    opened: datetime,
    rng: random.Random,
    counts: dict[str, int],
) -> Problem:
    s = uow.session
    number, ref = problem_records.next_ref(s, RefKind.PRB)
    p = Problem(
        ref=ref,
        number=number,
        title=spec.title,
        description=spec.description,
        status=spec.status,
        impact=spec.impact,
        urgency=spec.urgency,
        priority=desk.matrix.priority(spec.impact, spec.urgency),
        service_id=svc.id if svc else None,
        ci_id=ci.id if ci else None,
        group_id=svc.support_group_id if svc else None,
        root_cause=spec.root_cause,
        workaround=spec.workaround,
        resolution=spec.resolution,
        fixing_change_ref=spec.fixing_change,
        opened_at=opened,
        updated_at=opened,
        created_by_id=uow.actor.id,
        version=1,
    )
    if spec.status in (P.RESOLVED, P.CLOSED):
        p.resolved_at = min(uow.now, opened + timedelta(days=rng.randint(1, 3)))
        p.updated_at = p.resolved_at
    if spec.status is P.CLOSED:
        p.closed_at = p.resolved_at
    s.add(p)
    s.flush()
    for field, value in (
        ("created", p.ref),
        ("status", p.status.value),
        ("priority", p.priority.value),
        ("root cause", p.root_cause),
        ("fixing change", p.fixing_change_ref),
    ):
        if value is not None:
            _audit(uow, problem_records.RECORD, p.id, p.ref, field, value, opened)
    counts["problems"] += 1
    return p


def _known_error(
    uow: UnitOfWork,
    title: str,
    symptom: str,
    cause: str,
    workaround: str,
    keywords: str,
    services: list[Service],
    cis: list[ConfigurationItem],
    p: Problem | None,
    counts: dict[str, int],
) -> None:
    s = uow.session
    number, ref = problem_records.next_ref(s, RefKind.KE)
    at = (
        min(uow.now, p.opened_at + timedelta(hours=6))
        if p is not None
        else uow.now - timedelta(days=60 + number)
    )
    retired = p is not None and p.status is P.CLOSED
    ke = KnownError(
        ref=ref,
        number=number,
        title=title,
        symptom=symptom,
        root_cause=cause,
        workaround=workaround,
        keywords=", ".join(keyword_list(keywords)),
        status=KnownErrorStatus.RETIRED if retired else KnownErrorStatus.ACTIVE,
        problem_id=p.id if p else None,
        created_at=at,
        updated_at=at,
        created_by_id=uow.actor.id,
        version=1,
        services=services,
        cis=cis,
    )
    s.add(ke)
    s.flush()
    _audit(uow, problem_records.KE_RECORD, ke.id, ke.ref, "created", ke.ref, at)
    if p is not None:
        _audit(uow, problem_records.KE_RECORD, ke.id, ke.ref, "problem", p.ref, at)
    counts["known_errors"] += 1


def demo_counts(desk: Desk) -> dict[str, int]:
    """What the desk holds now (for the demo summary)."""
    with desk.reading() as s:
        return {
            "problems": int(s.scalar(select(func.count(Problem.id))) or 0),
            "known_errors": int(s.scalar(select(func.count(KnownError.id))) or 0),
        }
