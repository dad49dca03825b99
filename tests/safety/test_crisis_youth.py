"""The crisis screen on youth chat style: spaces as clause ends, negation, abstract talk,
hyperbole, everyday words, and the semantic step with its fallback."""

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.safety.crisis import (
    CrisisDetector,
    CrisisKind,
    RiskLevel,
    Semantic,
    build_detector,
    default_detector,
    semantic_step,
)
from bot.safety.evaluate import measure
from bot.safety.learned import load_examples, package_examples, prepare
from bot.safety.semantic import BAND, MODEL_NAME, SemanticScreen, fingerprint, shipped
from bot.safety.text import clauses, normalize
from bot.settings import Settings

SELF, ABUSE, SEXUAL, BULLYING = (
    CrisisKind.SELF_HARM,
    CrisisKind.ABUSE,
    CrisisKind.SEXUAL,
    CrisisKind.BULLYING,
)
CUES_ONLY = CrisisDetector()


def lexical() -> CrisisDetector:
    """The default detector's cues and n-grams, without any semantic step."""
    return CrisisDetector(default_detector().learned)


def test_a_space_between_chinese_characters_ends_a_clause() -> None:
    assert clauses("我没想死 但我爸天天打我") == ("我没想死", "但我爸天天打我")
    assert clauses("wo bu xiang huo le") == ("我不想活了",)
    assert clauses("好累（哭）") == ("好累", "哭")


def test_thanks_and_greetings_are_kept_for_the_screen() -> None:
    # The FAQ drops 谢谢 as a filler; in a goodbye it is the message.
    assert normalize("谢谢你们，再见") == "谢谢你们再见"
    assert clauses("今晚是最后一晚了 谢谢你们") == ("今晚是最后一晚了", "谢谢你们")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我没想死 但我爸天天打我", ABUSE),
        ("我没有想死，但我爸天天打我", ABUSE),
        ("我不是想自杀 只是我妈每天都打我", ABUSE),
        ("我没被打 但是他们每天都要我交五块钱", BULLYING),
        ("我没有被强奸 但是他一直逼我发裸照", SEXUAL),
        ("被分手了 觉得没有她我活不下去", SELF),
    ],
)
def test_negation_covers_only_what_it_negates(text: str, kind: CrisisKind) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis, text
    assert found.kind is kind


@pytest.mark.parametrize(
    "text",
    [
        "我没有想死 只是最近有点累",
        "我爸妈从来不打我 对我挺好的",
        "我不想自杀 也没有伤害过自己 就是想问问心理咨询怎么预约",
    ],
)
def test_negated_cues_alone_are_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "下周班会讲校园欺凌 有没有案例",
        "反家暴法是哪年实施的",
        "学校让写一篇拒绝校园欺凌的征文",
        "团支部想组织反诈宣传 主要讲裸聊敲诈",
        "参加了一个自杀干预志愿者培训 学到很多",
        "霸凌者会受到什么处罚",
        "电影里那个人跳楼的情节好吓人",
        "蛋仔派对里被人推下去了 哈哈",
        "刚才那局我被对面打得毫无还手之力",
        "狼人杀我留了遗言 还是被投出去了",
        "我决定了 以后要当心理医生 帮助想轻生的人",
    ],
)
def test_abstract_talk_films_and_games_are_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "累死了 今天跑了八百米",
        "笑死我了哈哈哈",
        "想死你们了 寒假终于过完了",
        "吃辣吃到想死 但是好好吃",
        "我已经死了 有事烧纸",
        "这题再不会我就原地去世",
        "今天考试又挂了 想挂我自己 哈哈不是",
        "我想鼠了 这什么破天气（开玩笑）",
        "班上有人给我起外号 不过我不在意 挺好玩的",
    ],
)
def test_hyperbole_and_jokes_are_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "我爸今天杀了只鸡炖汤",
        "跳绳绊倒了 好丢人",
        "跑酷从两米高的台子跳下去 帅",
        "感冒了 吃了两片药 好困",
        "吃头孢能喝酒吗",
        "打篮球被人撞倒了 手肘擦破了",
    ],
)
def test_cooking_sports_and_medicine_are_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis, text


@pytest.mark.parametrize(
    ("text", "kind", "level"),
    [
        ("我想噶了", SELF, 2),
        ("想4 好难受", SELF, 2),
        ("我想结束我的生命", SELF, 2),
        ("今天是我活着的最后一天", SELF, 3),
        ("吃了一盒头孢还喝了酒", SELF, 3),
        ("帮我跟我妈说声对不起 我先走一步", SELF, 3),
        ("一个陌生号码发短信说有我洗澡的视频 要我加他微信", SEXUAL, 2),
        ("学长把我灌醉了 后来的事我记不清了", SEXUAL, 2),
        ("放学被人拦在小卖部后面 扇了好几巴掌", BULLYING, 2),
        ("隔壁班的人说放学要给我点颜色看看", BULLYING, 2),
        ("有人拿刀逼我交出手机", BULLYING, 3),
    ],
)
def test_youth_wordings_get_kind_level_and_reason(text: str, kind: CrisisKind, level: int) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis, text
    assert (found.kind, int(found.level)) == (kind, level)
    assert found.reason and not found.reason.startswith("与求助的话相近")


def test_imminent_danger_keeps_its_level_through_the_whole_screen() -> None:
    found = default_detector().assess("我现在在江边 风很大 不想活了")
    assert found is not None and found.level is RiskLevel.IMMINENT


# ---- the semantic step and its fallback ----------------------------------------------------


def test_without_an_embedder_there_is_no_semantic_step() -> None:
    assert semantic_step(None) is None
    detector = CrisisDetector(default_detector().learned, None)
    found = detector.assess("我把药都攒好了")
    assert found is not None and found.is_crisis


