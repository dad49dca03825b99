"""Normalisation and tokenisation: what index and queries both go through."""

from __future__ import annotations

import time

import jieba
import pytest

from bot.faq.model import Lexicon
from bot.faq.normalize import Analyzer, analyzer_for, char_pinyin, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＱＱ号忘了怎么办？", "qq号忘了怎么办"),
        ("入團要什麼條件", "入团要什么条件"),
        ("请问怎么交团费？谢谢！", "怎么交团费"),
        ("您好，麻烦问一下团员证丢了怎么办", "团员证丢了怎么办"),
        ("@青声 团费怎么交呢", "团费怎么交"),
        ("@123456 团费怎么交吗？？", "团费怎么交"),
        ("团费 怎么 交 😀🎉", "团费怎么交"),
        ("WiFi  Password 是多少", "wifi password是多少"),
        ("借呗", "借呗"),
        ("团费是什么", "团费是什么"),
        ("你好", "你好"),
        ("？？？", ""),
        ("未满十六岁能打工吗", "未满16岁能打工"),  # ages in Chinese numerals read as digits
        ("满二十八周岁还是团员吗", "满28周岁还是团员"),
        ("二十多岁还能入团吗", "20多岁还能入团"),
        ("九岁", "9岁"),
        ("十岁的弟弟", "10岁的弟弟"),
        ("岁月静好", "岁月静好"),
        ("一下子十个人", "一下子十个人"),  # numbers that are not ages stay as they are
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_user_dictionary_word_stays_whole_without_touching_global_jieba() -> None:
    word = "青声答疑助手"
    analyzer = Analyzer(Lexicon(words=((word, 1000, "n"),)))

    assert word in analyzer.analyze(f"{word}怎么用").tokens
    assert word not in jieba.lcut(f"{word}怎么用")


def test_synonyms_map_tokens_and_text_to_the_canonical_word() -> None:
    analyzer = Analyzer(Lexicon(synonyms={"团员费": "团费", "团证": "团员证"}))

    fee = analyzer.analyze("团员费怎么交")
    card = analyzer.analyze("團證丢了")

    assert fee.tokens[0] == "团费"
    assert fee.text == "团费怎么交"
    assert card.text.startswith("团员证")


def test_analysis_has_one_pinyin_syllable_per_character() -> None:
    analysis = Analyzer().analyze("团费怎么交")

    assert analysis.pinyin == ("tuan", "fei", "zen", "me", "jiao")


def test_homophones_and_near_homophones_share_pinyin() -> None:
    assert char_pinyin("在") == char_pinyin("再")
    assert char_pinyin("是") == char_pinyin("四")  # shi/si: a common southern confusion
    assert char_pinyin("a") == "a"


def test_analyzer_for_reuses_the_analyzer_of_an_equal_lexicon() -> None:
    first = analyzer_for(Lexicon(words=(("智慧团建", None, None),), synonyms={"团证": "团员证"}))
    again = analyzer_for(Lexicon(words=(("智慧团建", None, None),), synonyms={"团证": "团员证"}))
    other = analyzer_for(Lexicon(synonyms={"团员费": "团费"}))

    assert first is again
    assert other is not first


def test_analyze_is_cheap() -> None:
    analyzer = analyzer_for(Lexicon())
    question = "你好，请问我的团组织关系怎么从学校转到工作单位？"
    analyzer.analyze(question)

    started = time.perf_counter()
    for _ in range(200):
        analyzer.analyze(question)
    per_call_ms = (time.perf_counter() - started) / 200 * 1000

    assert per_call_ms < 2.0
