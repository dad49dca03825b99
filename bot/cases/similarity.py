"""Whether two youths ask the same thing: the similarity that decides if a question joins a case.

A new question joins an open case when one answer would serve both. Comparing characters
(`rapidfuzz.fuzz.ratio`, the old rule) merged every message whose normalised text was empty (the
ratio of two empty strings is 100) and kept apart plain paraphrases ("我们小区的路灯坏了找谁修" /
"小区路灯坏了找谁修" scored 87). This compares content instead:

1. Each normalised text is segmented by the FAQ's analyzer (jieba with the admins' dictionary,
   synonyms mapped to one word); function words (的, 了, 我们, 请问, ...) are left out. What stays
   are content words, each weighted by how much it says: its information in jieba's dictionary,
   -log(frequency share), so "路灯" (11.8) counts more than "找" (8.0). A fixed, language-wide
   weight: the score does not depend on how many cases are open.
2. Two cosines: of the weighted content words, and of the character bigrams of the content
   (for segmentation differences: 补 / 补办, 团组织关系 / 组织关系). The score is their mean,
   on the 0-100 scale of `CASE_MERGE_SIMILARITY`.
3. Question words are read apart (`ASKS`): two questions asking for different kinds of answer
   (团费怎么交 / 团费交多少: how / how much) never merge, whatever content they share.
4. Minimum content: a text whose content words weigh less than `MIN_CONTENT` ("怎么办", "在吗",
   "我要投诉", and anything without words) never merges, not even with itself: two youths who
   say only that rarely have the same problem.

It is cheap: each text is segmented once (profiles are cached), then a pair costs a dictionary
look-up per word and a set intersection (about 1 µs; 500 open cases ≈ 0.5 ms once cached).

Calibrated on tests/data/case_merge/tuning.yaml (threshold 70: the gap between the highest
different pair, 69.1, and the next same pair, 71.0), checked once on heldout.yaml, never tuned on:
`python -m bot.cases.similarity tests/data/case_merge/tuning.yaml tests/data/case_merge/heldout.yaml`
prints precision and recall beside the old ratio's.
"""

from __future__ import annotations

import math
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from bot.faq.normalize import Analyzer, normalize

FUNCTION_WORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "哦",
        "啦",
        "嘛",
        "么",
        "呗",
        "我",
        "我们",
        "你",
        "你们",
        "您",
        "他",
        "她",
        "它",
        "他们",
        "自己",
        "是",
        "在",
        "有",
        "这",
        "那",
        "这个",
        "那个",
        "个",
        "一下",
        "下",
        "就",
        "也",
        "还",
        "都",
        "要",
        "想",
        "请",
        "请问",
        "能",
        "可以",
        "会",
        "应该",
        "该",
        "一个",
        "和",
        "与",
        "跟",
        "给",
        "被",
        "把",
        "让",
        "得",
        "地",
        "着",
        "过",
        "又",
        "再",
        "很",
        "太",
        "好",
        "吧",
        "已经",
        "一直",
        "现在",
        "今年",
        "还是",
        "或者",
        "如果",
        "但是",
        "因为",
        "所以",
        "需要",
        "是否",
        "能不能",
        "可不可以",
        "有没有",
        "没有",
        "不",
        "没",
    ]
)
"""Words that carry no content of their own: particles, pronouns, auxiliaries, question words
(those are read separately, as `ASKS`)."""
ASKS = {
    **dict.fromkeys(("怎么", "怎么办", "如何", "怎样", "咋", "怎么样"), "how"),
    **dict.fromkeys(("多少", "几"), "how much"),
    **dict.fromkeys(("哪里", "哪", "哪儿"), "where"),
    **dict.fromkeys(("时候", "啥时候", "何时", "几时"), "when"),
    **dict.fromkeys(("谁",), "who"),
    **dict.fromkeys(("为什么", "为啥"), "why"),
    **dict.fromkeys(("多久", "多长时间"), "how long"),
    **dict.fromkeys(("什么", "啥"), "what"),
}
"""Question words by the kind of answer they ask for. Two questions that ask for different kinds
(团费怎么交 / 团费交多少: how / how much) never merge, however much content they share; a
question without one of these (吗, 有没有, 能不能: a yes-or-no question) conflicts with none."""
MIN_CONTENT = 14.0
"""Least information (nats) of a text's content words for it to merge at all: about one rare
word or two ordinary ones."""
WORD_SHARE = 0.5
"""Weight of the word cosine in the score (the rest: character bigrams)."""
_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Profile:
    """What of a question is compared: its weighted content words and content bigrams."""

    words: dict[str, float]
    word_norm: float
    bigrams: frozenset[str]
    content: float
    """Information of the content words (nats)."""
    asks: frozenset[str]
    """The kinds of answer its question words ask for (see `ASKS`)."""


