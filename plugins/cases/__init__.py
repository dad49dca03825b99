"""Cases in chat: cadres answer by quoting a notification or with /答, and manage their to-dos.

(Held answers reach youths through the Q&A plugin's handler, the next time they talk to the bot.)"""

from __future__ import annotations

import nonebot
from nonebot import on_message
from nonebot.adapters.onebot.v11 import Bot, MessageEvent
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

from bot.cases.commands import ALIASES, COMMANDS, CaseCommands
from bot.chat.speaker import Speaker, identify
from bot.runtime import get_runtime
from plugins.qa import PLATFORM, Commands, first_delivery, plain_text, render_text

__plugin_meta__ = PluginMetadata(
    name="青声工单",
    description="团干部处理转人工的问题：引用通知回复即可作答，/待办 查看待处理问题。",
    usage=(
        "引用问题通知直接回复答案\n/答 编号 答案\n/待办\n/认领 编号\n/转 编号 人员\n"
        "/关闭 编号 原因\n/入库 编号\n/统计 [组织编号] [开始日期 [结束日期]]\n"
        "/待审核 /通过 编号 [修改后的答案] /驳回 编号 [原因]（管理员）"
    ),
)


def actor_of(event: MessageEvent) -> Speaker:
    """Who is speaking: a grid person (by QQ number) and/or a superuser."""
    superusers = nonebot.get_driver().config.superusers
    return identify(get_runtime().grid.grid, PLATFORM, str(event.user_id), superusers)


async def _quoted_case(event: MessageEvent) -> int | None:
    if event.reply is None:
        return None
    # Message ids are unique per account: the quoted one is a message of this event's account.
    return await get_runtime().cases.case_for_message(
        PLATFORM, str(event.reply.message_id), str(event.self_id)
    )


async def _quotes_a_case(event: MessageEvent) -> bool:
    # Text that starts with / is a command (or a mistyped one), never an answer.
    if event.reply is None or plain_text(event.message).startswith("/"):
        return False
    return actor_of(event).is_staff and await _quoted_case(event) is not None


async def _for_cases(event: MessageEvent) -> bool:
    return CASE_COMMANDS.parse(event.message) is not None or await _quotes_a_case(event)


CASE_COMMANDS = Commands(*COMMANDS, *ALIASES)
# One matcher with one cheap rule (see `plugins.qa.Commands`).
cases = on_message(rule=Rule(_for_cases), priority=5, block=True)


@cases.handle()
async def handle_cases(bot: Bot, event: MessageEvent) -> None:
    """The cadre commands (and the admins' review of learned entries), or a cadre quoting a
    case notification (the text is the answer). A re-delivered event does nothing."""
    if not await first_delivery(bot, event):
        await cases.finish()
    commands = CaseCommands(get_runtime().cases)
    command = CASE_COMMANDS.parse(event.message)
    if command is not None:
        text = await commands.run(actor_of(event), *command)
    else:
        case_id = await _quoted_case(event)
        assert case_id is not None  # the rule checked it
        text = await commands.answer_quoted(actor_of(event), case_id, plain_text(event.message))
    await cases.finish(render_text(event, text))
