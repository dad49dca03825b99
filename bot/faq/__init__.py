"""The FAQ engine: load admin files, normalise text, index, search, benchmark."""

from bot.faq.model import Band, FaqEntry, Lexicon, Match

__all__ = ["Band", "FaqEntry", "Lexicon", "Match"]
