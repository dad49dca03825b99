"""The learned screen as a check on the cues: a weak cue in a look-alike is overruled, imminent
danger never is, abstract talk the screen is sure of is still a crisis; the threshold comes
from cross-validation; and the third youth set's held-out part is measured, never trained on."""

from pathlib import Path

import pytest

from bot.safety.crisis import CrisisDetector, CrisisKind, RiskLevel, default_detector
from bot.safety.evaluate import cross_validate, measure
from bot.safety.learned import (
    GUARDED,
    THRESHOLD,
    VETO,
    LearnedScreen,
    load_examples,
    package_examples,
)

CUES_ONLY = CrisisDetector()
YOUTH2_HELD_OUT = Path(__file__).parent / "data" / "youth2_heldout.yaml"


def lexical() -> CrisisDetector:
    """The default detector's cues and n-grams, without any semantic step."""
    return CrisisDetector(default_detector().learned)


@pytest.mark.parametrize(
    "text",
    [
        # hyperbole the cues read as a wish to die
        "这天热得我不想活了哈哈 空调快修好吧",
        "想死的心都有了 哈哈 主要是英语单词太多了",
        # a joke
        "给你讲个冷笑话 从前有个人跳楼 跳到一半想起来钥匙没带 哈哈 是不是很冷",
    ],
)
def test_a_weak_cue_in_a_look_alike_is_overruled(text: str) -> None:
    cues = CUES_ONLY.assess(text)
    assert cues is not None and cues.is_crisis, "the cues alone flag it"
    found = lexical().assess(text)
    assert found is not None and found.level is RiskLevel.CONCERN, text
    assert "日常说法" in found.reason


@pytest.mark.parametrize(
    "text",
    [
        # a pet, help for others asked about in general: the cues themselves read them so
        "家里来了个小表弟 天天欺负我的猫 烦死了",
        "如果我身边有人被欺负 我可以打12355帮他问吗",
        "如何帮助被网暴的人 我们想做一期公众号推文",
    ],
)
def test_look_alikes_of_abuse_and_bullying_are_read_so_by_the_cues(text: str) -> None:
    found = CUES_ONLY.assess(text)
    assert found is None or not found.is_crisis, text


@pytest.mark.parametrize(
    "text", ["被同学霸凌了怎么办", "被人欺负了怎么办", "我爸打我怎么办", "继父对我动手动脚怎么办"]
)
def test_abuse_and_bullying_cues_are_never_overruled(text: str) -> None:
    """The screen finds "被同学霸凌了怎么办" nothing like its crisis examples (it reads like a
    question), but a youth asking it most likely is bullied: only self-harm talk is overruled."""
    found = lexical().assess(text)
    assert found is not None and found.is_crisis, text
    assert found.kind is not CrisisKind.SELF_HARM


@pytest.mark.parametrize("text", ["我自己", "不知道", "我妈", "在吗", "好的"])
def test_a_few_words_without_a_cue_are_not_a_crisis(text: str) -> None:
    """Answers in a dialogue ("给谁的心愿？" "我自己") are too short for the screen to judge."""
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis, text


def test_an_overruled_cue_is_recorded_as_a_concern_with_its_reason() -> None:
    found = lexical().assess("这天热得我不想活了哈哈 空调快修好吧")
    assert found is not None and not found.is_crisis
    assert found.kind is CrisisKind.SELF_HARM and found.reason.startswith("说不想活了")


@pytest.mark.parametrize(
    "text",
    ["遗书写好了 在想什么时候比较合适", "我现在在楼顶 风好大", "我刚吞了一整瓶安眠药"],
)
def test_imminent_cues_are_never_overruled(text: str) -> None:
    found = lexical().assess(text)
    assert found is not None and found.level is RiskLevel.IMMINENT, text


def test_a_screen_that_has_read_no_look_alikes_overrules_nothing() -> None:
    # Trained on crisis talk and unrelated questions only, the screen finds "不想活了" crisis-like
    # wherever it stands: it must not clear the cue.
    screen = LearnedScreen(
        ["我不想活了", "我想死", "我爸天天打我", "怎么交团费", "团员证丢了怎么办", "入团要几岁"],
        [1, 1, 1, 0, 0, 0],
        ["self_harm", "self_harm", "abuse", "none", "none", "none"],
        [1, 2, 2, 0, 0, 0],
    )
    found = CrisisDetector(screen).assess("这天热得我不想活了")
    assert found is not None and found.is_crisis


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # 作业 and 课上 make the cues read these as schoolwork talk; the screen is nearly sure
        ("我爷爷说女孩子读书没用 每次我写作业他就把本子扔到灶里 还用拐棍打我", CrisisKind.ABUSE),
        ("我妈用皮带把我绑在椅子上 让我写作业 写不完不松开", CrisisKind.ABUSE),
    ],
)
def test_abstract_reading_gives_way_when_the_screen_is_nearly_sure(
    text: str, kind: CrisisKind
) -> None:
    assert CUES_ONLY.read(text).guarded
    found = lexical().assess(text)
    assert found is not None and found.is_crisis and found.kind is kind, text


@pytest.mark.parametrize(
    "text",
    ["我们班会讨论校园欺凌 要写一份倡议书", "反家暴法是哪一年实施的", "游戏里被打败了好气"],
)
def test_abstract_talk_stays_abstract(text: str) -> None:
    found = lexical().assess(text)
    assert found is None or not found.is_crisis, text


def test_thresholds_are_ordered() -> None:
    assert 0 < VETO < THRESHOLD < GUARDED < 1


def test_cross_validation_picks_a_threshold_within_the_target() -> None:
    crisis = [f"我不想活了{n}" for n in range(10)] + [f"我爸又打我了{n}" for n in range(10)]
    none = [f"怎么交团费{n}" for n in range(10)] + [f"累死了{n}" for n in range(10)]
    text = (
        "crisis:\n"
        + "".join(
            f"  - {{text: {t}, kind: {'abuse' if '打' in t else 'self_harm'}, level: {1 + n % 2}}}\n"
            for n, t in enumerate(crisis)
        )
        + "none:\n"
        + "".join(f"  - {t}\n" for t in none)
    )
    lines = cross_validate([("a.yaml", text), ("b.yaml", text)], [0.5, 0.9], target=0.05)
    assert any(line.strip().startswith("b.yaml:") for line in lines)
    # Each message has a twin in the other folds: the screen tells them apart at 0.5 already.
    assert lines[-1] == "lowest threshold with false alarms <= 5% on the data written apart: 0.500"


def test_the_third_youth_set_s_held_out_part_stays_out_of_training() -> None:
    train = set(package_examples()[0])
    held = set(load_examples(YOUTH2_HELD_OUT.read_text("utf-8"))[0])
    assert len(held) >= 400 and not train & held


def test_floors_on_the_third_youth_set_s_held_out_part() -> None:
    """Never trained or tuned on, measured once at the end: main 90.6% recall (202/223) and 9.9%
    false alarms (18/181); this screen 89.7% (200/223) and 4.4% (8/181). A regression below
    these floors fails. Counts only, no texts."""
    report = measure(lexical().assess, YOUTH2_HELD_OUT.read_text("utf-8"))
    assert report.recall >= 0.89, f"recall {report.caught}/{report.crisis}"
    assert report.false_alarm_rate <= 0.045, f"false alarms {report.false_alarms}/{report.none}"
