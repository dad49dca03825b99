"""The FAQ command line: `python -m bot.faq check|ask|bench|calibrate`.

python -m bot.faq check [--dir faq_data]
python -m bot.faq ask "怎么交团费" [--dir faq_data] [-k 5]
python -m bot.faq bench --faq FAQ.jsonl --queries QUERIES.jsonl [--baseline NAME]
                        [--pad PADDING.txt [--pad-to N]] [--semantic auto|off|always]
                        [--cache DIR]
python -m bot.faq calibrate [--dir faq_data] [--youth YOUTH.yaml ...] [--check YOUTH.yaml ...]
                            [--faq FAQ.jsonl --queries QUERIES.jsonl ...] [--semantic [--cache DIR]]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.faq.baselines import BASELINES

ASK_WITH_ERRORS = (
    "注意：有 {errors} 处错误（见上）。运行中的青声不会换用这一版，继续用上次正确的问答库；"
    "下面按青声此刻启动时的做法回答：有错误的文件整个不用。"
)


def _check(args: argparse.Namespace) -> int:
    from bot.faq.check import run_check

    return run_check(args.dir)


def _ask(args: argparse.Namespace) -> int:
    from bot.faq.bands import decision_from
    from bot.faq.index import FaqIndex
    from bot.faq.loader import load_faq_dir
    from bot.settings import Settings

    loaded = load_faq_dir(args.dir)
    for problem in (*loaded.errors, *loaded.warnings):
        print(problem)
    if not loaded.ok:
        print(ASK_WITH_ERRORS.format(errors=len(loaded.errors)))
    if loaded.errors or loaded.warnings:
        print()
    # As a bot starting from these files serves them.
    served, _pending = loaded.served()
    index = FaqIndex.build(served, loaded.lexicon)
    settings = Settings.from_env()
    matches = index.search(args.question, args.k)
    for rank, match in enumerate(matches, 1):
        print(f"{rank}. {match.score:.3f}  [{match.entry.id}] {match.entry.question}")
        if match.matched != match.entry.question:
            print(f"          matched: {match.matched}")
    decision = decision_from(settings)
    band = decision.classify(matches)
    print(f"band: {band.value} (p={decision.probability(matches):.2f})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    try:
        from bot.bench.faq import bench_files
    except ModuleNotFoundError as exc:
        if exc.name not in ("bot.bench", "bot.bench.faq"):
            raise
        print(
            "bench runs from a checkout of the source (bot/bench is not installed)", file=sys.stderr
        )
        return 2
    result = bench_files(
        args.faq,
        args.queries,
        args.baseline,
        args.pad,
        args.pad_to,
        semantic=args.semantic,
        cache=args.cache,
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from bot.faq.calibrate import (
        band_shares,
        env_lines,
        fit,
        labelled_sets,
    )

    if len(args.faq) != len(args.queries) or not (args.faq or args.youth):
        print("需要成对的 --faq/--queries，或 --youth", file=sys.stderr)
        return 2
    pairs = list(zip(args.faq, args.queries, strict=True))
    if args.semantic:
        return _calibrate_semantic(args, pairs)
    sets = labelled_sets(pairs, args.dir, args.youth)
    decision, wrong = fit(sets, [str(path) for path in args.youth])
    checked = labelled_sets([], args.dir, args.check) if args.check else {}
    report = {
        "probability": decision.answer_probability,
        "domain_wrong_direct": {name: round(value, 3) for name, value in wrong.items()},
        "sets": {
            name: {key: round(value, 3) for key, value in band_shares(found, decision).items()}
            for name, found in {
                **sets,
                **{f"{k} (not fitted)": v for k, v in checked.items()},
            }.items()
        },
    }
    print(json.dumps(report, ensure_ascii=False))
    print(env_lines(decision))
    return 0


def _calibrate_semantic(args: argparse.Namespace, pairs: list[tuple[Path, Path]]) -> int:
    """The semantic decision, on the cascade behind the lexical decision of the settings."""
    from bot.faq.bands import cascade_gate, decision_from
    from bot.faq.calibrate import (
        band_shares,
        cascade_outcomes,
        fit_semantic,
        labelled_sets,
        semantic_env_lines,
    )
    from bot.semantic.cache import EmbeddingCache
    from bot.semantic.embedder import get_embedder
    from bot.semantic.faq import SemanticSearch
    from bot.settings import get_settings

    settings = get_settings()
    embedder = get_embedder(settings.model_copy(update={"semantic": "auto"}))
    if embedder is None:
        print("语义层不可用（见上面的日志）", file=sys.stderr)
        return 2
    lexical = decision_from(settings)
    cache = EmbeddingCache(args.cache or settings.data_dir / "embeddings")
    cascade = SemanticSearch(embedder)
    lexical_sets = labelled_sets(pairs, args.dir, args.youth)
    semantic_sets = labelled_sets(pairs, args.dir, args.youth, (cascade, cache, None))
    checked_lexical = labelled_sets([], args.dir, args.check) if args.check else {}
    checked_semantic = (
        labelled_sets([], args.dir, args.check, (cascade, cache, None)) if args.check else {}
    )
    domain = [str(path) for path in args.youth]
    gate = cascade_gate(lexical, args.skip_probability or settings.faq_semantic_skip_probability)
    decision, wrong = fit_semantic(lexical_sets, semantic_sets, domain, gate)

    def shares(name: str, lex: list, sem: list) -> dict:
        served = cascade_outcomes(lex, sem, gate)
        return {
            "lexical": {k: round(v, 3) for k, v in band_shares(lex, lexical).items()},
            "semantic": {k: round(v, 3) for k, v in band_shares(served, gate, decision).items()},
        }

    report = {
        "skip_probability": gate.answer_probability,
        "probability": decision.answer_probability,
        "domain_wrong_direct": {name: round(value, 3) for name, value in wrong.items()},
        "sets": {
            **{
                name: shares(name, lexical_sets[name], semantic_sets[name]) for name in lexical_sets
            },
            **{
                f"{name} (not fitted)": shares(name, checked_lexical[name], checked_semantic[name])
                for name in checked_lexical
            },
        },
    }
    print(json.dumps(report, ensure_ascii=False))
    print(f"FAQ_SEMANTIC_SKIP_PROBABILITY={gate.answer_probability:.2f}")
    print(semantic_env_lines(decision))
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m bot.faq`."""
    root = argparse.ArgumentParser(prog="python -m bot.faq", description="青声 FAQ tools")
    commands = root.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate the FAQ folder and report problems")
    check.add_argument("--dir", type=Path, default=Path("faq_data"))
    check.set_defaults(run=_check)

    ask = commands.add_parser("ask", help="search the FAQ folder for one question")
    ask.add_argument("question")
    ask.add_argument("--dir", type=Path, default=Path("faq_data"))
    ask.add_argument("-k", type=int, default=5)
    ask.set_defaults(run=_ask)

    bench = commands.add_parser("bench", help="measure retrieval quality, latency and memory")
    bench.add_argument("--faq", type=Path, required=True, help="FAQ JSON lines")
    bench.add_argument("--queries", type=Path, required=True, help="labelled query JSON lines")
    bench.add_argument(
        "--baseline",
        choices=sorted([*BASELINES, "dense"]),
        help="measure a baseline instead (dense: multilingual-e5-small alone)",
    )
    bench.add_argument(
        "--semantic",
        choices=["auto", "off", "always"],
        help="the semantic layer: auto (as the bot: only where the lexical answer is not sure), "
        "off, always; default: the SEMANTIC setting",
    )
    bench.add_argument(
        "--cache", type=Path, help="embedding cache folder (default DATA_DIR/embeddings)"
    )
    bench.add_argument("--pad", type=Path, help="padding questions, one a line, as distractors")
    bench.add_argument("--pad-to", type=int, help="pad up to this many entries in all")
    bench.set_defaults(run=_bench)

    calibrate = commands.add_parser(
        "calibrate", help="the direct-answer decision from labelled data"
    )
    calibrate.add_argument("--faq", type=Path, action="append", default=[])
    calibrate.add_argument("--queries", type=Path, action="append", default=[])
    calibrate.add_argument(
        "--youth", type=Path, action="append", default=[], help="youth questions on --dir"
    )
    calibrate.add_argument(
        "--check", type=Path, action="append", default=[], help="youth questions only reported"
    )
    calibrate.add_argument("--dir", type=Path, default=Path("faq_data"), help="the FAQ folder")
    calibrate.add_argument(
        "--semantic",
        action="store_true",
        help="fit the decision on semantic results (FAQ_SEMANTIC_*), with the lexical one set",
    )
    calibrate.add_argument(
        "--cache", type=Path, help="embedding cache folder (default DATA_DIR/embeddings)"
    )
    calibrate.add_argument(
        "--skip-probability",
        type=float,
        help="with --semantic: lexical answers this sure skip the semantic step "
        "(default FAQ_SEMANTIC_SKIP_PROBABILITY)",
    )
    calibrate.set_defaults(run=_calibrate)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code is the command's."""
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
