from importlib import resources
from pathlib import Path

import pytest

from bot.safety.crisis import CrisisDetector, CrisisKind, RiskLevel, assess_crisis, default_detector
from bot.safety.evaluate import keep_part, measure
from bot.safety.learned import LearnedScreen, load_examples, prepare
from bot.safety.text import clauses

SELF, ABUSE, SEXUAL, BULLYING = (
    CrisisKind.SELF_HARM,
    CrisisKind.ABUSE,
    CrisisKind.SEXUAL,
    CrisisKind.BULLYING,
)
CUES_ONLY = CrisisDetector()
HELD_OUT = Path(__file__).parent / "data" / "crisis_heldout.yaml"


@pytest.mark.parametrize(
    ("text", "kind", "level"),
    [
        ("我真的不想活了", SELF, 2),
        ("最近总想自杀怎么办", SELF, 2),
        ("我想从宿舍楼顶跳下去", SELF, 2),
        ("遗书我都写好了", SELF, 3),
        ("我把药都攒好了", SELF, 3),
        ("要是我消失了会有人难过吗", SELF, 1),
        ("我爸喝醉了就拿皮带抽我", ABUSE, 2),
        ("我爸又家暴我妈", ABUSE, 2),
        ("昨天被继父打了", ABUSE, 2),
        ("家里人总是不给我饭吃", ABUSE, 1),
        ("继父经常对我动手动脚", SEXUAL, 2),
        ("有个大人让我拍裸照给他", SEXUAL, 2),
        ("他们把我堵在厕所里打", BULLYING, 2),
        ("在学校被同学欺负怎么办", BULLYING, 2),
        ("有人每天放学拦住我要钱", BULLYING, 2),
    ],
)
def test_crisis_kinds_and_levels(text: str, kind: CrisisKind, level: int) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis
    assert (found.kind, int(found.level)) == (kind, level)
    assert found.reason, "cadres read why it was flagged"


@pytest.mark.parametrize(
    "text",
    [
        "我朋友在朋友圈发了告别的话，联系不上她",
        "室友说要吃药自杀，现在把自己反锁在厕所里",
        "我现在站在楼顶上",
        "准备今晚从十八楼跳下去",
        "刚刚割了好深一道，血止不住",
    ],
)
def test_plan_means_time_goodbye_and_injury_are_imminent(text: str) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None
    assert found.level is RiskLevel.IMMINENT
    assert found.kind is SELF


def test_a_friends_crisis_counts() -> None:
    found = CUES_ONLY.assess("我朋友在朋友圈发了告别的话，联系不上她")
    assert found is not None
    assert "告别" in found.reason and "联系不上" in found.reason


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("网友让我发私密照片，不发就要告诉我爸妈", SEXUAL),
        ("有人说要把我的私密照发到网上，要我给他转钱", SEXUAL),
        ("网友说今晚十二点前不转钱就把我的裸照发到班级群", SEXUAL),
        ("有个大叔一直给我发消息说喜欢我，让我别告诉家长", SEXUAL),
    ],
)
def test_sextortion_and_grooming(text: str, kind: CrisisKind) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis
    assert found.kind is kind


def test_sextortion_with_a_deadline_is_imminent() -> None:
    found = CUES_ONLY.assess("网友说今晚十二点前不转钱就把我的裸照发到班级群")
    assert found is not None and found.level is RiskLevel.IMMINENT


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我没有想死，但我爸天天打我", ABUSE),
        ("我不是想自杀，只是我妈每天都打我", ABUSE),
        ("我不是被霸凌，但是有人每天放学拦住我要钱", BULLYING),
    ],
)
def test_negation_clears_only_what_it_negates(text: str, kind: CrisisKind) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis
    assert found.kind is kind
    assert "想死" not in found.reason and "自杀" not in found.reason


@pytest.mark.parametrize(
    "text",
    [
        "我没有想死，只是想问问压力大怎么办",
        "我不想死，就是最近考试压力有点大",
        "我爸妈从来不打我，他们对我很好",
        "我不是被霸凌，只是和同学吵了一架",
        "我不会想不开的，放心吧",
    ],
)
def test_negated_crisis_words_are_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "反家暴法是哪一年实施的",
        "下周班会的主题是预防校园欺凌，有什么素材",
        "我们想做一期防欺凌的主题黑板报",
        "电影里那个人跳楼的情节好吓人",
        "小说里主角最后自杀了，结局好虐",
        "新闻说有个学生跳楼了，学校怎么回应的",
        "学校组织观看了防性侵的视频",
        "世界预防自杀日是哪一天",
        "12355是什么电话",
    ],
)
def test_the_topic_in_the_abstract_is_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "累死了，今天跑了三个会场",
        "笑死我了，你们太逗了",
        "想死你们了，寒假终于结束了",
        "气死我了，团员证又找不到了",
        "跳楼价甩卖，最后三天",
        "不想死记硬背，有没有好的记忆方法",
        "游戏里被打败了，好不甘心",
        "我爸打呼噜太响了睡不着",
        "你打我电话吧，我在门口",
        "团支书让我把活动照片发给他",
        "组装书架要动手能力强吗",
        "各位再见，我转学了，会想你们的",
        "笑死😂😂😂",
    ],
)
def test_hyperbole_and_everyday_words_are_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis


@pytest.mark.parametrize(
    "text",
    [
        "想zs",
        "我想紫砂",
        "想s",
        "bxhl",
        "不想活le",
        "我真係唔想活啦",
        "遺書已經寫好了",
        "他們把我堵在廁所裡打",
        "💊都准备好了，今晚解脱",
        "俺爹天天拿鞋底子抽俺",
        "我老汉儿喝了酒就打我",
    ],
)
def test_slang_typos_dialect_and_traditional_characters(text: str) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis


def test_low_mood_is_a_concern_not_a_crisis() -> None:
    found = CUES_ONLY.assess("最近压力好大")
    assert found is not None
    assert found.level is RiskLevel.CONCERN and not found.is_crisis


def test_a_joke_taken_back_is_not_a_crisis_but_imminent_danger_stays() -> None:
    joke = CUES_ONLY.assess("我爸总说要打断我的腿，其实是开玩笑，他从没打过我")
    assert joke is None or not joke.is_crisis
    still = CUES_ONLY.assess("遗书写好了，开玩笑的")
    assert still is not None and still.level is RiskLevel.IMMINENT


def test_the_learned_screen_catches_talk_without_a_cue_word() -> None:
    text = "我觉得活着没什么意思"
    assert CUES_ONLY.assess(text) is None, "no cue names these words"
    found = default_detector().assess(text)
    assert found is not None and found.is_crisis
    assert found.reason.startswith("与求助的话相近")


def test_the_learned_screen_does_not_read_negated_words() -> None:
    reading = CUES_ONLY.read("我没有想死，只是累")
    assert "想死" not in reading.residual


def test_the_fast_probability_equals_scikit_learns() -> None:
    screen = default_detector().learned
    assert screen is not None
    for text in ("我把药都攒好了", "想死你们了", "怎么交团费", "他们天天骂我"):
        row = screen.vectorizer.transform([prepare(text)])
        assert screen.probability(text) == pytest.approx(screen.screen.predict_proba(row)[0, 1])


def test_the_screen_is_fast() -> None:
    detector = default_detector()
    texts = ["怎么交团费", "我没有想死，但我爸天天打我", "想死你们了，寒假终于结束了"] * 100
    report = measure(detector.assess, _as_set(texts))
    assert report.microseconds < 1000, "every message is screened: it must stay sub-millisecond"


def test_training_data_ships_with_the_package() -> None:
    text = resources.files("bot.safety").joinpath("data", "crisis.yaml").read_text("utf-8")
    texts, labels, _kinds, _levels = load_examples(text)
    assert sum(labels) >= 150 and len(labels) - sum(labels) >= sum(labels)
    assert isinstance(LearnedScreen(texts, labels, _kinds, _levels), LearnedScreen)


def test_own_held_out_part_was_kept_apart() -> None:
    data = resources.files("bot.safety").joinpath("data", "crisis.yaml").read_text("utf-8")
    train = set(load_examples(data)[0])
    held = set(load_examples(HELD_OUT.read_text("utf-8"))[0])
    assert held and not train & held


def test_assess_crisis_uses_the_default_detector() -> None:
    assert assess_crisis("怎么交团费") is None


def _as_set(texts: list[str]) -> str:
    return "none:\n" + "".join(f"  - {t}\n" for t in texts)


# ---- generalisation: new wordings, veiled goodbyes, pinyin, grooming, sextortion ----------

INDEPENDENT = Path(__file__).parents[1] / "data" / "heldout" / "crisis.yaml"


@pytest.mark.parametrize(
    ("text", "kind", "level"),
    [
        ("以后不用等我了", SELF, 3),
        ("爸妈，照顾好自己，女儿不孝，先走了", SELF, 3),
        ("我的书都留给你，我以后不需要了，拜拜", SELF, 3),
        ("这是我最后一条朋友圈了，谢谢大家，永别", SELF, 3),
        ("绳子已经系好了，凳子也搬好了", SELF, 3),
        ("割了好多下，现在头好晕", SELF, 3),
        ("药已经吃下去了，大概二十片", SELF, 3),
        ("坐在宿舍楼顶边上，腿在外面", SELF, 3),
        ("我试过上吊，绳子断了", SELF, 2),
        ("天台的门今天没锁", SELF, 2),
        ("我用圆规在手臂上划了几道", SELF, 2),
        ("考不好我妈就罚我跪一整晚", ABUSE, 2),
        ("我和妹妹三天没人管了，冰箱空了", ABUSE, 2),
        ("网友说给我五百块，让我开视频脱衣服", SEXUAL, 2),
        ("同学偷拍了我换衣服的视频，威胁我给他钱", SEXUAL, 2),
        ("有人说有我的不雅视频，不转钱就发给我通讯录", SEXUAL, 2),
        ("游戏里认识的哥哥约我见面，不许告诉爸妈", SEXUAL, 1),
        ("他们每周让我交二十块，不交就打", BULLYING, 2),
        ("同桌天天用笔扎我", BULLYING, 2),
        ("他们把我裤子扒了拍照", BULLYING, 2),
    ],
)
def test_new_wordings_of_means_goodbyes_grooming_and_bullying(
    text: str, kind: CrisisKind, level: int
) -> None:
    found = CUES_ONLY.assess(text)
    assert found is not None and found.is_crisis, text
    assert (found.kind, int(found.level)) == (kind, level)


