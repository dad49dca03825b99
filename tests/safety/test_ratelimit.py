from bot.safety.ratelimit import RateLimiter, Verdict


def test_limit_per_key_within_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, window=60, clock=lambda: now[0])
    assert limiter.allow("a")
    assert limiter.allow("a")
    assert not limiter.allow("a")
    assert limiter.allow("b"), "keys are independent"
    assert limiter.retry_after("a") == 60
    now[0] = 60.0
    assert limiter.allow("a"), "the window slid past the first events"


def test_over_the_limit_is_told_once_per_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, window=60, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(2)] == [Verdict.ALLOW] * 2
    assert limiter.check("a") is Verdict.TELL
    assert {limiter.check("a") for _ in range(50)} == {Verdict.SILENT}
    now[0] = 59.9
    assert limiter.check("a") is Verdict.SILENT
    now[0] = 60.0
    assert limiter.check("a") is Verdict.ALLOW, "the window let one in again"
    assert limiter.check("a") is Verdict.ALLOW
    assert limiter.check("a") is Verdict.TELL, "over again after getting through: told again"


def test_idle_keys_are_forgotten() -> None:
    now = [0.0]
    limiter = RateLimiter(1, window=60, clock=lambda: now[0])
    for n in range(1000):
        limiter.check(f"one-off-{n}")
    now[0] = 121.0
    limiter.check("later")
    assert len(limiter) == 1
