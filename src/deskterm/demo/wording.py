"""What the demo's callers and agents write: titles per service, descriptions, notes,
resolutions and workarounds, in English and Chinese, and hostile text that must stay text."""

from deskterm.domain.core.vocabulary import ResolutionCode

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