class _Other:
    """An embedder of another model: the shipped weights do not fit its vectors."""

    name = "some-other-model"
    dim = 384


def test_weights_fitted_for_another_model_are_not_used(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.safety.crisis"):
        assert semantic_step(_Other()) is None  # type: ignore[arg-type]
    assert "cues and n-grams only" in caplog.text


def test_the_shipped_semantic_weights_were_fitted_on_the_shipped_data() -> None:
    screen = shipped()
    assert screen is not None, "python -m bot.safety fit-semantic"
    texts, labels, _kinds, _levels = package_examples()
    assert screen.fitted_on == fingerprint(texts, labels, MODEL_NAME), (
        "the training data changed: run python -m bot.safety fit-semantic"
    )
    assert screen.coef.shape == (384,)


def test_the_fingerprint_changes_with_a_label() -> None:
    assert fingerprint(["a", "b"], [1, 0]) != fingerprint(["a", "b"], [0, 1])


class _Recording:
    """A deterministic embedder: a fixed unit vector, recording which thread asked."""

    name = MODEL_NAME
    dim = 384

    def __init__(self) -> None:
        self.threads: list[str] = []
        vector = np.zeros((1, 384), dtype=np.float32)
        vector[0, 0] = 1.0
        self.vector = vector

    def embed(self, texts: list[str], *, query: bool) -> np.ndarray:
        self.threads.append(threading.current_thread().name)
        return np.repeat(self.vector, len(texts), axis=0)

    async def embed_async(self, texts: list[str], *, query: bool) -> np.ndarray:
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: self.embed(texts, query=query))


def _unsure(detector: CrisisDetector) -> str:
    """A training message no cue flags that the n-gram screen is unsure of."""
    assert detector.learned is not None
    texts, _labels, _kinds, _levels = package_examples()
    for text in texts:
        reading = detector.read(text)
        if reading.guarded or any(cue.level >= RiskLevel.DISTRESS for cue in reading.cues):
            continue
        # High enough in the band that averaging with 1 crosses the 0.80 threshold.
        if max(BAND[0], 0.65) <= detector.learned.probability(reading.residual) < BAND[1]:
            return text
    raise AssertionError("no message in the unsure band")


@pytest.mark.parametrize("semantic_probability", [0.0, 1.0])
async def test_the_semantic_step_settles_unsure_messages_off_the_loop(
    semantic_probability: float,
) -> None:
    learned = default_detector().learned
    embedder = _Recording()
    # A screen whose probability is 0 or 1 for the recording embedder's vector.
    coef = np.zeros(384)
    coef[0] = 50.0 if semantic_probability else -50.0
    step = Semantic(embedder, SemanticScreen(coef, 0.0, "test"))  # type: ignore[arg-type]
    detector = CrisisDetector(learned, step)
    text = _unsure(detector)
    found = await detector.assess_async(text)
    assert embedder.threads and embedder.threads[0] != threading.main_thread().name
    # The average of an unsure n-gram probability (0.65 to 0.9) and 1 is over the threshold;
    # with 0 it is under 0.5.
    flagged = found is not None and found.is_crisis
    assert flagged is bool(semantic_probability)
    if flagged:
        assert found is not None and "意思也相近" in found.reason
    # Sync and async agree, and the second time the embedding is not recomputed.
    calls = len(embedder.threads)
    assert detector.assess(text) == found
    assert len(embedder.threads) == calls


def test_confident_messages_are_never_embedded() -> None:
    embedder = _Recording()
    step = Semantic(embedder, SemanticScreen(np.zeros(384), 0.0, "test"))  # type: ignore[arg-type]
    detector = CrisisDetector(default_detector().learned, step)
    for text in ("怎么交团费", "我真的不想活了", "我爸喝醉了就拿皮带抽我", "班会讲校园欺凌"):
        detector.assess(text)
    assert embedder.threads == []


def test_prepare_is_what_both_screens_read() -> None:
    assert prepare("我没想死 但我爸天天打我") == "我没想死 但我爸天天打我"
    assert load_examples("crisis:\n  - 我好累\nnone: []\n")[2] == ["unknown"]


def test_the_semantic_step_is_off_unless_asked_for(settings: Settings) -> None:
    off = build_detector(settings.model_copy(update={"crisis_semantic": "off"}))
    assert off.learned is not None and off.semantic is None
    no_layer = build_detector(
        settings.model_copy(update={"crisis_semantic": "on", "semantic": "off"})
    )
    assert no_layer.learned is not None and no_layer.semantic is None
    found = no_layer.assess("我没想死 但我爸天天打我")
    assert found is not None and found.kind is ABUSE


YOUTH_HELD_OUT = Path(__file__).parent / "data" / "youth_heldout.yaml"


def test_the_youth_held_out_set_stays_out_of_training() -> None:
    train = set(package_examples()[0])
    held = set(load_examples(YOUTH_HELD_OUT.read_text("utf-8"))[0])
    assert len(held) >= 300 and not train & held


def test_floors_on_the_youth_held_out_set() -> None:
    """Never tuned on: main scored 88.8% recall (142/160) and 7.9% false alarms (13/165); the
    next screen 93.1% (149/160) and 6.7% (11/165); this one, with the threshold raised to 0.825 by
    cross-validation on the training data and weak cues overruled in look-alikes, 91.2% (146/160)
    and 3.6% (6/165), measured once at the end. A regression below these floors fails. Counts
    only, no texts."""
    report = measure(lexical().assess, YOUTH_HELD_OUT.read_text("utf-8"))
    assert report.recall >= 0.91, f"recall {report.caught}/{report.crisis}"
    assert report.false_alarm_rate <= 0.037, f"false alarms {report.false_alarms}/{report.none}"
