import pytest

from bot.qa.intents import parse_choice, parse_feedback


@pytest.mark.parametrize("text", ["赞", "👍", "👍🏻", "有用！", " 点赞 "])
def test_likes(text: str) -> None:
    assert parse_feedback(text) is True


@pytest.mark.parametrize("text", ["没用", "👎", "没有用。"])
def test_not_helpful(text: str) -> None:
    assert parse_feedback(text) is False


@pytest.mark.parametrize("text", ["赞同入团吗", "有用的团课资料", "怎么交团费"])
def test_questions_are_not_feedback(text: str) -> None:
    assert parse_feedback(text) is None


@pytest.mark.parametrize(
    ("text", "number"), [("2", 2), ("２", 2), ("第3个", 3), ("一", 1), ("1。", 1)]
)
def test_choices(text: str, number: int) -> None:
    assert parse_choice(text) == number


@pytest.mark.parametrize("text", ["12", "0", "2024年入团", "第十个"])
def test_not_choices(text: str) -> None:
    assert parse_choice(text) is None
