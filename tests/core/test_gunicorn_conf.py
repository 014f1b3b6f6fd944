"""The web workers' garbage-collection settings (careloop/gunicorn_conf.py)."""

import gc
import weakref

from careloop import gunicorn_conf


def test_a_worker_freezes_its_survivors_a_few_times_early_in_its_life(monkeypatch):
    frozen_at = []
    monkeypatch.setattr(gunicorn_conf, "_served", 0)
    monkeypatch.setattr(
        gunicorn_conf, "gc_freeze_survivors", lambda: frozen_at.append(gunicorn_conf._served)
    )
    for _ in range(2500):
        gunicorn_conf.post_request(None, None, {}, None)
    assert frozen_at == [1, 20, 200, 2000]


class _Node:
    pass


def test_freezing_first_collects_garbage_then_hides_the_survivors():
    # Given a reference cycle nobody holds any more, and an object still in use
    cycle = _Node()
    cycle.me = cycle
    gone = weakref.ref(cycle)
    del cycle
    kept = [_Node()]
    before = gc.get_freeze_count()
    try:
        # When the survivors are frozen
        gunicorn_conf.gc_freeze_survivors()
        # Then the cycle was collected first, and what is in use is frozen, not collected
        assert gone() is None
        assert gc.get_freeze_count() > before
        assert isinstance(kept[0], _Node)
    finally:
        gc.unfreeze()
