"""Each plugin declares its config model (a part of the app's settings), the adapters it
supports, and requires the plugins it builds on."""

from __future__ import annotations

import nonebot
import pytest
from nonebug import App

from bot.chat.settings import ChatSettings
from bot.delivery.settings import OutboxSettings
from bot.qqbot.settings import QQBotSettings
from bot.settings import Settings

ONEBOT = "nonebot.adapters.onebot.v11"


@pytest.mark.parametrize(
    ("plugin", "config", "adapters"),
    [
        ("delivery", OutboxSettings, {"~onebot.v11"}),
        ("qa", ChatSettings, {ONEBOT}),
        ("qqbot", QQBotSettings, {"~qq"}),
    ],
)
def test_plugin_declares_config_and_adapters(
    app: App, plugin: str, config: type, adapters: set[str]
) -> None:
    loaded = nonebot.get_plugin(plugin)
    assert loaded is not None
    assert loaded.metadata is not None
    assert loaded.metadata.config is config
    assert issubclass(Settings, config)
    assert loaded.metadata.supported_adapters == adapters


def test_qa_requires_delivery_and_tells_superusers_through_it(app: App) -> None:
    qa = nonebot.get_plugin("qa")
    delivery = nonebot.get_plugin("delivery")
    assert qa is not None
    assert delivery is not None
    assert qa.module.tell_superusers is delivery.module.tell_superusers
    supported = qa.metadata.get_supported_adapters() if qa.metadata else None
    assert supported is not None
    assert {adapter.get_name() for adapter in supported} == {"OneBot V11"}
