"""The benchmark, the baselines and threshold calibration, on small synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.faq.__main__ import main
from bot.faq.baselines import BASELINES
from bot.faq.bench import (
    LabelledQuery,
    load_faq,
    load_queries,
    pad_entries,
    rank_metrics,
    run_bench,
)
from bot.faq.calibrate import (
    Outcome,
    Thresholds,
    answer_cut,
    band_shares,
    calibrate,
    env_lines,
    leave_one_out,
    suggest_threshold,
)
from bot.faq.model import FaqEntry

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "faq-bench"
KEYS = {"top1", "recall@5", "mrr@10", "build_s", "p50_ms", "p95_ms", "p99_ms", "peak_rss_mb"}
KEYS |= {"entries", "queries"}

FAQ = [
    {"id": "fee", "question": "团费怎么交？", "answer": ""},
    {"id": "card", "question": "团员证丢了怎么办？", "answer": ""},
    {"id": "join", "question": "申请入团需要什么条件？", "answer": ""},
    {"id": "hotline", "question": "12355是什么电话？", "answer": ""},
]
QUERIES = [
    {"query": "团费怎么交", "gold": ["fee"]},
    {"query": "团员证丢了", "gold": ["card"]},
    {"query": "入团需要什么条件", "gold": ["join"]},
    {"query": "12355是什么", "gold": ["hotline"]},
]

FEE_YAML = """entries:
  - id: fee-how-to-pay
    question: 团费怎么交？
    similar: [团费在哪里交, 智慧团建怎么交团费]
    answer: 在智慧团建上交。
  - id: card-lost
    question: 团员证丢了怎么办？
    answer: 找团支部补办。
