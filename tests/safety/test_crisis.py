import pytest

from bot.safety.crisis import CrisisKind, detect_crisis


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我真的不想活了", CrisisKind.SELF_HARM),
        ("最近总想自杀怎么办", CrisisKind.SELF_HARM),
        ("我爸又家暴我妈", CrisisKind.ABUSE),
        ("昨天被继父打了", CrisisKind.ABUSE),
        ("在学校被同学欺负怎么办", CrisisKind.BULLYING),
        ("遇到校园霸凌该找谁", CrisisKind.BULLYING),
    ],
)
def test_dangerous_messages_are_flagged(text: str, kind: CrisisKind) -> None:
    assert detect_crisis(text) is kind


@pytest.mark.parametrize("text", ["怎么交团费", "入团年龄要求", "我不是想自杀，只是问问心理咨询"])
def test_ordinary_messages_are_not(text: str) -> None:
    assert detect_crisis(text) is None
