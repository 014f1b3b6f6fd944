"""gunicorn settings shared by bin/run and the benchmark (``-c python:careloop.gunicorn_conf``).

Garbage collection. A worker holds some 230,000 objects that live as long as it does (Django,
the URL resolver, compiled templates), and Python's full collection walks all of them: about
90 ms, once every ten or so requests on a page like the complaint case, which is most of the
distance between a page's median and its 95th percentile. Objects alive once the worker has
served its first requests are moved out of the collector's sight (``gc.freeze``), so a full
collection only walks what the requests themselves leave behind. Freezing happens between
requests, after a collection, a few times early in the worker's life (templates are compiled
as pages are first asked for); anything frozen is still freed by reference counting.
"""

from __future__ import annotations

import gc
from typing import Any

# After these many requests of a worker, its surviving objects are frozen.
FREEZE_AFTER_REQUESTS = frozenset({1, 20, 200, 2000})

_served = 0


def gc_freeze_survivors() -> None:
    gc.collect()
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    gc_freeze_survivors()


def post_request(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    global _served
    _served += 1
    if _served in FREEZE_AFTER_REQUESTS:
        gc_freeze_survivors()
