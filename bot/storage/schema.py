"""Every table of 青声 on one metadata, for migrations and their tests."""

from bot.cases import models as case_models
from bot.storage.models import Base

metadata = Base.metadata
MODEL_MODULES = (case_models,)
"""Modules imported only so their tables join the metadata."""

__all__ = ["MODEL_MODULES", "metadata"]
