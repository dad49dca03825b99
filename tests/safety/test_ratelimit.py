from bot.safety.ratelimit import RateLimiter


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
