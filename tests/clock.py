"""The suite's clock: one way for a test to say what "now" is, and the hard moment that
`--clock=hard` starts every test at.

A clinic's deadlines, birthdays, expiry dates and worklists are all about "today", so a test
either computes its dates from today or moves the clock to the moment it means, through
`clock` (a fixture) or `at(...)` (a context manager) — both time-machine, which moves
`datetime.now`, `date.today` and `time.time` together and leaves `time.monotonic` alone.

`--clock=hard` moves every test, one at a time, to 23:57 Asia/Taipei on the first Taiwanese
national holiday that falls on a weekend, counted from the day the run starts, with the clock
ticking from there: the minutes around local midnight on a day that is neither a working day
nor a weekday like the others. Each test starts at the same moment, so a long run never drifts
across midnight part-way. `--clock=<ISO moment>` does the same at any moment (a time zone is
required), to replay a failure seen under another clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import time_machine

from careloop.workcalendar.calendar import TAIPEI, national_year

HARD_TIME = dt.time(23, 57)
_YEARS_SEARCHED = 3  # every year of Taiwan's calendar has a holiday on a weekend


def hard_moment(*, on_or_after: dt.date) -> dt.datetime:
    """23:57 Taipei on the first national holiday on a Saturday or Sunday from `on_or_after`."""
    for year in range(on_or_after.year, on_or_after.year + _YEARS_SEARCHED):
        days = sorted(
            day for day in national_year(year).holidays if day >= on_or_after and day.weekday() >= 5
        )
        if days:
            return dt.datetime.combine(days[0], HARD_TIME, tzinfo=TAIPEI)
    raise LookupError(f"no national holiday on a weekend within {_YEARS_SEARCHED} years")


def moment_from_option(value: str, *, today: dt.date) -> dt.datetime | None:
    """What `--clock` asks for: None for the real clock, the hard moment, or a given moment."""
    if value == "real":
        return None
    if value == "hard":
        return hard_moment(on_or_after=today)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as e:
        raise ValueError(f"--clock takes real, hard or an ISO moment, not {value!r}") from e
    if moment.tzinfo is None:
        raise ValueError(f"--clock={value}: give the time zone, e.g. {value}+08:00")
    return moment


@contextmanager
def at(moment: dt.datetime | dt.date | str, *, tick: bool = True) -> Iterator[None]:
    """Run the block with the clock at `moment` (a date means 09:00 Taipei that day).

    The clock ticks from there unless `tick=False`, for a test that compares exact times.
    """
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(9), tzinfo=TAIPEI)
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone means nothing to a clinic in Taipei")
    with time_machine.travel(moment, tick=tick):
        yield


def suite_clock(moment: dt.datetime | None) -> AbstractContextManager[None]:
    """What every test runs inside: the real clock, or `moment` ticking (see --clock)."""
    return nullcontext() if moment is None else at(moment)


class Clock:
    """The `clock` fixture: `clock.move_to(moment)` for the rest of the test."""

    def __init__(self) -> None:
        self._stack: list[AbstractContextManager[None]] = []

    def move_to(self, moment: dt.datetime | dt.date | str, *, tick: bool = True) -> None:
        traveller = at(moment, tick=tick)
        traveller.__enter__()
        self._stack.append(traveller)

    def stop(self) -> None:
        while self._stack:
            self._stack.pop().__exit__(None, None, None)
