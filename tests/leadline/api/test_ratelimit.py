"""The sliding window itself, with a fake clock."""

from leadline.api.ratelimit import SlidingWindowLimiter


def test_sliding_window() -> None:
    now = [1000.0]
    lim = SlidingWindowLimiter(2, 60, clock=lambda: now[0])
    assert lim.hit("a") is None and lim.hit("a") is None
    assert lim.hit("a") == 60 and lim.hit("b") is None  # per client
    now[0] += 45
    assert lim.hit("a") == 15  # the first hit leaves the window in 15 s
    now[0] += 15
    assert lim.hit("a") is None
    now[0] += 1000
    for i in range(1000):
        lim.hit(f"ip{i}")
    assert len(lim._hits) <= 1000  # quiet clients are swept
