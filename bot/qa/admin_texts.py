"""What the Q&A commands say to admins (/重载, /自动答疑)."""

from __future__ import annotations

from bot.faq.service import ReloadReport

AUTO_ASK_ON = "已开启自动答疑：本群所有消息都会被当作提问（无需 @ 我）。"
AUTO_ASK_OFF = "已关闭自动答疑：请 @ 我提问。"
AUTO_ASK_USAGE = "用法：/自动答疑 开 或 /自动答疑 关"
GROUP_ONLY = "这个命令只能在群里使用。"
NOT_GROUP_ADMIN = "只有群主、群管理员或青声管理员可以设置。"
NOT_ADMIN = "只有青声管理员可以使用这个命令。"
MAX_LISTED = 10


def reload_report(report: ReloadReport) -> str:
    """A short Chinese summary of an FAQ reload for admins."""
    if report.ok:
        head = f"FAQ 已重新加载：{report.entries} 条。"
    elif report.applied:
        head = f"FAQ 已加载 {report.entries} 条，但有文件出错，出错的文件暂未启用。请修正以下问题："
    else:
        head = f"FAQ 重新加载失败，仍在使用旧版本（{report.entries} 条）。请修正以下问题："
    errors, warnings = report.errors, report.warnings
    lines = [head]
    lines += [f"❌ {e}" for e in errors[:MAX_LISTED]]
    lines += [f"⚠️ {w}" for w in warnings[: max(0, MAX_LISTED - len(errors))]]
    hidden = len(errors) + len(warnings) - (len(lines) - 1)
    if hidden > 0:
        lines.append(f"……另有 {hidden} 条，请运行 python -m bot.faq check 查看全部。")
    return "\n".join(lines)
