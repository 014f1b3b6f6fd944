"""What every part of the generator shares: the counts for a scale, the clock, random streams.

Moments are whole seconds since the Unix epoch (UTC) while generating and become the strings
the database stores only when a row is written: formatting millions of datetimes is the
slowest part of a naive generator, so a day's string and a time of day's string are each
built once and concatenated.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, fields

DEFAULT_SEED = 20261123
DAY = 86_400
# Taiwan has kept UTC+8 without daylight saving since 1979, so a fixed offset converts exactly.
TAIPEI_OFFSET = 8 * 3600
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
YEARS = 5
# The read log (careloop/access) holds the reads of the last this many days: what a chain's log
# holds at any time is far below its retention (CARELOOP_READ_LOG_DAYS), and a few million rows
# of it are enough to measure the panel, the sweep and the erasure's scan against.
READ_LOG_DAYS = 90


@dataclass(frozen=True)
class Counts:
    """Row counts of chain-5y at a scale (scale.md); each scales linearly."""

    branches: int
    staff: int
    customers: int
    interactions: int
    customers_with_50: int
    purchases: int
    session_uses: int
    contact_plans: int
    open_contact_plans: int
    complaints: int
    open_complaints: int
    # The read log's last 90 days (careloop/access) and data-subject requests (careloop/privacy):
    # not in scale.md's table; sized so that a chain's supervisors and sweeps meet real volumes.
    personal_data_reads: int
    privacy_requests: int

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


FULL = Counts(
    branches=30,
    staff=600,
    customers=300_000,
    interactions=3_000_000,
    customers_with_50=50,
    purchases=600_000,
    session_uses=2_000_000,
    contact_plans=400_000,
    open_contact_plans=50_000,
    complaints=30_000,
    open_complaints=2_000,
    personal_data_reads=2_500_000,
    privacy_requests=300,
)
HQ_STAFF = 6  # admin, ceo and the four chain-wide department heads
BRANCH_ROLES = 5  # every branch has at least a desk, therapist, consultant, cs and head


def counts_for(scale: float) -> Counts:
    """Linear in `scale`; at least one of each thing, two branches, enough staff to man them."""
    if scale <= 0:
        raise ValueError("scale must be positive")

    def scaled(n: int, least: int = 1) -> int:
        return max(least, round(n * scale))

    branches = scaled(FULL.branches, 2)
    customers = scaled(FULL.customers)
    with_50 = scaled(FULL.customers_with_50)
    # Every customer has a first contact; the customers with 50 need room on top.
    interactions = max(scaled(FULL.interactions), customers + 49 * with_50)
    complaints = scaled(FULL.complaints)
    plans = scaled(FULL.contact_plans)
    return Counts(
        branches=branches,
        staff=scaled(FULL.staff, HQ_STAFF + BRANCH_ROLES * branches),
        customers=customers,
        interactions=interactions,
        customers_with_50=with_50,
        purchases=scaled(FULL.purchases),
        session_uses=scaled(FULL.session_uses),
        contact_plans=plans,
        open_contact_plans=min(scaled(FULL.open_contact_plans), plans),
        complaints=complaints,
        open_complaints=min(scaled(FULL.open_complaints), complaints),
        personal_data_reads=scaled(FULL.personal_data_reads),
        # Enough at any scale for every kind and state to occur (gen_privacy.py).
        privacy_requests=scaled(FULL.privacy_requests, 12),
    )


def rng_for(seed: int, part: str) -> random.Random:
    """A random stream per part, so changing how one table is drawn leaves the others as
    they were."""
    return random.Random(f"{seed}:{part}")


class Clock:
    """Now, the five-year window, and the strings the database stores for moments and days.

    `suffix` is what follows a UTC timestamp: nothing on SQLite (Django stores naive UTC
    text there and compares it as text, so the format must match Django's `str(datetime)`),
    "+00" on PostgreSQL.
    """

    def __init__(self, now: dt.datetime, *, suffix: str):
        self.now_dt = now.astimezone(dt.UTC).replace(microsecond=0)
        self.now = int(self.now_dt.timestamp())
        self.today = self.local_day(self.now)
        self.start = self.now - YEARS * 365 * DAY
        self.start_day = self.local_day(self.start)
        self.suffix = suffix
        self._times = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60)
                       for s in range(60)]  # fmt: skip
        first = self.start_day - 400 - _EPOCH_ORDINAL
        self._day_base = first
        self._days = [
            dt.date.fromordinal(first + _EPOCH_ORDINAL + i).isoformat()
            for i in range(YEARS * 366 + 1200)
        ]

    def day_str(self, ordinal: int) -> str:
        i = ordinal - _EPOCH_ORDINAL - self._day_base
        if 0 <= i < len(self._days):
            return self._days[i]
        return dt.date.fromordinal(ordinal).isoformat()

    def ts(self, moment: int) -> str:
        """The stored form of a UTC moment."""
        day, second = divmod(moment, DAY)
        i = day - self._day_base
        text = self._days[i] if 0 <= i < len(self._days) else self.day_str(day + _EPOCH_ORDINAL)
        return f"{text} {self._times[second]}{self.suffix}"

    def ts_exact(self, moment: dt.datetime | None) -> str | None:
        """A datetime the app computed (it may carry microseconds), stored as Django would."""
        if moment is None:
            return None
        return f"{moment.astimezone(dt.UTC).replace(tzinfo=None)}{self.suffix}"

    @staticmethod
    def local_day(moment: int) -> int:
        """The date ordinal of a moment in Asia/Taipei."""
        return (moment + TAIPEI_OFFSET) // DAY + _EPOCH_ORDINAL

    @staticmethod
    def at(ordinal: int, second_of_day: int) -> int:
        """The moment of a local (Asia/Taipei) day and time."""
        return (ordinal - _EPOCH_ORDINAL) * DAY + second_of_day - TAIPEI_OFFSET

    def clinic_moment(self, rng: random.Random, low: int, high: int) -> int:
        """A moment in [low, high] during clinic hours (09:00–21:00) where the window allows,
        never later than now."""
        high = min(high, self.now)
        if high <= low:
            return min(low, self.now)
        day = rng.randint(self.local_day(low), self.local_day(high))
        moment = self.at(day, 32_400 + rng.randrange(720) * 60)
        if moment < low or moment > high:
            return rng.randint(low, high)
        return moment

    def aware(self, moment: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(moment, dt.UTC)

    def date(self, ordinal: int) -> dt.date:
        return dt.date.fromordinal(ordinal)


def spread_counts(
    rng: random.Random, weights: list[float], total: int, *, base: list[int] | None = None
) -> list[int]:
    """`total` items spread over len(weights) slots in proportion to the weights (a
    multinomial draw), on top of `base` when given; the sum is exactly `total`."""
    counts = list(base) if base is not None else [0] * len(weights)
    extra = total - sum(counts)
    if extra < 0:
        raise ValueError("base already exceeds the total")
    cumulative = []
    running = 0.0
    for w in weights:
        running += w
        cumulative.append(running)
    for slot in rng.choices(range(len(weights)), cum_weights=cumulative, k=extra):
        counts[slot] += 1
    return counts
