"""The benchmark and the baselines, on small synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bench.faq import pad_entries, rank_metrics, run_bench
from bot.faq.__main__ import main
from bot.faq.baselines import BASELINES
from bot.faq.labelled import LabelledQuery, load_faq, load_queries
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
    assert out.splitlines()[-1].split(" ")[1] in {"answer", "suggest", "escalate"}


def test_check_cli_returns_the_check_exit_code(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "fee.yaml").write_text(FEE_YAML, "utf-8")

    assert main(["check", "--dir", str(tmp_path)]) == 0
