"""The benchmark baseline: a bare NoneBot bot with the same driver and adapter as 青声 and nothing else.

It answers every message that @s it with a fixed text, quoting the question and @-ing the asker,
the same reply shape 青声 uses, so the end-to-end benchmark measures what 青声 adds on top of
NoneBot itself. Run it with `HOST=127.0.0.1 PORT=18080 python -m bot.bench.bare_bot`.
"""

from __future__ import annotations

import nonebot
from nonebot.adapters.onebot.v11 import Adapter, GroupMessageEvent, MessageEvent, MessageSegment
from nonebot.rule import to_me

BARE_REPLY = "收到"


def main() -> None:
    """Start the bare bot on HOST:PORT from the environment (NoneBot's own settings)."""
    nonebot.init(driver="~fastapi")
    nonebot.get_driver().register_adapter(Adapter)

    answer = nonebot.on_message(rule=to_me(), block=True)

    @answer.handle()
    async def _(event: MessageEvent) -> None:
        message = MessageSegment.reply(event.message_id)
        if isinstance(event, GroupMessageEvent):
            message += MessageSegment.at(event.user_id) + " "
        await answer.send(message + BARE_REPLY)

    nonebot.run()


if __name__ == "__main__":
    main()