@pytest.mark.parametrize(
    "text",
    [
        "wo bu xiang huo le",
        "woxiangsi",
        "yi hou bu yong deng wo le",
        "wo ba tian tian da wo",
        "ta shuo yao ba wo de luo zhao fa chu qu",
        "dui bu qi ba ma, wo xian zou le",
    ],
)
def test_whole_sentences_in_pinyin(text: str) -> None:
    found = default_detector().assess(text)
    assert found is not None and found.is_crisis, text


def test_pinyin_is_read_as_characters_and_english_is_left_alone() -> None:
    assert clauses("wo bu xiang huo le") == ("我不想活了",)
    assert clauses("wifi mima") == ("wifi mima",)
    assert clauses("emo了") == ("emo了",)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我没有想死，但我爸天天打我", ABUSE),
        ("我不想自杀，可是网友拿我的裸照威胁我", SEXUAL),
        ("我没被打，但是他们每天逼我交钱", BULLYING),
        ("我是不是消失了比较好", SELF),
    ],
)
def test_negation_per_clause(text: str, kind: CrisisKind) -> None:
    found = default_detector().assess(text)
    assert found is not None and found.is_crisis, text
    assert found.kind is kind


@pytest.mark.parametrize(
    "text",
    [
        "以后不用等我吃饭了，我在学校住",
        "我先走了，明天见",
        "毕业了，校服送给学弟吧，我用不上了",
        "我把游戏账号送给表弟了，我要高考了不玩了",
        "下辈子还想当中国人",
        "刚才那把我手雷紫砂了，笑死",
        "狼人杀今晚谁来，还缺两个人",
        "如果班上有同学被欺负，作为班干部应该怎么做",
        "一了百了这个成语怎么用",
        "自杀式袭击是什么意思",
        "帮我爷爷买安眠药，药店要处方吗",
        "体检要脱衣服吗",
        "勒索病毒怎么防",
        "减肥三天没吃晚饭了",
        "坐在窗台上看书",
        "考完试就解脱了",
        "献血之后有点头晕",
        "不想活在别人的眼光里",
        "网友约我线下见面参加漫展，安全吗",
        "我爸打了我一巴掌，是我小时候的事了，现在关系很好",
        "ming tian kao shi, yao si le",
    ],
)
def test_look_alikes_are_not_a_crisis(text: str) -> None:
    found = default_detector().assess(text)
    assert found is None or not found.is_crisis, text


def test_own_held_out_floors() -> None:
    report = measure(default_detector().assess, HELD_OUT.read_text("utf-8"))
    assert report.recall >= 0.95, report.misses
    assert report.false_alarm_rate <= 0.05, report.alarms


def test_the_independent_sets_final_half_stays_out_of_training() -> None:
    data = resources.files("bot.safety").joinpath("data", "crisis.yaml").read_text("utf-8")
    train = set(load_examples(data)[0])
    final = set(load_examples(keep_part(INDEPENDENT.read_text("utf-8"), "final"))[0])
    dev = set(load_examples(keep_part(INDEPENDENT.read_text("utf-8"), "dev"))[0])
    assert len(final) > 200 and len(dev) > 200
    # Counts only: a failure must not print the final half's texts.
    assert len(train & final) == 0, "the final half is only evaluated"
    assert len(dev - train) == 0


def test_floors_on_the_independent_sets_final_half() -> None:
    """The half never trained or tuned on: measured once at 90.7% recall (117/129) and 4.7%
    false alarms (5/107); a regression below these floors fails. Counts only, no texts."""
    report = measure(default_detector().assess, keep_part(INDEPENDENT.read_text("utf-8"), "final"))
    assert report.recall >= 0.89, f"recall {report.caught}/{report.crisis}"
    assert report.false_alarm_rate <= 0.05, f"false alarms {report.false_alarms}/{report.none}"


def test_floors_on_the_independent_sets_dev_half() -> None:
    """The half trained on: it must stay nearly all caught."""
    report = measure(default_detector().assess, keep_part(INDEPENDENT.read_text("utf-8"), "dev"))
    assert report.recall >= 0.98, report.misses
    assert report.false_alarm_rate <= 0.02, report.alarms
