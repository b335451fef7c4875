"""The read cache: what it keeps, for how long, and what it forgets."""

import threading

from notify_pyramid.models.cache import ReadCache


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def loader(values):
    calls = []

    def load():
        calls.append(1)
        return values[len(calls) - 1]

    return load, calls


def test_a_value_is_kept_for_its_seconds_then_loaded_again():
    clock = Clock()
    cache = ReadCache(2, timer=clock)
    load, calls = loader(["first", "second"])

    assert cache.get("k", load) == "first"
    clock.now = 1.9
    assert cache.get("k", load) == "first"
    clock.now = 2.1
    assert cache.get("k", load) == "second"
    assert len(calls) == 2


def test_none_is_kept_too():
    cache = ReadCache(2, timer=Clock())
    load, calls = loader([None, "late"])

    assert cache.get("missing", load) is None
    assert cache.get("missing", load) is None
    assert len(calls) == 1


def test_zero_seconds_keeps_nothing():
    cache = ReadCache(0)
    load, calls = loader(["a", "b"])

    assert cache.get("k", load) == "a"
    assert cache.get("k", load) == "b"
    cache.forget(["k"])
    cache.clear()


def test_forget_drops_only_the_keys_given():
    cache = ReadCache(2, timer=Clock())
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)

    cache.forget(["a"])

    assert cache.get("a", lambda: 10) == 10
    assert cache.get("b", lambda: 20) == 2


def test_a_load_that_raced_a_forget_is_not_kept():
    cache = ReadCache(2, timer=Clock())
    loading = threading.Event()
    resume = threading.Event()

    def slow_load():
        loading.set()
        resume.wait(5)
        return "read before the change"

    reader = threading.Thread(target=cache.get, args=("k", slow_load))
    reader.start()
    loading.wait(5)
    # a commit changes the row while the read is on its way
    cache.forget(["k"])
    resume.set()
    reader.join(5)

    assert cache.get("k", lambda: "read after the change") == (
        "read after the change"
    )


def test_the_oldest_entries_make_room_when_full():
    cache = ReadCache(60, max_entries=2, timer=Clock())
    for key in ("a", "b", "c"):
        cache.get(key, lambda key=key: key)

    assert cache.get("c", lambda: "loaded again") == "c"
    assert cache.get("a", lambda: "loaded again") == "loaded again"
