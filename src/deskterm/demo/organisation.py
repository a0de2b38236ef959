"""The demo company: its support groups and agents, callers' names and organisations, and its
service catalogue (services, CIs and their relationships). Data only."""

from deskterm.domain.core.vocabulary import CIRelation, CIStatus, Criticality, LifecycleStatus, Tier

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
# roles an admin would grant (group leads and service owners follow from the records); the CAB
# and ECAB managers decide changes, so they are change managers
ROLES: dict[str, tuple[str, ...]] = {
    "chen.jing": ("desk-manager",),
    "emma.clarke": ("desk-manager",),
    "gao.yuan": ("change-manager",),
    "henrik.larsen": ("change-manager",),
    "yang.fan": ("problem-manager",),
    "he.min": ("problem-manager",),
}
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