"""


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), "utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write_jsonl(tmp_path / "faq.jsonl", FAQ), write_jsonl(tmp_path / "q.jsonl", QUERIES)


def test_rank_metrics() -> None:
    queries = [LabelledQuery(q, frozenset({"a"})) for q in ("1", "2", "3", "4")]
    ranked = [["a", "b"], ["b", "a"], ["b", "c", "d", "e", "f", "g", "a"], ["b"]]

    metrics = rank_metrics(ranked, queries)

    assert metrics["top1"] == pytest.approx(1 / 4)
    assert metrics["recall@5"] == pytest.approx(2 / 4)
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 2 + 1 / 7) / 4)


def test_run_bench_measures_a_retriever() -> None:
    class Fixed:
        def __init__(self, entries: list[FaqEntry]) -> None:
            self.ids = [entry.id for entry in entries]

        def search_ids(self, query: str, k: int) -> list[str]:
            return self.ids[:k]

    entries = [FaqEntry("a", "甲", ""), FaqEntry("b", "乙", "")]
    queries = [LabelledQuery("x", frozenset({"a"})), LabelledQuery("y", frozenset({"b"}))]

    result = run_bench(entries, queries, Fixed)

    assert set(result) == KEYS
    assert result["top1"] == 0.5
    assert result["mrr@10"] == 0.75
    assert result["entries"] == 2
    assert result["queries"] == 2
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["peak_rss_mb"] > 0


def test_pad_entries(tmp_path: Path) -> None:
    padding = tmp_path / "pad.txt"
    padding.write_text("第一句\n\n第二句\n第三句\n", "utf-8")
    entries = [FaqEntry("a", "甲", "")]

    assert [e.question for e in pad_entries(entries, padding, None)] == [
        "甲",
        "第一句",
        "第二句",
        "第三句",
    ]
    padded = pad_entries(entries, padding, 3)
    assert [e.id for e in padded] == ["a", "pad-0", "pad-1"]


def test_loaders(files: tuple[Path, Path]) -> None:
    faq, queries = files

    assert [entry.id for entry in load_faq(faq)] == ["fee", "card", "join", "hotline"]
    assert load_queries(queries)[0] == LabelledQuery("团费怎么交", frozenset({"fee"}))


@pytest.mark.parametrize("baseline", [None, *sorted(BASELINES)])
def test_bench_cli_prints_one_json_object(
    files: tuple[Path, Path], baseline: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    faq, queries = files
    extra = ["--baseline", baseline] if baseline else []

    assert main(["bench", "--faq", str(faq), "--queries", str(queries), *extra]) == 0

    result = json.loads(capsys.readouterr().out)
    assert set(result) >= KEYS
    assert result["top1"] == 1.0
    assert result["entries"] == 4


def test_bench_cli_pads(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faq, queries = files
    padding = tmp_path / "pad.txt"
    padding.write_text("\n".join(f"第{n}个无关的问题" for n in range(50)), "utf-8")

    main(
        [
            "bench",
            "--faq",
            str(faq),
            "--queries",
            str(queries),
            "--pad",
            str(padding),
            "--pad-to",
            "20",
        ]
    )

    assert json.loads(capsys.readouterr().out)["entries"] == 20


def outcome(top: float, right: bool, lead: float = 0.1) -> Outcome:
    return Outcome(top, lead, 1 if right else None)


def test_answer_cut_reaches_the_precision() -> None:
    # Scores above 0.8 are right, below are a coin flip.
    found = [outcome(0.8 + i / 1000, True) for i in range(100)]
    found += [outcome(0.5 + i / 1000, i % 2 == 0) for i in range(100)]

    cut = answer_cut(found)

    answered = [o for o in found if o.top >= cut.threshold]
    assert 0.55 < cut.threshold <= 0.8
    assert sum(o.rank == 1 for o in answered) / len(answered) >= 0.9
    assert cut.answered == pytest.approx(len(answered) / len(found))


def test_answer_cut_uses_a_margin_when_it_helps() -> None:
    # Right answers lead clearly; wrong ones are ties with the runner-up.
    found = [outcome(0.6 + i / 1000, True, lead=0.1) for i in range(100)]
    found += [outcome(0.6 + i / 1000 + 0.0005, False, lead=0.0) for i in range(100)]

    cut = answer_cut(found)

    assert cut.margin > 0
    assert cut.answered == pytest.approx(0.5)


def test_answer_cut_out_of_reach() -> None:
    found = [outcome(0.9, i % 3 == 0) for i in range(90)]

    assert answer_cut(found).answered == 0


def test_suggest_threshold_keeps_most_useful_choices() -> None:
    found = [Outcome(i / 100, 0.0, 2) for i in range(100)] + [Outcome(0.99, 0.0, None)]

    assert suggest_threshold(found) == pytest.approx(0.099, abs=0.01)


def test_calibrate_combines_sets_conservatively() -> None:
    strict = [outcome(0.9, True)] * 40 + [outcome(0.7, False)] * 40
    loose = [outcome(0.6, True)] * 40 + [Outcome(0.3, 0.1, 2)] * 40
    hopeless = [outcome(0.95, False)] * 40 + [Outcome(0.2, 0.1, 2)] * 40

    thresholds = calibrate([strict, loose, hopeless])

    assert thresholds.answer_threshold == pytest.approx(0.9)  # hopeless cannot set it
    assert thresholds.suggest_threshold == pytest.approx(0.2)
    assert "FAQ_ANSWER_THRESHOLD=0.900" in env_lines(thresholds)


def test_band_shares() -> None:
    thresholds = Thresholds(0.8, 0.5, 0.05)
    found = [
        Outcome(0.9, 0.2, 1),  # answered, right
        Outcome(0.9, 0.01, 2),  # too close to the runner-up: suggested, gold among choices
        Outcome(0.6, 0.2, None),  # suggested, gold missing
        Outcome(0.3, 0.2, 1),  # escalated
    ]

    shares = band_shares(found, thresholds)

    assert shares["answered"] == 0.25
    assert shares["answered_right"] == 1.0
    assert shares["suggested"] == 0.5
    assert shares["suggested_with_gold"] == 0.5
    assert shares["escalated"] == 0.25
    assert shares["top1"] == 0.5


def test_leave_one_out_holds_each_similar_question_out() -> None:
    entries = [
        FaqEntry("fee", "团费怎么交？", "", similar=("怎样缴纳团费", "团费在哪交")),
        FaqEntry("card", "团员证丢了怎么办？", "", similar=("团员证遗失了",)),
        FaqEntry("join", "申请入团需要什么条件？", ""),
    ]

    found = leave_one_out(entries)

    assert len(found) == 3
    assert all(outcome.rank == 1 for outcome in found)


def test_calibrate_cli(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faq, queries = files
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "fee.yaml").write_text(FEE_YAML, "utf-8")

    args = ["calibrate", "--faq", str(faq), "--queries", str(queries), "--dir", str(tmp_path)]
    assert main(args) == 0

    first, *env = capsys.readouterr().out.splitlines()
    report = json.loads(first)
    assert 0 <= report["suggest_threshold"] <= report["answer_threshold"] <= 1
    assert report["sets"][str(queries)]["queries"] == len(QUERIES)
    assert report["sets"][f"{tmp_path} (leave-one-out)"]["queries"] == 2
    assert env[0].startswith("FAQ_ANSWER_THRESHOLD=")


@pytest.mark.skipif(not (SHARED / "bq").is_dir(), reason="../shared/faq-bench is not present")
def test_beats_the_ratio_baseline_on_bq_sample() -> None:
    entries = load_faq(SHARED / "bq" / "faq.jsonl")
    queries = load_queries(SHARED / "bq" / "queries.jsonl")[:600]

    ours = run_bench(entries, queries)
    ratio = run_bench(entries, queries, BASELINES["ratio"])

    assert ours["top1"] > ratio["top1"]
    assert ours["recall@5"] > ratio["recall@5"]


def test_ask_cli_prints_matches_and_band(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "fee.yaml").write_text(FEE_YAML, "utf-8")

    assert main(["ask", "请问团费在哪交？", "--dir", str(tmp_path), "-k", "2"]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("1. ")
    assert "[fee-how-to-pay]" in out.splitlines()[0]
    assert out.splitlines()[-1] in {"band: answer", "band: suggest", "band: escalate"}


def test_check_cli_returns_the_check_exit_code(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "fee.yaml").write_text(FEE_YAML, "utf-8")

    assert main(["check", "--dir", str(tmp_path)]) == 0