class Similarity:
    """Scores pairs of normalised questions 0-100; profiles of recent texts are cached."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._cache: OrderedDict[str, Profile] = OrderedDict()

    def profile(self, normalized: str) -> Profile:
        """The comparable form of one normalised question."""
        cached = self._cache.get(normalized)
        if cached is not None:
            self._cache.move_to_end(normalized)
            return cached
        words: dict[str, float] = {}
        content_tokens = []
        asks = set()
        tokens = self.analyzer.tokens(normalized)
        for n, token in enumerate(tokens):
            if token in ASKS:
                # 什么时候 asks when, not what.
                if not (token in ("什么", "啥") and tokens[n + 1 : n + 2] == ["时候"]):
                    asks.add(ASKS[token])
                continue
            if token in FUNCTION_WORDS or not any(char.isalnum() for char in token):
                continue
            content_tokens.append(token)
            words[token] = self.analyzer.information(token)
        text = "".join(content_tokens)
        bigrams = frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset(text)
        profile = Profile(
            words,
            math.sqrt(sum(w * w for w in words.values())),
            bigrams,
            sum(words.values()),
            frozenset(asks),
        )
        self._cache[normalized] = profile
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return profile

    def score(self, a: str, b: str) -> float:
        """How alike two normalised questions are, 0-100 (0 when either has too little content)."""
        pa, pb = self.profile(a), self.profile(b)
        return self.score_profiles(pa, pb)

    @staticmethod
    def score_profiles(pa: Profile, pb: Profile) -> float:
        """`score` on profiles already made."""
        if pa.content < MIN_CONTENT or pb.content < MIN_CONTENT:
            return 0.0
        if pa.asks and pb.asks and not pa.asks & pb.asks:
            return 0.0
        shared = sum(w * pb.words[word] for word, w in pa.words.items() if word in pb.words)
        words = shared / (pa.word_norm * pb.word_norm)
        common = len(pa.bigrams & pb.bigrams)
        chars = common / math.sqrt(len(pa.bigrams) * len(pb.bigrams))
        return 100.0 * (WORD_SHARE * words + (1 - WORD_SHARE) * chars)


def _evaluate(paths: list[str]) -> None:
    """Precision and recall of merging on labelled pairs, against the old character ratio."""
    import yaml
    from rapidfuzz import fuzz

    from bot.faq.loader import load_faq_dir
    from bot.faq.normalize import analyzer_for
    from bot.settings import Settings

    settings = Settings()
    lexicon = load_faq_dir(settings.faq_dir).lexicon
    similarity = Similarity(analyzer_for(lexicon))
    threshold = settings.case_merge_similarity
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        pairs = [(a, b, True) for a, b in data["same"]] + [
            (a, b, False) for a, b in data["different"]
        ]
        print(f"{path}: {len(data['same'])} same, {len(data['different'])} different")
        for name, scorer, cut in (
            ("content similarity", similarity.score, threshold),
            ("rapidfuzz ratio (old)", fuzz.ratio, 90.0),
        ):
            merged = [(same, scorer(normalize(a), normalize(b)) >= cut) for a, b, same in pairs]
            tp = sum(1 for same, m in merged if same and m)
            fp = sum(1 for same, m in merged if not same and m)
            fn = sum(1 for same, m in merged if same and not m)
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            print(
                f"  {name} >= {cut:g}: precision {precision:.3f}, recall {recall:.3f} "
                f"({tp} merged right, {fp} wrongly, {fn} missed)"
            )
        for a, b, same in pairs:
            s = similarity.score(normalize(a), normalize(b))
            if (s >= threshold) != same:
                print(f"    {'missed' if same else 'wrong '} {s:5.1f} {a} / {b}")


if __name__ == "__main__":
    _evaluate(sys.argv[1:])
