"""The installed package ships the bot and its plugins, not the benchmarks or the simulated
OneBot peer: setuptools' own build step (what a wheel packs for pure Python) is run on a copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every file setuptools builds for the wheel from a copy of the source (the checkout
    stays clean), relative to the build folder."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("bot", "plugins"):
        shutil.copytree(REPO / package, source / package, ignore=ignore)
    out = tmp_path_factory.mktemp("build")
    done = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "build_py", "-d", str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file())


def test_the_wheel_leaves_out_the_bench_harness(wheel_files: list[str]) -> None:
    modules = [name for name in wheel_files if name.endswith(".py")]
    assert not [name for name in modules if name.startswith("bot/bench/")]
    assert not [name for name in modules if Path(name).stem == "bench"]


def test_the_wheel_ships_the_bot_and_what_it_reads(wheel_files: list[str]) -> None:
    for name in (
        "bot/app.py",
        "bot/faq/__main__.py",
        "bot/faq/labelled.py",
        "bot/faq/calibrate.py",
        "bot/qa/models.py",
        "plugins/qa/__init__.py",
        "plugins/qqbot/__init__.py",
        "plugins/delivery/__init__.py",
    ):
        assert name in wheel_files
    assert any(name.startswith("bot/storage/migrations/versions/") for name in wheel_files)
    assert any(name.startswith("bot/console/templates/") for name in wheel_files)
