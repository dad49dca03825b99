"""The console benchmark requests every console page (both viewers, through the real routes)
on a small seed; a page added to the console without a place in the benchmark fails here."""

from __future__ import annotations

from bot.bench.console import ADMIN_ONLY, pages, run
from bot.console.web import router

NOT_PAGES = {
    "/console/static/console.css",
    "/console/login",  # before signing in: no database work
}


def _download(path: str) -> bool:
    """A file to download (report, its summary picture, sign-up sheet, template), not a page."""
    return path.endswith((".xlsx", ".png", ".{suffix}"))


def test_every_console_page_is_benchmarked() -> None:
    paths = [path.split("?")[0] for path in pages(7, 9, 11, 13).values()]
    routes = [
        route
        for route in router.routes
        if "GET" in getattr(route, "methods", ())
        and route.path not in NOT_PAGES
        and not _download(route.path)
    ]
    missing = [r.path for r in routes if not any(r.path_regex.match(p) for p in paths)]
    assert routes and not missing, f"pages the benchmark does not time: {missing}"


async def test_benchmark_small_run() -> None:
    figures = await run(400, None, runs=2)
    assert figures["questions"] == 400 and figures["database"] == "sqlite"
    names = set(pages(1, 1, 1, 1))
    assert set(figures["admin"]) == names
    assert set(figures["street"]) == names - ADMIN_ONLY
    for viewer in ("admin", "street"):
        for timed in figures[viewer].values():
            assert 0 < timed["median"] <= timed["p95"]
    assert figures["slowest_p95"]["ms"] == max(
        t["p95"] for v in ("admin", "street") for t in figures[v].values()
    )
