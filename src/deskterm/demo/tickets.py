"""The demo desk behind ``deskterm demo``: fill an empty database with a realistic service desk.

Support groups at three tiers with their agents, a few hundred callers, the service catalogue
with its CIs and their relationships, then N tickets with notes and audit history.

Every value comes from one ``random.Random(seed)`` and from ``desk.clock.now()``, so the same
seed on the same clock gives the same rows. Each ticket's history is simulated step by step
through the legal transitions of ``domain.incident`` (the way ``update_ticket`` would write it:
one version per step, one audit row per field), so the SLA clock can be derived from it as from
real work. Rows are written with Core bulk inserts in batches, with ids assigned here, in one
unit of work: all or nothing.
"""

import itertools
import random
import time
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.priority import PriorityMatrix
from deskterm.domain.core.vocabulary import (
    Channel,
    CIRelation,
    CIStatus,
    Criticality,
    Level,
    LifecycleStatus,
    NoteVisibility,
    PendingReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.domain.tickets.incident import TRANSITIONS
from deskterm.services.core import access
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import InvalidInput
from deskterm.store.models import (
    Agent,
    AuditEntry,
    CIRelationship,
    ConfigurationItem,
    Contact,
    Group,
    GroupMember,
    Note,
    RefCounter,
    Service,
    ServiceCI,
    Ticket,
)

MAX_TICKETS = 1_000_000
BATCH = 5000
DOMAIN = "corp.example"
WINDOW = 30 * 86400  # tickets are opened over the last 30 days
MIN_AGE = 600  # no ticket is younger than ten minutes, so every history has room
SLACK = 60  # the last step of a history is at least a minute before now
DAY = 86400
HOUR = 3600
UTC_OFFSET = 8 * HOUR  # the demo company works in China Standard Time

S = TicketStatus
K = TicketKind
L = Level


class DemoSummary(BaseModel):
    """What the demo wrote (the acting agent, enrolled by the desk, is not counted)."""

    model_config = ConfigDict(frozen=True)

    agents: int
    groups: int
    contacts: int
    services: int
    cis: int
    tickets: int
    notes: int
    audit_entries: int
    seconds: float


# --------------------------------------------------------------------------------------------
# The organisation
# --------------------------------------------------------------------------------------------

SERVICE_DESK = "Service Desk"

# name, tier, description
GROUPS: list[tuple[str, Tier, str]] = [
    (SERVICE_DESK, Tier.T1, "First line: takes every call and email, logs, resolves or escalates."),
    ("Network", Tier.T2, "LAN, WAN, firewalls, VPN, Wi-Fi and telephony."),
    ("Server & Storage", Tier.T2, "Windows and Linux servers, virtualisation, SAN, backup, printing."),
    ("Messaging", Tier.T2, "Exchange, mail flow, calendars, mobile mail and video conferencing."),
    ("Applications", Tier.T2, "ERP, CRM, HR portal and payroll applications."),
    ("Database", Tier.T2, "SQL Server and Oracle databases."),
    ("Vendor - Cisco", Tier.T3, "Cisco TAC escalations under the network support contract."),
    ("Architecture", Tier.T3, "Design authority: capacity, availability and structural fixes."),
]

# login, display name, cost per hour, groups (the first listed agent of a group leads it)
AGENTS: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("chen.jing", "陈静", 42, (SERVICE_DESK,)),
    ("emma.clarke", "Emma Clarke", 40, (SERVICE_DESK,)),
    ("liu.yang", "刘洋", 35, (SERVICE_DESK,)),
    ("huang.lei", "黄磊", 36, (SERVICE_DESK, "Applications")),
    ("sofia.rossi", "Sofia Rossi", 37, (SERVICE_DESK,)),
    ("zhou.ting", "周婷", 34, (SERVICE_DESK,)),
    ("zhao.qiang", "赵强", 68, ("Network",)),
    ("marcus.webb", "Marcus Webb", 72, ("Network", "Vendor - Cisco")),
    ("sun.li", "孙丽", 60, ("Network",)),
    ("yang.fan", "杨帆", 70, ("Server & Storage", "Architecture")),
    ("daniel.novak", "Daniel Novak", 65, ("Server & Storage",)),
    ("wu.gang", "吴刚", 58, ("Server & Storage",)),
    ("zheng.xue", "郑雪", 64, ("Messaging",)),
    ("olivia.bennett", "Olivia Bennett", 62, ("Messaging", "Applications")),
    ("wang.fang", "王芳", 66, ("Applications",)),
    ("lucas.moreau", "Lucas Moreau", 63, ("Applications",)),
    ("lin.feng", "林峰", 60, ("Applications",)),
    ("he.min", "何敏", 75, ("Database",)),
    ("henrik.larsen", "Henrik Larsen", 78, ("Database", "Architecture")),
    ("raj.patel", "Raj Patel", 120, ("Vendor - Cisco",)),
    ("gao.yuan", "高远", 135, ("Architecture",)),
]
LEADS = {
    SERVICE_DESK: "chen.jing",
    "Network": "zhao.qiang",
    "Server & Storage": "yang.fan",
    "Messaging": "zheng.xue",
    "Applications": "wang.fang",
    "Database": "he.min",
    "Vendor - Cisco": "raj.patel",
    "Architecture": "gao.yuan",
}

SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
    ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"),
    ("林", "Lin"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"),
]  # fmt: skip
GIVEN_NAMES = [
    ("伟", "Wei"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"), ("强", "Qiang"),
    ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"),
    ("娟", "Juan"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("华", "Hua"),
    ("平", "Ping"), ("刚", "Gang"), ("桂英", "Guiying"), ("芳", "Fang"), ("建华", "Jianhua"),
    ("文", "Wen"), ("辉", "Hui"), ("婷", "Ting"), ("鹏", "Peng"), ("宇", "Yu"), ("浩", "Hao"),
    ("欣怡", "Xinyi"), ("子轩", "Zixuan"), ("晓东", "Xiaodong"),
]  # fmt: skip
FIRST_NAMES = [
    "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Lucas", "Mia", "Ethan",
    "Isabella", "Mason", "Charlotte", "Logan", "Amelia", "Jacob", "Harper", "Leo", "Chloe", "Daniel",
    "Grace", "Henry", "Ella", "Jack", "Lily", "Samuel", "Hannah", "Thomas", "Zoë",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker",
    "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris",
    "Martin", "Clarke", "Jackson", "Turner", "Hill", "Moore", "Cooper", "Ward", "Müller", "O'Brien",
]  # fmt: skip
ORGANISATIONS = [
    "Finance", "Human Resources", "Sales", "Marketing", "Legal", "Procurement", "Logistics", "R&D",
    "Customer Service", "Facilities", "上海工厂", "北京分公司", "深圳研发中心", "广州销售部",
]  # fmt: skip
EXECUTIVE_OFFICE = "Executive Office"

# --------------------------------------------------------------------------------------------
# The catalogue: services, CIs, relationships
# --------------------------------------------------------------------------------------------

_OPERATIONAL = LifecycleStatus.OPERATIONAL

# name, support group, owner, criticality, lifecycle, weight for tickets, business, technical
SERVICES: list[tuple[str, str, str, Criticality, LifecycleStatus, int, str, str]] = [
    ("Accounts & Passwords", SERVICE_DESK, "chen.jing", Criticality.CRITICAL, _OPERATIONAL, 18,
     "Your company sign-in: one account and password for the laptop, email and every business "
     "system, with self-service password reset. 账号与密码服务。",
     "Active Directory on ad-dc-01/02; MFA through the identity provider; self-service reset portal."),
    ("Email", "Messaging", "zheng.xue", Criticality.CRITICAL, _OPERATIONAL, 16,
     "Send and receive email, calendars and shared mailboxes from Outlook, the web and phones. "
     "Available around the clock; urgent problems fixed within 4 hours.",
     "Exchange 2019 DAG on mail-srv-01/02 with exch-db-01 on san-01; mail-gw-01 filters inbound mail."),
    ("VPN", "Network", "zhao.qiang", Criticality.HIGH, _OPERATIONAL, 10,
     "Secure access to company systems from home and while travelling (远程访问).",
     "AnyConnect on the vpn-gw-01/02 pair behind fw-01; sign-in and MFA against Active Directory."),
    ("ERP", "Applications", "wang.fang", Criticality.CRITICAL, _OPERATIONAL, 10,
     "Orders, purchasing, inventory and finance for every plant and office (企业资源计划).",
     "SAP ECC (sap-ecc) on erp-app-01/02 behind lb-01; Oracle database erp-db-01 on san-01."),
    ("Workplace Devices", SERVICE_DESK, "chen.jing", Criticality.MEDIUM, _OPERATIONAL, 10,
     "Laptops, desktops, monitors and standard software: delivered, repaired and replaced.",
     "Managed Windows 11 build; software distribution and patching from the device management service."),
    ("Wi-Fi", "Network", "zhao.qiang", Criticality.HIGH, _OPERATIONAL, 8,
     "Wireless network in every office and meeting room, with guest access for visitors.",
     "Controller wlc-01 with access-point groups ap-sh-campus and ap-bj-office; uplinks via core-sw-02."),
    ("File Share", "Server & Storage", "yang.fan", Criticality.MEDIUM, _OPERATIONAL, 8,
     "Shared team drives (S:) and personal home drives, with nightly backup and restore on request.",
     "DFS namespace on fs-01/fs-02 (virtual, vm-cluster-a), data on san-01, backup-01 keeps 30 days."),
    ("Printing", "Server & Storage", "yang.fan", Criticality.LOW, _OPERATIONAL, 7,
     "Print, copy and scan-to-email on the multifunction printers on every floor (打印与扫描).",
     "Print queues on print-srv-01; MFP fleet mfp-sh-fleet; scan-to-email relays through mail-gw-01."),
    ("CRM", "Applications", "wang.fang", Criticality.HIGH, _OPERATIONAL, 6,
     "Customer accounts, opportunities and the sales pipeline for sales and customer service.",
     "crm-app on vm-cluster-a with crm-db-01 in sql-cluster-01; email sync through Exchange."),
    ("HR Portal", "Applications", "wang.fang", Criticality.MEDIUM, _OPERATIONAL, 5,
     "Leave requests, personal details and payslips for every employee (人事门户).",
     "hr-portal on hr-web-01 behind lb-01; hr-db-01 in sql-cluster-01; single sign-on with AD."),
    ("Telephony", "Network", "zhao.qiang", Criticality.MEDIUM, _OPERATIONAL, 5,
     "Desk phones, extensions, voicemail and the conference bridge.",
     "Call manager pbx-01 on vm-cluster-a; SIP trunks through sbc-01; voicemail on pbx-01."),
    ("Payroll", "Applications", "wang.fang", Criticality.HIGH, _OPERATIONAL, 4,
     "Monthly salaries, overtime and the bank transfer file, on time every month (薪资发放).",
     "payroll-app on payroll-app-01 with payroll-db-01 in sql-cluster-01; bank file over SFTP."),
    ("Video Conferencing", "Messaging", "zheng.xue", Criticality.MEDIUM, LifecycleStatus.TESTED, 0,
     "Meeting rooms with one-touch video calls to other offices and customers (in pilot).",
     "vc-bridge-01 registered to pbx-01; room kits in the Shanghai pilot rooms."),
    ("Fax Gateway", "Network", "zhao.qiang", Criticality.LOW, LifecycleStatus.RETIRED, 0,
     "Sending and receiving faxes from email (retired: use email or the e-signature service).",
     "fax-gw-01, decommissioned."),
]  # fmt: skip

# name, type, owner group, status
CIS: list[tuple[str, str, str, CIStatus]] = [
    ("ad-dc-01", "server", "Server & Storage", CIStatus.ACTIVE),
    ("ad-dc-02", "server", "Server & Storage", CIStatus.ACTIVE),
    ("vm-cluster-a", "cluster", "Server & Storage", CIStatus.ACTIVE),
    ("vm-host-01", "server", "Server & Storage", CIStatus.ACTIVE),
    ("vm-host-02", "server", "Server & Storage", CIStatus.ACTIVE),
    ("vm-host-03", "server", "Server & Storage", CIStatus.ACTIVE),
    ("vm-host-04", "server", "Server & Storage", CIStatus.MAINTENANCE),
    ("san-01", "storage", "Server & Storage", CIStatus.ACTIVE),
    ("backup-01", "server", "Server & Storage", CIStatus.ACTIVE),
    ("core-sw-01", "network", "Network", CIStatus.ACTIVE),
    ("core-sw-02", "network", "Network", CIStatus.ACTIVE),
    ("fw-01", "network", "Network", CIStatus.ACTIVE),
    ("lb-01", "network", "Network", CIStatus.ACTIVE),
    ("vpn-gw-01", "network", "Network", CIStatus.ACTIVE),
    ("vpn-gw-02", "network", "Network", CIStatus.ACTIVE),
    ("wlc-01", "network", "Network", CIStatus.ACTIVE),
    ("ap-sh-campus", "network", "Network", CIStatus.ACTIVE),
    ("ap-bj-office", "network", "Network", CIStatus.ACTIVE),
    ("pbx-01", "server", "Network", CIStatus.ACTIVE),
    ("sbc-01", "network", "Network", CIStatus.ACTIVE),
    ("mail-srv-01", "server", "Messaging", CIStatus.ACTIVE),
    ("mail-srv-02", "server", "Messaging", CIStatus.ACTIVE),
    ("exch-db-01", "database", "Messaging", CIStatus.ACTIVE),
    ("mail-gw-01", "server", "Messaging", CIStatus.ACTIVE),
    ("vc-bridge-01", "server", "Messaging", CIStatus.PLANNED),
    ("sap-ecc", "application", "Applications", CIStatus.ACTIVE),
    ("erp-app-01", "server", "Applications", CIStatus.ACTIVE),
    ("erp-app-02", "server", "Applications", CIStatus.ACTIVE),
    ("erp-db-01", "database", "Database", CIStatus.ACTIVE),
    ("sql-cluster-01", "cluster", "Database", CIStatus.ACTIVE),
    ("hr-portal", "application", "Applications", CIStatus.ACTIVE),
    ("hr-web-01", "server", "Applications", CIStatus.ACTIVE),
    ("hr-db-01", "database", "Database", CIStatus.ACTIVE),
    ("payroll-app", "application", "Applications", CIStatus.ACTIVE),
    ("payroll-app-01", "server", "Applications", CIStatus.ACTIVE),
    ("payroll-db-01", "database", "Database", CIStatus.ACTIVE),
    ("crm-app", "application", "Applications", CIStatus.ACTIVE),
    ("crm-db-01", "database", "Database", CIStatus.ACTIVE),
    ("fs-01", "server", "Server & Storage", CIStatus.ACTIVE),
    ("fs-02", "server", "Server & Storage", CIStatus.ACTIVE),
    ("print-srv-01", "server", "Server & Storage", CIStatus.ACTIVE),
    ("mfp-sh-fleet", "printer", "Server & Storage", CIStatus.ACTIVE),
    ("fax-gw-01", "server", "Network", CIStatus.RETIRED),
]

_D, _R, _P = CIRelation.DEPENDS_ON, CIRelation.RUNS_ON, CIRelation.PART_OF
RELATIONS: list[tuple[str, CIRelation, str]] = [
    ("vm-host-01", _P, "vm-cluster-a"), ("vm-host-02", _P, "vm-cluster-a"),
    ("vm-host-03", _P, "vm-cluster-a"), ("vm-host-04", _P, "vm-cluster-a"),
    ("vm-cluster-a", _D, "san-01"), ("vm-cluster-a", _D, "core-sw-01"), ("backup-01", _D, "san-01"),
    ("ad-dc-01", _R, "vm-host-01"), ("ad-dc-02", _R, "vm-host-03"),
    ("fw-01", _D, "core-sw-01"), ("lb-01", _D, "core-sw-01"),
    ("vpn-gw-01", _D, "fw-01"), ("vpn-gw-02", _D, "fw-01"),
    ("vpn-gw-01", _D, "ad-dc-01"), ("vpn-gw-02", _D, "ad-dc-02"),
    ("wlc-01", _D, "core-sw-02"), ("ap-sh-campus", _P, "wlc-01"), ("ap-bj-office", _P, "wlc-01"),
    ("pbx-01", _R, "vm-host-03"), ("sbc-01", _D, "fw-01"), ("pbx-01", _D, "sbc-01"),
    ("mail-srv-01", _R, "vm-host-01"), ("mail-srv-02", _R, "vm-host-02"),
    ("exch-db-01", _R, "mail-srv-01"), ("exch-db-01", _D, "san-01"),
    ("mail-srv-01", _D, "ad-dc-01"), ("mail-srv-02", _D, "ad-dc-02"), ("mail-gw-01", _D, "fw-01"),
    ("vc-bridge-01", _D, "pbx-01"),
    ("sap-ecc", _R, "erp-app-01"), ("sap-ecc", _R, "erp-app-02"), ("sap-ecc", _D, "erp-db-01"),
    ("sap-ecc", _D, "lb-01"), ("erp-app-01", _R, "vm-host-03"), ("erp-app-02", _R, "vm-host-04"),
    ("erp-db-01", _D, "san-01"),
    ("hr-db-01", _P, "sql-cluster-01"), ("payroll-db-01", _P, "sql-cluster-01"),
    ("crm-db-01", _P, "sql-cluster-01"), ("sql-cluster-01", _D, "san-01"),
    ("hr-portal", _R, "hr-web-01"), ("hr-portal", _D, "hr-db-01"), ("hr-web-01", _R, "vm-host-02"),
    ("hr-portal", _D, "lb-01"), ("hr-portal", _D, "ad-dc-01"),
    ("payroll-app", _R, "payroll-app-01"), ("payroll-app", _D, "payroll-db-01"),
    ("payroll-app-01", _R, "vm-host-04"),
    ("crm-app", _R, "vm-cluster-a"), ("crm-app", _D, "crm-db-01"), ("crm-app", _D, "mail-srv-01"),
    ("fs-01", _R, "vm-host-01"), ("fs-02", _R, "vm-host-02"),
    ("fs-01", _D, "san-01"), ("fs-02", _D, "san-01"),
    ("print-srv-01", _R, "vm-host-02"), ("mfp-sh-fleet", _D, "print-srv-01"),
    ("mfp-sh-fleet", _D, "mail-gw-01"),
]  # fmt: skip

SERVICE_CIS: dict[str, tuple[str, ...]] = {
    "Accounts & Passwords": ("ad-dc-01", "ad-dc-02"),
    "Email": ("mail-srv-01", "mail-srv-02", "exch-db-01", "mail-gw-01"),
    "VPN": ("vpn-gw-01", "vpn-gw-02", "fw-01"),
    "ERP": ("sap-ecc", "erp-app-01", "erp-app-02", "erp-db-01", "lb-01"),
    "Workplace Devices": (),
    "Wi-Fi": ("wlc-01", "ap-sh-campus", "ap-bj-office", "core-sw-02"),
    "File Share": ("fs-01", "fs-02", "san-01", "backup-01"),
    "Printing": ("print-srv-01", "mfp-sh-fleet"),
    "CRM": ("crm-app", "crm-db-01"),
    "HR Portal": ("hr-portal", "hr-web-01", "hr-db-01"),
    "Telephony": ("pbx-01", "sbc-01"),
    "Payroll": ("payroll-app", "payroll-app-01", "payroll-db-01"),
    "Video Conferencing": ("vc-bridge-01",),
    "Fax Gateway": ("fax-gw-01",),
}

# --------------------------------------------------------------------------------------------
# What callers say: titles per service (title, category), incidents and requests
# --------------------------------------------------------------------------------------------

TITLES: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    "Accounts & Passwords": (
        [("Account locked out", "Access"), ("Password expired, cannot log in", "Access"),
         ("MFA prompt not arriving on phone", "Access"), ("账号被锁定", "Access"),
         ("密码过期无法登录", "Access"), ("收不到多因素认证验证码", "Access"),
         ("Cannot log in to laptop after password change", "Access")],
        [("Password reset", "Access"), ("重置密码", "Access"), ("New starter account for {dept}", "Access"),
         ("新员工账号申请", "Access"), ("Leaver: disable account", "Access"), ("离职员工账号停用", "Access")],
    ),
    "Email": (
        [("Outlook cannot connect", "Software"), ("Outlook 无法连接服务器", "Software"),
         ("Cannot send email to external addresses", "Software"), ("邮件发送失败", "Software"),
         ("Mailbox full", "Software"), ("邮箱已满", "Software"),
         ("Calendar invites not arriving", "Software"),
         ("Shared mailbox not showing in Outlook", "Software"), ("手机邮件无法同步", "Mobile"),
         ("Outlook keeps asking for password", "Software")],
        [("New shared mailbox for {dept}", "Software"), ("申请共享邮箱权限", "Access"),
         ("Increase mailbox size", "Software"), ("Add me to the {dept} distribution list", "Software")],
    ),
    "VPN": (
        [("VPN 连接失败", "Network"), ("VPN disconnects every few minutes", "Network"),
         ("Cannot connect to VPN from hotel", "Network"), ("VPN connected but no intranet", "Network"),
         ("VPN 速度很慢", "Network"), ("AnyConnect certificate error", "Network")],
        [("VPN access for contractor", "Access"), ("申请VPN账号", "Access")],
    ),
    "ERP": (
        [("ERP login error", "Application"), ("ERP 系统登录报错", "Application"),
         ("Purchase order stuck in approval", "Application"), ("采购订单无法审批", "Application"),
         ("ERP very slow at month end", "Performance"),
         ("Invoice posting fails with error F5 702", "Application"),
         ("库存数据不一致", "Application"), ("ERP report times out", "Performance")],
        [("ERP role for new buyer in {dept}", "Access"), ("申请ERP财务模块权限", "Access"),
         ("New cost centre in ERP", "Application")],
    ),
    "Workplace Devices": (
        [("Laptop won't boot", "Hardware"), ("电脑开机蓝屏", "Hardware"), ("Monitor flickering", "Hardware"),
         ("Keyboard not working", "Hardware"), ("笔记本电池无法充电", "Hardware"),
         ("Laptop very slow", "Hardware"),
         ("Teams crashes on start", "Software"), ("软件安装失败", "Software")],
        [("New laptop for new starter in {dept}", "Hardware"), ("申请第二台显示器", "Hardware"),
         ("Install Visio", "Software"), ("安装软件申请", "Software"), ("Replace broken mouse", "Hardware")],
    ),
    "Wi-Fi": (
        [("Wi-Fi 无法连接", "Network"), ("No Wi-Fi on 3rd floor", "Network"),
         ("Guest Wi-Fi portal not loading", "Network"),
         ("Wi-Fi keeps dropping in meeting room 5A", "Network"),
         ("会议室无线网络信号弱", "Network"), ("Connected to Wi-Fi but no internet", "Network")],
        [("Guest Wi-Fi access for visitors", "Access"), ("访客无线网络申请", "Access")],
    ),
    "File Share": (
        [("Cannot open shared drive S:", "Storage"), ("共享文件夹无法访问", "Storage"),
         ("File share very slow", "Performance"), ("Folder deleted by mistake", "Storage"),
         ("文件误删需要恢复", "Storage"), ("Access denied to {dept} share", "Access")],
        [("Access to the {dept} share", "Access"), ("申请共享盘权限", "Access"),
         ("New project folder", "Storage"), ("Restore file from backup", "Storage")],
    ),
    "Printing": (
        [("Printer offline", "Hardware"), ("打印机无法打印", "Hardware"), ("Paper jam on MFP 3F", "Hardware"),
         ("Scan to email not working", "Hardware"), ("扫描到邮箱失败", "Hardware"),
         ("Print jobs stuck in queue", "Software"), ("打印机卡纸", "Hardware")],
        [("Install printer on new laptop", "Hardware"), ("申请彩色打印权限", "Access"),
         ("Replace toner on 2F printer", "Hardware")],
    ),
    "CRM": (
        [("CRM page won't load", "Application"), ("CRM 客户数据无法保存", "Application"),
         ("Sales dashboard shows no data", "Application"), ("CRM email sync fails", "Application"),
         ("Duplicate customer records in CRM", "Data")],
        [("CRM licence for new sales rep", "Access"), ("申请CRM账号", "Access")],
    ),
    "HR Portal": (
        [("HR portal shows wrong leave balance", "Application"), ("人事门户无法打开", "Application"),
         ("Cannot upload sick note to HR portal", "Application"), ("Payslip page blank", "Application")],
        [("HR portal manager access for {dept}", "Access"), ("更新员工个人信息权限", "Access")],
    ),
    "Telephony": (
        [("Desk phone has no dial tone", "Telephony"), ("电话无法外呼", "Telephony"),
         ("Call quality poor on conference calls", "Telephony"), ("Voicemail not working", "Telephony"),
         ("Conference bridge PIN rejected", "Telephony")],
        [("New extension for new starter", "Telephony"), ("申请座机", "Telephony"),
         ("Forward my calls to mobile", "Telephony")],
    ),
    "Payroll": (
        [("Payroll run failed", "Application"), ("工资单计算错误", "Application"),
         ("Overtime not paid", "Application"), ("Payroll bank file rejected", "Application")],
        [("Payroll report for audit", "Application"), ("薪资系统权限申请", "Access")],
    ),
}  # fmt: skip

# service, title of a major incident (the parent of a set)
MAJOR_TITLES: list[tuple[str, str]] = [
    ("Email", "Email down for all users in Shanghai"),
    ("VPN", "全公司VPN无法连接"),
    ("ERP", "ERP unavailable: database not responding"),
    ("Wi-Fi", "北京办公室无线网络全部中断"),
    ("File Share", "Shared drive S: unavailable for all users"),
    ("Accounts & Passwords", "Nobody can sign in: domain controllers unreachable"),
    ("CRM", "CRM 系统全面宕机"),
]

MAJOR_DESCRIPTION = (
    "Many callers and the monitoring report the same outage. Handled as a major incident: "
    "the service owner is informed, callers' tickets are linked as children. 重大事件。"
)

# Text that must show as text, never as markup or a terminal escape.
HOSTILE_TITLES = [
    "[bold]not bold[/]",
    "[/]",
    "\x1b[31mred\x1b[0m escape",
    "[link=http://x]click[/link]",
]
HOSTILE_DESCRIPTION = (
    "Display test: this title holds markup and escape sequences that must show as plain text."
)

DESCRIPTIONS_EN = [
    "Started this morning after the laptop restarted.",
    "Affects the whole team on the 3rd floor.",
    "User has already restarted; no change.",
    "Error appears every time since yesterday afternoon.",
    "Needed urgently for the month-end close.",
    "Colleagues next to the user are fine.",
    "Happens in the office and from home.",
    "User sent a screenshot of the error message.",
]
DESCRIPTIONS_ZH = [
    "今天早上开始出现，重启后仍然存在。",
    "整个部门都受影响。",
    "用户已尝试重启电脑，问题依旧。",
    "从昨天下午开始每次都报错。",
    "月底结账急需使用。",
    "旁边的同事可以正常使用。",
    "在办公室和家里都有这个问题。",
    "用户已发送错误截图。",
]
NOTES_INTERNAL_EN = [
    "Checked the logs; nothing unusual on the server side.",
    "Remote session with the user: reproduced the fault.",
    "Asked the vendor for a hotfix, case number in the attachment.",
    "Restarted the service and monitoring for an hour.",
    "Same symptom as two other tickets this week; possible problem record.",
    "Cleared the local cache and profile; waiting for the user to test.",
    "Needs a change to the firewall rule; raised with Network.",
]
NOTES_INTERNAL_ZH = [
    "已远程协助用户，问题可以复现。",
    "服务器日志正常，没有发现异常。",
    "已联系供应商，等待补丁。",
    "重启服务后观察一小时。",
    "本周已有类似工单，可能需要建立问题记录。",
    "已清除本地缓存，等待用户测试。",
]
NOTES_PUBLIC_EN = [
    "We are looking into this and will update you within the hour.",
    "Could you send a screenshot of the error, please?",
    "A fix has been applied; please try again and let us know.",
    "We are waiting for the supplier and will update you tomorrow.",
    "Thank you for your patience: the engineer will call you shortly.",
]
NOTES_PUBLIC_ZH = [
    "您好，我们正在处理您的问题，一小时内给您回复。",
    "请发送错误截图，谢谢。",
    "问题已修复，请再试一次并告诉我们结果。",
    "我们正在等待供应商回复，明天会更新进展。",
]
RESOLUTIONS: dict[ResolutionCode, tuple[list[str], list[str]]] = {
    ResolutionCode.FIXED: (
        ["Restarted the affected service and confirmed with the user that it works.",
         "Rebuilt the corrupt profile; the user confirmed.",
         "Replaced the faulty cable; connection restored.",
         "Updated the driver; problem solved."],
        ["已重启相关服务，用户确认恢复正常。", "已更新驱动程序，问题解决。"],
    ),
    ResolutionCode.WORKAROUND: (
        ["Workaround given: use the web version until the fix is released."],
        ["已提供临时方案：先使用网页版。"],
    ),
    ResolutionCode.KNOWN_ERROR: (
        ["Matches a known error; applied the documented workaround."], ["已知错误，已按知识库处理。"],
    ),
    ResolutionCode.CHANGE: (["Fixed by the configuration change made last night."], ["已通过变更修复。"]),
    ResolutionCode.NO_FAULT: (
        ["Could not reproduce; it works now and the user agreed to close."],
        ["无法复现，用户确认可以正常使用。"],
    ),
    ResolutionCode.USER_ERROR: (
        ["Showed the user the right steps; working as designed."], ["已指导用户正确操作。"],
    ),
    ResolutionCode.DUPLICATE: (["Duplicate of another ticket for the same fault."], ["与已有工单重复。"]),
    ResolutionCode.FULFILLED: (
        ["Request fulfilled and the user informed.", "Access granted; the user confirmed."],
        ["已完成申请并通知用户。"],
    ),
    ResolutionCode.CANCELLED: (["Cancelled at the user's request."], ["用户取消了申请。"]),
}  # fmt: skip
WORKAROUNDS = [
    "Use the web version (https://portal.corp.example) until the client is repaired.",
    "Connect with the wired network in the meantime.",
    "Print from the 2F printer until the device is fixed.",
    "临时方案：请先使用网页版。",
]

# --------------------------------------------------------------------------------------------
# How tickets behave: weights and durations (seconds)
# --------------------------------------------------------------------------------------------

STATUSES = [S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.RESOLVED, S.CLOSED]
# by age (days): how likely each final status is; older tickets are mostly closed
BY_AGE: list[tuple[float, list[float]]] = [
    (0.5, [30, 20, 25, 10, 15, 0]),
    (3, [5, 10, 25, 15, 35, 10]),
    (7, [1, 3, 8, 10, 23, 55]),
    (float("inf"), [0.3, 0.7, 2, 4, 3, 90]),
]
REASONS = list(PendingReason)
REASON_WEIGHTS = [45, 25, 15, 15]
LEVELS = [L.HIGH, L.MEDIUM, L.LOW]
LEVEL_COMBOS = [(i, u) for i in LEVELS for u in LEVELS]
# how often an incident on a service of this criticality has high, medium, low impact
IMPACT_BY_CRITICALITY = {
    Criticality.CRITICAL: (25, 45, 30),
    Criticality.HIGH: (15, 45, 40),
    Criticality.MEDIUM: (8, 42, 50),
    Criticality.LOW: (3, 30, 67),
}
INC_CODES = [
    ResolutionCode.FIXED, ResolutionCode.WORKAROUND, ResolutionCode.KNOWN_ERROR, ResolutionCode.CHANGE,
    ResolutionCode.NO_FAULT, ResolutionCode.USER_ERROR, ResolutionCode.DUPLICATE, ResolutionCode.CANCELLED,
]  # fmt: skip
INC_CODE_WEIGHTS = [48, 12, 5, 5, 10, 12, 5, 3]
REQ_CODES = [ResolutionCode.FULFILLED, ResolutionCode.CANCELLED]
REQ_CODE_WEIGHTS = [92, 8]
INC_CHANNELS = [Channel.PHONE, Channel.EMAIL, Channel.SELF_SERVICE, Channel.WALK_IN, Channel.EVENT]
INC_CHANNEL_WEIGHTS = [36, 30, 18, 7, 9]
REQ_CHANNELS = [Channel.SELF_SERVICE, Channel.EMAIL, Channel.PHONE, Channel.WALK_IN]
REQ_CHANNEL_WEIGHTS = [50, 30, 15, 5]
NOTE_COUNTS = [0, 1, 2, 3, 4]
NOTE_COUNT_WEIGHTS = [20, 30, 25, 15, 10]
# per priority rank: time to first response, and time worked to resolution
RESPOND = {1: (120, 900), 2: (300, 1800), 3: (600, 2 * HOUR), 4: (1200, 4 * HOUR), 5: (1800, 8 * HOUR)}
WORK = {
    1: (1800, 4 * HOUR),
    2: (HOUR, 8 * HOUR),
    3: (2 * HOUR, DAY),
    4: (4 * HOUR, 3 * DAY),
    5: (8 * HOUR, 5 * DAY),
}
PICKUP = (60, HOUR)  # assigned -> in-progress
PENDING_FOR = (HOUR, 2 * DAY)
CLOSE_AFTER = (DAY, 3 * DAY)  # resolved -> closed (the caller confirms or the desk auto-closes)
# the share of each local hour of day at which calls arrive
HOUR_WEIGHTS = [
    0.04, 0.03, 0.03, 0.03, 0.03, 0.05, 0.1, 0.3, 0.8, 1.0, 1.0, 0.9,
    0.6, 0.8, 1.0, 1.0, 0.9, 0.8, 0.5, 0.3, 0.2, 0.15, 0.08, 0.05,
]  # fmt: skip

# the order in which update_ticket audits the fields of one change
FIELD_ORDER = ("workaround", "major", "levels", "parent", "group", "assignee", "status")


def _cum(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


_BY_AGE_CUM = [(limit, _cum(w)) for limit, w in BY_AGE]


def _is_chinese(value: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in value)


def _ascii(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def desk_is_empty(desk: Desk) -> bool:
    """True when the desk holds no tickets, services or contacts (agents and groups may exist)."""
    with desk.reading() as s:
        return not _held(s)


def generate_demo(
    desk: Desk,
    *,
    tickets: int = 2000,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty desk with a realistic one; the same seed on the same clock gives the same rows."""
    if not 0 <= tickets <= MAX_TICKETS:
        raise InvalidInput(f"the demo makes between 0 and {MAX_TICKETS} tickets, not {tickets}")
    started = time.perf_counter()
    with desk.writing() as uow:
        access.require(uow, Action.DEMO_SEED)
        held = _held(uow.session)
        if held:
            raise InvalidInput(
                f"this desk already holds {' and '.join(held)}, and demo data only goes into an empty "
                "one; point --db at a new database"
            )
        counts = _Generator(uow, desk.matrix, random.Random(seed), tickets, progress).run()
    return DemoSummary(**counts, seconds=round(time.perf_counter() - started, 3))


def _held(s: Session) -> list[str]:
    held = []
    for label, column in (("tickets", Ticket.id), ("services", Service.id), ("contacts", Contact.id)):
        if s.scalar(select(column).limit(1)) is not None:
            held.append(label)
    return held


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class _Svc:
    __slots__ = ("ci_ids", "group_id", "id", "impact_weights", "incidents", "name", "requests")

    def __init__(self, sid: int, name: str, group_id: int, criticality: Criticality) -> None:
        self.id, self.name, self.group_id = sid, name, group_id
        self.impact_weights = IMPACT_BY_CRITICALITY[criticality]
        self.ci_ids: list[int] = []
        self.incidents, self.requests = TITLES.get(name, ([], []))


class _Plan:
    """A ticket before it is made: when it opens, what it is, what it must end as."""

    __slots__ = (
        "age",
        "code",
        "id",
        "kind",
        "levels",
        "parent",
        "reason",
        "ref",
        "resolution",
        "resolve_in",
        "resolved_at",
        "resolver",
        "role",
        "service",
        "status",
        "title",
    )

    def __init__(self, age: int, kind: TicketKind, role: str = "") -> None:
        self.age, self.kind, self.role = age, kind, role
        self.parent: _Plan | None = None
        self.resolve_in: int | None = None
        self.status: TicketStatus | None = None
        self.reason: PendingReason | None = None
        self.levels: tuple[Level, Level] | None = None
        self.title: str | None = None
        self.service: _Svc | None = None
        self.id = 0
        self.ref = ""
        self.resolved_at: int | None = None
        self.code: ResolutionCode | None = None
        self.resolution: str | None = None
        self.resolver = 0


class _State:
    """A ticket while its history is simulated; times are epoch seconds."""

    __slots__ = (
        "assignee",
        "closed_at",
        "group",
        "impact",
        "last_at",
        "major",
        "parent",
        "pending_reason",
        "priority",
        "reopen_count",
        "resolution",
        "resolution_code",
        "resolved_at",
        "responded_at",
        "status",
        "tier",
        "urgency",
        "version",
        "workaround",
    )

    def __init__(self) -> None:
        self.status = S.NEW
        self.group: int | None = None
        self.tier = Tier.T1
        self.assignee: int | None = None
        self.impact = L.MEDIUM
        self.urgency = L.MEDIUM
        self.priority = Priority.P3
        self.major = False
        self.parent: _Plan | None = None
        self.workaround: str | None = None
        self.pending_reason: PendingReason | None = None
        self.resolution_code: ResolutionCode | None = None
        self.resolution: str | None = None
        self.responded_at: int | None = None
        self.resolved_at: int | None = None
        self.closed_at: int | None = None
        self.reopen_count = 0
        self.version = 1
        self.last_at = 0


Step = tuple[int, int, dict[str, Any]]  # (at or duration, actor id, changes)


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class _Generator:
    def __init__(
        self,
        uow: UnitOfWork,
        matrix: PriorityMatrix,
        rng: random.Random,
        tickets: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.s = uow.session
        self.actor = uow.actor
        self.r = rng
        self.n = tickets
        self.progress = progress
        self.now = int(uow.now.timestamp())
        self.prio = {(i, u): matrix.priority(i, u) for i, u in LEVEL_COMBOS}
        self.audit: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.next_audit = self._max(AuditEntry.id) + 1
        self.next_note = self._max(Note.id) + 1
        self.counts = dict.fromkeys(
            ("agents", "groups", "contacts", "services", "cis", "tickets", "notes", "audit_entries"), 0
        )
        self.login: dict[int, str] = {self.actor.id: self.actor.login}
        self.group_name: dict[int, str] = {}
        self.group_tier: dict[int, Tier] = {}
        self.members: dict[int, list[int]] = {}
        self.lead: dict[int, int] = {}

    def _max(self, column: Any) -> int:
        return int(self.s.scalar(select(func.max(column))) or 0)

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """One Core executemany (the table, not the ORM class: no per-row ORM bookkeeping)."""
        if rows:
            self.s.execute(insert(model.__table__), rows)

    def _flush_audit(self) -> None:
        self._insert(AuditEntry, self.audit)
        self.counts["audit_entries"] += len(self.audit)
        self.audit = []

    def _log(self, at: int, actor: int, kind: str, rid: int, ref: str | None, fld: str, new: str) -> None:
        self.audit.append(
            {
                "id": self.next_audit,
                "at": _dt(at),
                "actor_id": actor,
                "record_kind": kind,
                "record_id": rid,
                "record_ref": ref,
                "field": fld,
                "old": None,
                "new": new,
                "version": None,
            }
        )
        self.next_audit += 1

    def run(self) -> dict[str, int]:
        self._people()
        self._contacts()
        self._catalogue()
        self._flush_audit()
        self._tickets()
        self._fix_sequences()
        return self.counts

    # -- people ------------------------------------------------------------------------------

    def _people(self) -> None:
        r, s = self.r, self.s
        taken = set(s.scalars(select(Agent.login)))
        next_id = self._max(Agent.id) + 1
        by_login: dict[str, int] = {}
        agent_rows = []
        for i, (login, name, cost, _groups) in enumerate(AGENTS):
            unique = login
            while unique in taken:
                unique += "-demo"
            taken.add(unique)
            by_login[login] = next_id
            self.login[next_id] = unique
            agent_rows.append(
                {
                    "id": next_id,
                    "login": unique,
                    "display_name": name,
                    "email": f"{login}@{DOMAIN}",
                    "phone": f"+86 21 6080 {1100 + i * 7}",
                    "cost_per_hour": Decimal(cost),
                    "active": True,
                    "os_uid": None,
                    "created_at": _dt(self.now - r.randint(120, 1500) * DAY),
                }
            )
            next_id += 1
        self._insert(Agent, agent_rows)
        self.counts["agents"] = len(agent_rows)

        existing = {
            name: (gid, tier) for gid, name, tier in s.execute(select(Group.id, Group.name, Group.tier))
        }
        next_id = self._max(Group.id) + 1
        by_name: dict[str, int] = {}
        group_rows = []
        for name, tier, description in GROUPS:
            if name in existing:  # an admin made it already: use it as it is
                gid, tier = existing[name]
            else:
                gid = next_id
                next_id += 1
                group_rows.append(
                    {
                        "id": gid,
                        "name": name,
                        "tier": tier,
                        "lead_id": by_login[LEADS[name]],
                        "description": description,
                    }
                )
            by_name[name] = gid
            self.group_name[gid] = name
            self.group_tier[gid] = Tier(tier)
            self.lead[gid] = by_login[LEADS[name]]
            self.members[gid] = []
        self._insert(Group, group_rows)
        self.counts["groups"] = len(group_rows)

        pairs = {(gid, aid) for gid, aid in s.execute(select(GroupMember.group_id, GroupMember.agent_id))}
        member_rows = []
        for login, _name, _cost, groups in AGENTS:
            for group in groups:
                gid, aid = by_name[group], by_login[login]
                self.members[gid].append(aid)
                member_rows.append({"group_id": gid, "agent_id": aid})
        sd = by_name[SERVICE_DESK]
        self.members[sd].append(self.actor.id)
        if (sd, self.actor.id) not in pairs:  # the person running the demo works the desk too
            member_rows.append({"group_id": sd, "agent_id": self.actor.id})
        self._insert(GroupMember, member_rows)
        self.groups = by_name
        self.by_login = by_login
        self.sd = sd
        # the acting agent takes a double share of the service desk's calls
        self.sd_pool = [*self.members[sd], self.actor.id]

    def _contacts(self) -> None:
        r = self.r
        total = min(1200, 300 + max(0, self.n - 2000) // 100)
        chinese = round(total * 0.55)
        cn = r.sample([(s, g) for s in SURNAMES for g in GIVEN_NAMES], chinese)
        west = r.sample([(f, la) for f in FIRST_NAMES for la in LAST_NAMES], total - chinese)
        people: list[tuple[str, str, bool]] = [(s[0] + g[0], f"{g[1]}.{s[1]}".lower(), True) for s, g in cn]
        people += [(f"{f} {la}", f"{_ascii(f)}.{_ascii(la)}", False) for f, la in west]
        r.shuffle(people)
        next_id = self._max(Contact.id) + 1
        rows = []
        self.contacts: list[tuple[int, bool]] = []  # (id, has email)
        for i, (name, local, is_cn) in enumerate(people):
            cid = next_id + i
            vip = r.random() < 0.04
            email = f"{local}@{DOMAIN}" if r.random() < 0.95 else None
            if r.random() < 0.92:
                if is_cn:
                    mobile = f"1{r.choice('3589')}{r.randint(0, 9)}"
                    phone = f"+86 {mobile} {r.randint(0, 9999):04d} {r.randint(0, 9999):04d}"
                else:
                    phone = f"+44 20 7946 {r.randint(0, 999):04d}"
            else:
                phone = None
            created = self.now - r.randint(30, 900) * DAY
            rows.append(
                {
                    "id": cid,
                    "name": name,
                    "email": email,
                    "phone": phone,
                    "organisation": EXECUTIVE_OFFICE if vip and r.random() < 0.7 else r.choice(ORGANISATIONS),
                    "vip": vip,
                    "created_at": _dt(created),
                }
            )
            self._log(created, self.actor.id, "contact", cid, None, "created", name)
            self.contacts.append((cid, email is not None))
        self._insert(Contact, rows)
        self.counts["contacts"] = len(rows)

    # -- catalogue ---------------------------------------------------------------------------

    def _catalogue(self) -> None:
        r, s, me = self.r, self.s, self.actor.id
        by_login = self.by_login
        next_id = self._max(Service.id) + 1
        rows = []
        self.services: list[_Svc] = []
        self.svc_weights: list[int] = []
        by_name: dict[str, _Svc] = {}
        for i, (name, group, owner, crit, life, weight, business, technical) in enumerate(SERVICES):
            sid = next_id + i
            rows.append(
                {
                    "id": sid,
                    "name": name,
                    "business_description": business,
                    "technical_description": technical,
                    "owner_id": by_login[owner],
                    "support_group_id": self.groups[group],
                    "lifecycle_status": life,
                    "criticality": crit,
                }
            )
            self._log(self.now - r.randint(400, 800) * DAY, me, "service", sid, name, "created", name)
            svc = _Svc(sid, name, self.groups[group], crit)
            by_name[name] = svc
            if weight:
                self.services.append(svc)
                self.svc_weights.append(weight)
        self._insert(Service, rows)
        self.counts["services"] = len(rows)
        self.svc_cum = _cum(self.svc_weights)
        self.svc_by_name = by_name

        taken = set(s.scalars(select(ConfigurationItem.name)))
        next_id = self._max(ConfigurationItem.id) + 1
        ci_id: dict[str, int] = {}
        ci_name: dict[int, str] = {}
        rows = []
        for i, (name, ci_type, group, status) in enumerate(CIS):
            unique = name
            while unique in taken:
                unique += "-demo"
            cid = next_id + i
            ci_id[name], ci_name[cid] = cid, unique
            rows.append(
                {
                    "id": cid,
                    "name": unique,
                    "ci_type": ci_type,
                    "status": status,
                    "owner_group_id": self.groups[group],
                }
            )
            self._log(self.now - r.randint(300, 700) * DAY, me, "ci", cid, unique, "created", unique)
        self._insert(ConfigurationItem, rows)
        self.counts["cis"] = len(rows)

        links = []
        for svc_name, names in SERVICE_CIS.items():
            svc = by_name[svc_name]
            for name in names:
                cid = ci_id[name]
                svc.ci_ids.append(cid)
                links.append({"service_id": svc.id, "ci_id": cid})
                self._log(self.now - 300 * DAY, me, "ci", cid, ci_name[cid], "service", svc_name)
        self._insert(ServiceCI, links)

        next_id = self._max(CIRelationship.id) + 1
        rels = []
        for i, (src, relation, dst) in enumerate(RELATIONS):
            rels.append(
                {"id": next_id + i, "source_id": ci_id[src], "relation": relation, "target_id": ci_id[dst]}
            )
            self._log(
                self.now - 290 * DAY,
                me,
                "ci",
                ci_id[src],
                ci_name[ci_id[src]],
                relation.value,
                ci_name[ci_id[dst]],
            )
        self._insert(CIRelationship, rels)

    # -- planning ----------------------------------------------------------------------------

    def _age(self, lo: int, hi: int) -> int:
        """Seconds before now at which a call arrives: mostly in office hours, fewer at weekends."""
        r = self.r
        while True:
            age = r.randint(lo, hi)
            local = self.now - age + UTC_OFFSET
            weight = HOUR_WEIGHTS[(local // HOUR) % 24]
            if (local // DAY + 3) % 7 >= 5:  # 1970-01-01 was a Thursday
                weight *= 0.25
            if r.random() < weight:
                return age

    def _plans(self) -> list[_Plan]:
        r, n = self.r, self.n
        sets = 0 if n < 40 else max(2, n // 500)
        sizes = [r.randint(2, 5) for _ in range(sets)]
        while sizes and sum(sizes) + len(sizes) > n // 4:  # at most a quarter of the tickets
            largest = max(range(len(sizes)), key=sizes.__getitem__)
            if sizes[largest] > 2:
                sizes[largest] -= 1
            else:
                sizes.pop()
        plans: list[_Plan] = []
        for i, size in enumerate(sizes):
            ongoing = len(sizes) >= 2 and i == len(sizes) - 1
            if ongoing:  # a major incident in progress right now, with its callers linked to it
                parent = _Plan(r.randint(2 * HOUR, 6 * HOUR), K.INCIDENT, "parent")
            else:
                parent = _Plan(self._age(2 * DAY, WINDOW - DAY), K.INCIDENT, "parent")
                parent.resolve_in = r.randint(90 * 60, 8 * HOUR)
            svc_name, parent.title = r.choice(MAJOR_TITLES)
            parent.service = self.svc_by_name[svc_name]
            parent.levels = (L.HIGH, L.HIGH)
            plans.append(parent)
            spread = min(HOUR, int(0.4 * parent.resolve_in)) if parent.resolve_in else HOUR
            for _ in range(size):
                child = _Plan(parent.age - r.randint(60, spread), K.INCIDENT, "child")
                child.parent, child.service = parent, parent.service
                child.levels = (r.choice((L.MEDIUM, L.LOW)), r.choice((L.HIGH, L.MEDIUM)))
                plans.append(child)
        single = [
            _Plan(self._age(MIN_AGE, WINDOW), K.INCIDENT if r.random() < 0.8 else K.REQUEST)
            for _ in range(n - len(plans))
        ]
        plans = sorted(plans + single, key=lambda p: -p.age)  # oldest first; stable, so deterministic
        single = [p for p in plans if not p.role]
        self._force(single)
        return plans

    def _force(self, single: list[_Plan]) -> None:
        """Make sure small demos show every status, pending reason, priority and hostile title."""
        r = self.r
        wanted: list[tuple[TicketStatus, PendingReason | None]] = [
            (S.NEW, None),
            (S.ASSIGNED, None),
            (S.IN_PROGRESS, None),
            *((S.PENDING, reason) for reason in REASONS),
            (S.RESOLVED, None),
        ]
        recent = single[-max(3 * len(wanted), len(single) // 8) :]
        for p, (status, reason) in zip(r.sample(recent, min(len(recent), len(wanted))), wanted, strict=False):
            p.status, p.reason = status, reason
        older = [p for p in single if p.status is None]
        if older:
            r.choice(older[: max(1, len(older) // 2)]).status = S.CLOSED
        for p, levels in zip(r.sample(single, min(len(single), 9)), LEVEL_COMBOS, strict=False):
            p.levels = levels
        for p, title in zip(r.sample(single, min(len(single), 4)), HOSTILE_TITLES, strict=False):
            p.title = title

    # -- tickets -----------------------------------------------------------------------------

    def _tickets(self) -> None:
        plans = self._plans()
        first_id = self._max(Ticket.id) + 1
        counters = {name: value for name, value in self.s.execute(select(RefCounter.name, RefCounter.value))}
        number = {K.INCIDENT: int(counters.get("INC", 0)), K.REQUEST: int(counters.get("REQ", 0))}
        for i, p in enumerate(plans):
            p.id = first_id + i
            number[p.kind] += 1
            p.ref = f"{p.kind.prefix}-{number[p.kind]}"
        for start in range(0, len(plans), BATCH):
            rows = [self._ticket(p) for p in plans[start : start + BATCH]]
            self._insert(Ticket, rows)
            self._insert(Note, self.notes)
            self._flush_audit()
            self.counts["tickets"] += len(rows)
            self.counts["notes"] += len(self.notes)
            self.notes = []
            if self.progress is not None:
                self.progress(self.counts["tickets"], self.n)
        for kind, prefix in ((K.INCIDENT, "INC"), (K.REQUEST, "REQ")):
            if prefix in counters:
                self.s.execute(update(RefCounter).where(RefCounter.name == prefix).values(value=number[kind]))
            else:
                self.s.execute(insert(RefCounter).values(name=prefix, value=number[kind]))

    def _pick(self, gid: int) -> int:
        return (
            self.sd_pool[self.r.randrange(len(self.sd_pool))]
            if gid == self.sd
            else self.r.choice(self.members[gid])
        )

    def _target(self, age: int) -> TicketStatus:
        days = age / DAY
        for limit, cum in _BY_AGE_CUM:
            if days < limit:
                return STATUSES[bisect(cum, self.r.random() * cum[-1])]
        raise AssertionError("unreachable")

    def _resolution(self, kind: TicketKind, zh: bool) -> dict[str, Any]:
        r = self.r
        if kind is K.INCIDENT:
            code = r.choices(INC_CODES, INC_CODE_WEIGHTS)[0]
        else:
            code = r.choices(REQ_CODES, REQ_CODE_WEIGHTS)[0]
        en, cn = RESOLUTIONS[code]
        change: dict[str, Any] = {
            "status": S.RESOLVED,
            "resolution_code": code,
            "resolution": r.choice(cn if zh and cn else en),
        }
        if code is ResolutionCode.WORKAROUND:
            change["workaround"] = r.choice(WORKAROUNDS)
        return change

    def _ticket(self, p: _Plan) -> dict[str, Any]:
        r = self.r
        opened = self.now - p.age
        kind = p.kind
        svc = p.service
        if svc is None:
            svc = self.services[bisect(self.svc_cum, r.random() * self.svc_cum[-1])]
        if p.role == "parent":
            title, category = p.title or "", "Outage"
        else:
            templates = svc.requests if kind is K.REQUEST else svc.incidents
            if not templates:
                templates = svc.incidents or svc.requests
            title, category = r.choice(templates)
            if "{dept}" in title:
                title = title.replace("{dept}", r.choice(ORGANISATIONS))
            if p.title is not None:
                title = p.title
        zh = _is_chinese(title)
        if p.title in HOSTILE_TITLES:
            description = HOSTILE_DESCRIPTION
        elif p.role == "parent":
            description = MAJOR_DESCRIPTION
        else:
            pool = DESCRIPTIONS_ZH if zh else DESCRIPTIONS_EN
            description = " ".join(r.sample(pool, r.randint(1, 2)))
        caller, caller_email = self.contacts[r.randrange(len(self.contacts))]
        if kind is K.INCIDENT:
            channel = r.choices(INC_CHANNELS, INC_CHANNEL_WEIGHTS)[0]
            ci = (
                r.choice(svc.ci_ids)
                if svc.ci_ids and (channel is Channel.EVENT or r.random() < 0.6)
                else None
            )
            if channel is Channel.EVENT and ci is None:
                channel = Channel.PHONE
        else:
            channel = r.choices(REQ_CHANNELS, REQ_CHANNEL_WEIGHTS)[0]
            ci = None
        if p.levels is not None:
            impact, urgency = p.levels
        elif kind is K.INCIDENT:
            impact, urgency = r.choices(LEVELS, svc.impact_weights)[0], r.choices(LEVELS, (20, 50, 30))[0]
        else:
            impact, urgency = r.choices(LEVELS, (3, 27, 70))[0], r.choices(LEVELS, (5, 45, 50))[0]
        created_by = self._pick(self.sd)

        t = _State()
        target = S.NEW
        first_group: int | None = self.sd
        if not p.role:
            target = p.status if p.status is not None else self._target(p.age)
            if channel is Channel.EVENT:
                first_group = svc.group_id
            elif target is S.NEW and r.random() < 0.1:
                first_group = None  # logged but not yet routed
            else:
                first_group = self.sd
        initial = (impact, urgency)
        if p.role == "" and target not in (S.NEW, S.ASSIGNED) and r.random() < 0.12:
            initial = r.choice(LEVEL_COMBOS)  # classified again once worked on
        t.impact, t.urgency = initial
        t.priority = self.prio[initial]
        t.group = first_group
        t.tier = self.group_tier[first_group] if first_group is not None else Tier.T1
        t.last_at = opened

        # version 1: what log_incident writes
        base = {"record_kind": "ticket", "record_id": p.id, "record_ref": p.ref, "version": 1}
        for fld, new in (
            ("created", p.ref),
            ("status", S.NEW.value),
            ("priority", t.priority.value),
            ("group", self.group_name[first_group] if first_group is not None else None),
        ):
            if new is not None:
                self.audit.append(
                    {"id": self.next_audit, "at": _dt(opened), "actor_id": created_by, "field": fld}
                    | base
                    | {"old": None, "new": new}
                )
                self.next_audit += 1

        if p.role == "parent":
            steps = self._parent_steps(p, opened, svc, zh)
        elif p.role == "child":
            steps = self._child_steps(p, opened)
        else:
            steps = self._layout(
                opened,
                self._steps(p, t, target, kind, (impact, urgency), created_by, svc, zh),
            )
        for at, actor, change in steps:
            self._apply(p, t, at, actor, change)
        if p.role == "parent":
            p.resolved_at, p.code, p.resolution = t.resolved_at, t.resolution_code, t.resolution
        updated = self._notes(p, t, opened, created_by, caller_email, zh)

        return {
            "id": p.id,
            "ref": p.ref,
            "kind": kind,
            "number": int(p.ref.split("-")[1]),
            "title": title,
            "description": description,
            "caller_id": caller,
            "channel": channel,
            "category": category,
            "service_id": svc.id,
            "ci_id": ci,
            "impact": t.impact,
            "urgency": t.urgency,
            "priority": t.priority,
            "status": t.status,
            "pending_reason": t.pending_reason,
            "group_id": t.group,
            "assignee_id": t.assignee,
            "tier": t.tier,
            "major": t.major,
            "parent_id": t.parent.id if t.parent is not None else None,
            "workaround": t.workaround,
            "resolution_code": t.resolution_code,
            "resolution": t.resolution,
            "opened_at": _dt(opened),
            "updated_at": _dt(updated),
            "responded_at": _dt(t.responded_at) if t.responded_at is not None else None,
            "resolved_at": _dt(t.resolved_at) if t.resolved_at is not None else None,
            "closed_at": _dt(t.closed_at) if t.closed_at is not None else None,
            "reopen_count": t.reopen_count,
            "created_by_id": created_by,
            "version": t.version,
        }

    def _steps(
        self,
        p: _Plan,
        t: _State,
        target: TicketStatus,
        kind: TicketKind,
        final: tuple[Level, Level],
        created_by: int,
        svc: _Svc,
        zh: bool,
    ) -> list[Step]:
        """The history of an ordinary ticket as (duration, actor, change) steps ending in ``target``."""
        r = self.r
        u = r.randint
        rank = self.prio[final].rank
        respond, work = RESPOND[rank], WORK[rank]
        group = t.group
        support = svc.group_id
        steps: list[Step] = []
        if kind is K.INCIDENT and rank == 1 and final == (t.impact, t.urgency) and r.random() < 0.25:
            steps.append((u(60, 600), self.lead[self.sd], {"major": True}))
        if target is S.NEW:
            if group == self.sd and support != self.sd and r.random() < 0.15:
                steps.append((u(*respond), created_by, {"group": support}))
            return steps
        assert group is not None
        if target in (S.RESOLVED, S.CLOSED) and group == self.sd and r.random() < 0.3 and not steps:
            # resolved at first contact by the service desk
            agent = created_by
            steps.append((u(120, 1800), agent, {"assignee": agent} | self._resolution(kind, zh)))
        else:
            direct = False
            if support != group and r.random() < (0.45 if kind is K.INCIDENT else 0.3):
                group, agent = support, self._pick(support)
                steps.append(
                    (u(*respond), created_by, {"group": group, "assignee": agent, "status": S.ASSIGNED})
                )
            else:
                agent = self._pick(group)
                direct = target is not S.ASSIGNED and r.random() < 0.3
                status = S.IN_PROGRESS if direct else S.ASSIGNED
                steps.append(
                    (u(*respond), agent if direct else created_by, {"assignee": agent, "status": status})
                )
            if target is S.ASSIGNED:
                return steps
            if not direct:
                steps.append((u(*PICKUP), agent, {"status": S.IN_PROGRESS}))
            if final != (t.impact, t.urgency):
                steps.append((u(300, HOUR), agent, {"levels": final}))
            higher = None
            if group == self.sd and support != self.sd and r.random() < 0.15:
                higher = support  # the desk tried first, then escalated
            elif self.group_tier[group] is Tier.T2 and r.random() < 0.06:
                higher = self.groups[
                    "Vendor - Cisco" if self.group_name[group] == "Network" else "Architecture"
                ]
            if higher is not None:
                group, new_agent = higher, self._pick(higher)
                steps.append(
                    (u(*work) // 3, agent, {"group": group, "assignee": new_agent, "status": S.ASSIGNED})
                )
                agent = new_agent
                steps.append((u(*PICKUP), agent, {"status": S.IN_PROGRESS}))
            if target is not S.PENDING and r.random() < 0.25:
                reason = r.choices(REASONS, REASON_WEIGHTS)[0]
                steps.append((u(*work) // 3, agent, {"status": S.PENDING, "pending_reason": reason}))
                steps.append((u(*PENDING_FOR), agent, {"status": S.IN_PROGRESS}))
            if target is S.IN_PROGRESS:
                return steps
            if target is S.PENDING:
                reason = p.reason or r.choices(REASONS, REASON_WEIGHTS)[0]
                steps.append((u(*work) // 3, agent, {"status": S.PENDING, "pending_reason": reason}))
                return steps
            steps.append((u(*work), agent, self._resolution(kind, zh)))
            if r.random() < 0.04:  # the caller says it is not fixed after all
                steps.append((u(HOUR, DAY), agent, {"status": S.IN_PROGRESS}))
                steps.append((u(*work) // 2, agent, self._resolution(kind, zh)))
        if target is S.CLOSED:
            steps.append((u(*CLOSE_AFTER), self._pick(self.sd), {"status": S.CLOSED}))
        return steps

    def _layout(self, opened: int, steps: list[Step]) -> list[Step]:
        """Durations to times, squeezed to fit between the opening and a minute before now."""
        total = sum(d for d, _, _ in steps)
        room = self.now - SLACK - opened
        # a squeezed history ends somewhere in the ticket's life, not all of them a minute ago
        scale = room * self.r.uniform(0.4, 1.0) / total if total > room else 1.0
        out: list[Step] = []
        cum, prev = 0, opened
        for d, actor, change in steps:
            cum += d
            at = max(opened + int(cum * scale), prev + 1)
            out.append((at, actor, change))
            prev = at
        return out

    def _parent_steps(self, p: _Plan, opened: int, svc: _Svc, zh: bool) -> list[Step]:
        """A major incident: flagged, routed to its support group, worked, resolved and closed."""
        r, u = self.r, self.r.randint
        sd_lead = self.lead[self.sd]
        group = svc.group_id
        agent = self.lead[group] if group != self.sd else sd_lead
        t1 = opened + u(120, 480)
        t2 = t1 + u(180, 900)
        t3 = t2 + u(60, 600)
        steps: list[Step] = [
            (t1, sd_lead, {"major": True}),
            (t2, sd_lead, {"group": group, "assignee": agent, "status": S.ASSIGNED}),
            (t3, agent, {"status": S.IN_PROGRESS}),
        ]
        resolved = opened + p.resolve_in if p.resolve_in is not None else None
        end = resolved if resolved is not None else self.now - SLACK
        if r.random() < 0.6 and t3 + 1800 < end:
            steps.append(
                (t3 + int((end - t3) * r.uniform(0.3, 0.6)), agent, {"workaround": r.choice(WORKAROUNDS)})
            )
        if resolved is not None:
            code = r.choice((ResolutionCode.FIXED, ResolutionCode.CHANGE))
            words = r.choice(RESOLUTIONS[code][1 if zh else 0])
            steps.append(
                (resolved, agent, {"status": S.RESOLVED, "resolution_code": code, "resolution": words})
            )
            p.resolver = agent
            closed = resolved + u(*CLOSE_AFTER)
            if closed <= self.now - SLACK:
                steps.append((closed, sd_lead, {"status": S.CLOSED}))
        return steps

    def _child_steps(self, p: _Plan, opened: int) -> list[Step]:
        """A caller hit by a major incident: linked to it, and resolved with it."""
        r = self.r
        parent = p.parent
        assert parent is not None
        resolved = parent.resolved_at
        cap = resolved if resolved is not None else self.now - SLACK
        linked = opened + max(1, int((cap - opened) * r.uniform(0.05, 0.25)))
        steps: list[Step] = [(linked, self._pick(self.sd), {"parent": parent})]
        if r.random() < 0.5:
            agent = self._pick(self.sd)
            at = linked + max(1, int((cap - linked) * r.uniform(0.05, 0.3)))
            steps.append((at, agent, {"assignee": agent, "status": S.ASSIGNED}))
        if resolved is not None and parent.code is not None:
            steps.append(
                (
                    resolved,
                    parent.resolver,
                    {
                        "status": S.RESOLVED,
                        "resolution_code": parent.code,
                        "resolution": f"Resolved with parent {parent.ref}: {parent.resolution}",
                    },
                )
            )
            closed = resolved + r.randint(*CLOSE_AFTER)
            if closed <= self.now - SLACK:
                steps.append((closed, self._pick(self.sd), {"status": S.CLOSED}))
        return steps

    def _apply(self, p: _Plan, t: _State, at: int, actor: int, change: dict[str, Any]) -> None:
        """One update: set the fields, bump the version once, audit each changed field."""
        items: list[tuple[str, str | None, str | None]] = []
        for key in FIELD_ORDER:
            if key not in change:
                continue
            new = change[key]
            if key == "major":
                if new != t.major:
                    items.append(("major", "yes" if t.major else "no", "yes" if new else "no"))
                    t.major = new
            elif key == "levels":
                impact, urgency = new
                priority = self.prio[new]
                for fld, old, value in (
                    ("impact", t.impact, impact),
                    ("urgency", t.urgency, urgency),
                    ("priority", t.priority, priority),
                ):
                    if old != value:
                        items.append((fld, old.value, value.value))
                t.impact, t.urgency, t.priority = impact, urgency, priority
            elif key == "parent":
                old_ref = t.parent.ref if t.parent is not None else None
                if new is not t.parent:
                    items.append(("parent", old_ref, new.ref if new is not None else None))
                    t.parent = new
            elif key == "workaround":
                if new != t.workaround:
                    items.append(("workaround", t.workaround, new))
                    t.workaround = new
            elif key == "group":
                if new != t.group:
                    items.append(
                        (
                            "group",
                            self.group_name[t.group] if t.group is not None else None,
                            self.group_name[new],
                        )
                    )
                    tier = self.group_tier[new]
                    if tier != t.tier:
                        items.append(("tier", t.tier.value, tier.value))
                    t.group, t.tier = new, tier
            elif key == "assignee":
                if new != t.assignee:
                    if t.group is None or new not in self.members[t.group]:
                        raise AssertionError(f"demo: {self.login[new]} is not a member of the ticket's group")
                    items.append(
                        ("assignee", self.login[t.assignee] if t.assignee else None, self.login[new])
                    )
                    t.assignee = new
            elif key == "status":
                self._move(t, at, new, change, items)
        if not items:
            return
        t.version += 1
        t.last_at = at
        stamp = _dt(at)
        for fld, old, new in items:
            self.audit.append(
                {
                    "id": self.next_audit,
                    "at": stamp,
                    "actor_id": actor,
                    "record_kind": "ticket",
                    "record_id": p.id,
                    "record_ref": p.ref,
                    "field": fld,
                    "old": old,
                    "new": new,
                    "version": t.version,
                }
            )
            self.next_audit += 1

    def _move(
        self,
        t: _State,
        at: int,
        new: TicketStatus,
        change: dict[str, Any],
        items: list[tuple[str, str | None, str | None]],
    ) -> None:
        old = t.status
        if new not in TRANSITIONS[old]:
            raise AssertionError(f"demo: illegal transition {old.value} -> {new.value}")
        if new is S.ASSIGNED and t.assignee is None:
            raise AssertionError("demo: assigned without an assignee")
        if old is S.RESOLVED and new is S.IN_PROGRESS:  # reopened
            t.reopen_count += 1
            items.append(("resolution_code", t.resolution_code.value if t.resolution_code else None, None))
            items.append(("resolution", t.resolution, None))
            t.resolution_code = t.resolution = None
            t.resolved_at = None
        items.append(("status", old.value, new.value))
        t.status = new
        reason = change.get("pending_reason") if new is S.PENDING else None
        if reason != t.pending_reason:
            items.append(
                (
                    "pending_reason",
                    t.pending_reason.value if t.pending_reason else None,
                    reason.value if reason else None,
                )
            )
            t.pending_reason = reason
        if new is S.RESOLVED:
            code, resolution = change["resolution_code"], change["resolution"]
            items.append(("resolution_code", None, code.value))
            items.append(("resolution", None, resolution))
            t.resolution_code, t.resolution = code, resolution
            t.resolved_at = at
        if new is S.CLOSED:
            t.closed_at = at
        if t.responded_at is None:
            t.responded_at = at

    def _notes(self, p: _Plan, t: _State, opened: int, created_by: int, caller_email: bool, zh: bool) -> int:
        """0-4 worklog entries; returns the ticket's updated_at."""
        r = self.r
        count = r.choices(NOTE_COUNTS, NOTE_COUNT_WEIGHTS)[0]
        if t.status is S.NEW:
            count = min(count, 1)
        if p.role == "child":
            count = min(count, 1)
        if not count:
            return t.last_at
        lo = t.responded_at if t.responded_at is not None else opened + 1
        hi = t.closed_at if t.closed_at is not None else self.now - SLACK
        if hi < lo:
            hi = lo
        internal = NOTES_INTERNAL_ZH if zh else NOTES_INTERNAL_EN
        public = NOTES_PUBLIC_ZH if zh else NOTES_PUBLIC_EN
        updated = t.last_at
        for at in sorted(r.randint(lo, hi) for _ in range(count)):
            is_public = t.responded_at is not None and r.random() < 0.4
            if t.assignee is not None:
                author = t.assignee
            elif t.group is not None:
                author = self._pick(t.group)
            else:
                author = created_by
            if is_public:
                channel = Channel.EMAIL if caller_email and r.random() < 0.75 else Channel.PHONE
                body = r.choice(public)
                minutes = r.choice((0, 5, 10))
            else:
                channel = None
                body = r.choice(internal)
                minutes = r.choice((5, 10, 15, 20, 30, 45, 60, 90))
            self.notes.append(
                {
                    "id": self.next_note,
                    "ticket_id": p.id,
                    "author_id": author,
                    "visibility": NoteVisibility.PUBLIC if is_public else NoteVisibility.INTERNAL,
                    "channel": channel,
                    "body": body,
                    "minutes": minutes,
                    "created_at": _dt(at),
                }
            )
            self.next_note += 1
            updated = max(updated, at)
        return updated

    # -- finishing ---------------------------------------------------------------------------

    def _fix_sequences(self) -> None:
        """PostgreSQL's id sequences do not see explicit ids: move each past the highest one."""
        if self.s.get_bind().dialect.name != "postgresql":
            return
        for table in (
            "agents",
            "groups",
            "contacts",
            "services",
            "configuration_items",
            "ci_relationships",
            "tickets",
            "notes",
            "audit_entries",
        ):
            self.s.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            )
