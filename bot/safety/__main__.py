"""python -m bot.safety eval FILE [--cues-only] [--misses] [--part dev|final] | tune: measure the crisis screen."""

from __future__ import annotations

import argparse
import sys

from bot.safety.crisis import CrisisDetector, default_detector
from bot.safety.evaluate import cross_validate, keep_part, measure, read
from bot.safety.learned import package_yaml


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m bot.safety`."""
    parser = argparse.ArgumentParser(prog="python -m bot.safety")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("eval", help="recall and false alarms on a labelled file")
    run.add_argument("file")
    run.add_argument("--cues-only", action="store_true", help="without the learned screen")
    run.add_argument("--misses", action="store_true", help="list misses and false alarms")
    run.add_argument("--part", choices=("dev", "final"), help="only one fixed half of the file")
    sub.add_parser("tune", help="cross-validate the learned screen's threshold on its own data")
    args = parser.parse_args(argv)
    if args.command == "tune":
        for line in cross_validate(package_yaml(), [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9]):
            print(line)
        return 0
    detector = CrisisDetector() if args.cues_only else default_detector()
    text = read(args.file)
    if args.part:
        text = keep_part(text, args.part)
    report = measure(detector.assess, text)
    if args.misses:
        for line in report.misses:
            print("MISSED", line)
        for line in report.alarms:
            print("FALSE ALARM", line)
    print(report.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
