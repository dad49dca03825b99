"""What the conversation hands a surface: a 您是不是想问 menu carries its choices for buttons,
and a text without the numbered list for a surface that shows them as buttons, while its text
keeps the list for surfaces of text only."""

from __future__ import annotations

from bot.chat.conversation import Bubble, Message
from bot.chat.features import conversation
from bot.qa import texts
from bot.runtime import Runtime


async def test_a_menu_has_its_choices_once_for_each_kind_of_surface(runtime: Runtime) -> None:
    runtime.qa.settings = runtime.qa.settings.model_copy(
        update={"faq_answer_threshold": 1.01, "faq_suggest_threshold": 0.0}
    )
    said: list[Bubble] = []

    async def send(bubble: Bubble) -> str | None:
        said.append(bubble)
        return None

    await conversation(runtime).handle(Message("qq", "30088", "团费怎么交", "menu-1"), send)
    (menu,) = said
    assert menu.kind == "suggest" and menu.choices
    assert all(f"{n}. {c}" in menu.text for n, c in enumerate(menu.choices, 1)), "text surfaces"
    assert menu.with_buttons == texts.SUGGEST_BUTTONS
    assert not any(c in menu.with_buttons for c in menu.choices), "buttons: the list once"
