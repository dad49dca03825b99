"""Cues read from a fourth writer's youth messages (the training part of youth3): being locked in
for days, a weapon swung at home, degrading acts and doxxing, scraping a wrist, a plan to swallow
every pill, settling affairs; 不在 (away) is not a negation; surveys, debates, reviews and plots
are abstract talk. And the fourth set's held-out third is measured, never trained on."""

from pathlib import Path

import pytest

from bot.safety.crisis import CrisisDetector, CrisisKind, RiskLevel, default_detector
from bot.safety.evaluate import measure
from bot.safety.learned import load_examples, package_examples

CUES_ONLY = CrisisDetector()
YOUTH3_HELD_OUT = Path(__file__).parent / "data" / "youth3_heldout.yaml"


@pytest.mark.parametrize(
    ("text", "kind", "level"),
    [
        ("我被我妈关在阁楼里好几天了", CrisisKind.ABUSE, RiskLevel.IMMINENT),
        ("我后爸不准我出门 已经一个星期没去上学了", CrisisKind.ABUSE, RiskLevel.IMMINENT),
        ("我爸喝多了拿着菜刀在客厅乱挥", CrisisKind.ABUSE, RiskLevel.IMMINENT),
        ("我和我弟躲床底下 我爸还在砸东西", CrisisKind.ABUSE, RiskLevel.IMMINENT),
        ("我妈一生气就对我拳打脚踢", CrisisKind.ABUSE, RiskLevel.DANGER),
        ("她们往我的水杯里撒粉笔灰", CrisisKind.BULLYING, RiskLevel.DANGER),
        ("我被开盒了 家里地址都被发出去了", CrisisKind.BULLYING, RiskLevel.DANGER),
        ("我被全班一起起哄 老师也不管", CrisisKind.BULLYING, RiskLevel.DANGER),
        ("我总拿小刀刮手腕", CrisisKind.SELF_HARM, RiskLevel.DANGER),
        ("我打算把这些药一口气全吞了", CrisisKind.SELF_HARM, RiskLevel.DANGER),
        ("我把猫托付给邻居了 该做的都做了", CrisisKind.SELF_HARM, RiskLevel.DANGER),
        ("人生彻底寄了", CrisisKind.SELF_HARM, RiskLevel.DISTRESS),
        ("舍友的爸爸趁我们不在宿舍 偷看我们换衣服", CrisisKind.SEXUAL, RiskLevel.DANGER),
        ("网上认识的人要我开视频给他看身体", CrisisKind.SEXUAL, RiskLevel.DANGER),
    ],
)
def test_more_cues(text: str, kind: CrisisKind, level: RiskLevel) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis, text
    assert (found.kind, found.level) == (kind, level), found


@pytest.mark.parametrize(
    "text",
    ["我舅舅趁我妈不在摸我", "趁家里没人的时候 他不在乎我愿不愿意就摸我"],
)
def test_away_is_not_a_negation(text: str) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.kind is CrisisKind.SEXUAL, text


@pytest.mark.parametrize(
    "text",
    [
        "我们在做一份关于校园欺凌的问卷调查",
        "辩题是网络暴力该不该立法 我是正方",
        "帮我写一篇霸凌题材日剧的影评",
        "为什么有的小说情节里主角总被孤立",
        "看了个科普视频 讲动物会不会自杀",
        "出门前被我妈赶出去买盐了",
        "我们方言里整死你其实是逗你玩的意思",
        "同学学我说话 我们都笑疯了",
        "我把旧书送给学弟了 毕业前再见一面吧",
        "我奶奶不在了 她把镯子留给了我",
        "我弟打游戏打得手都肿了",
    ],
)
def test_abstract_talk_errands_and_jokes_are_not_a_crisis(text: str) -> None:
    found = CUES_ONLY.assess(text)
    assert found is None or not found.is_crisis, (text, found)


def test_the_fourth_youth_set_s_held_out_part_stays_out_of_training() -> None:
    train = set(package_examples()[0])
    held = set(load_examples(YOUTH3_HELD_OUT.read_text("utf-8"))[0])
    assert len(held) >= 250 and not train & held


def test_floors_on_the_fourth_youth_set_s_held_out_part() -> None:
    """Never trained or tuned on, measured at the end: the screen before this set was added
    91.0% recall (131/144) and 11.8% false alarms (14/119); trained on the other two thirds,
    with the cues above, 88.2% (127/144) and 10.9% (13/119). A regression below these floors
    fails. Counts only, no texts."""
    report = measure(
        CrisisDetector(default_detector().learned).assess, YOUTH3_HELD_OUT.read_text("utf-8")
    )
    assert report.recall >= 0.88, f"recall {report.caught}/{report.crisis}"
    assert report.false_alarm_rate <= 0.11, f"false alarms {report.false_alarms}/{report.none}"
