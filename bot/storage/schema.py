"""Every table of 青声 on one metadata, for migrations and their tests."""

from bot.accounts import models as account_models
from bot.activities import models as activity_models
from bot.cases import models as case_models
from bot.chat import models as chat_models
from bot.console import models as console_models
from bot.delivery import models as delivery_models
from bot.diary import models as diary_models
from bot.groups import models as group_models
from bot.privacy import models as privacy_models
from bot.qa import models as qa_models
from bot.safety import budget as safety_models
from bot.storage.models import Base
from bot.wechat import models as wechat_models
from bot.wishes import models as wish_models

metadata = Base.metadata
MODEL_MODULES = (
    account_models,
    activity_models,
    case_models,
    chat_models,
    console_models,
    delivery_models,
    diary_models,
    group_models,
    privacy_models,
    qa_models,
    safety_models,
    wechat_models,
    wish_models,
)
"""Modules imported only so their tables join the metadata."""

__all__ = ["MODEL_MODULES", "metadata"]
