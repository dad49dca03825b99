"""The Q&A loop: a youth's message in, a recorded question and a reply out."""

from bot.qa.model import Incoming, Outcome, Reply, ReplyKind
from bot.qa.service import QaService

__all__ = ["Incoming", "Outcome", "QaService", "Reply", "ReplyKind"]
