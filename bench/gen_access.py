"""The read log (查閱紀錄, careloop/access) of the last 90 days, as the middleware would have
written it while staff worked.

Reads follow the work: around each contact of the window (`InteractionResult.recent`) the
member of staff who took it opened the customer's page, often found the customer through the
list first (one row per customer on the list's page, as `ReadLogMiddleware` writes a list),
sometimes a colleague looked too, now and then the record was printed or read by the booking
system's API token; each intake and communication on a customer's case read the customer through
the case page (`ComplaintResult.touched`). List pages dominate, as in a live log: a search shows
25 customers, and each is a read. The total is made exact (`Counts.personal_data_reads`) by
leaving out the last drawn rows or adding searches.

Two fixtures for the benchmark: the customer with 50 interactions has a few dozen reads (the
supervisor's panel shows its 10 newest and a link to more), and one desk clerk of branch 1 read
more than `CARELOOP_BULK_READ_LIMIT` customers through the list in the hour before
`bulk_read_at` (yesterday 17:00 local), so the bulk-read sweep timed at that moment finds a
reader to report, among an ordinary hour's reads of the whole chain.

To hold millions of reads without millions of tuples, each request is first one integer (its
moment in the high bits, then what it was, how many rows, who and whose); the integers are
sorted and each request becomes its rows as it is written, in the order the log was written.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

from bench.gen_base import DAY, READ_LOG_DAYS, Clock, Counts
from bench.gen_customers import CustomerPlan, customer_number
from bench.gen_people import Staff
from bench.gen_writer import BulkWriter
from careloop.access.models import PersonalDataRead, ReadChannel, ReadKind

READ_FIELDS = ("at", "user", "api_token_id", "api_token_label", "customer", "channel", "kind",
               "route", "path")  # fmt: skip

# What a request was; each is (channel, kind, route).
_VIEW, _LIST, _PRINT, _API_VIEW, _API_LIST = range(5)
_REQUESTS = {
    _VIEW: (ReadChannel.PAGE, ReadKind.VIEW, "customers:detail"),
    _LIST: (ReadChannel.PAGE, ReadKind.LIST, "customers:list"),
    _PRINT: (ReadChannel.PDF, ReadKind.PRINT, "printing:pt_f025"),
    _API_VIEW: (ReadChannel.API, ReadKind.VIEW, "api:customer_detail"),
    _API_LIST: (ReadChannel.API, ReadKind.LIST, "api:customer_list"),
}
# The booking system's token, as the recorder labels it: name and prefix as they were then.
API_TOKEN_LABEL = "預約系統同步 (bk7f3a21…)"
LIST_PAGE = 25  # the customer list's page
API_PAGE = 50
# Bits of a request's key, low to high: customer index (or branch of a list), user id, rows.
_CUSTOMER_BITS, _USER_BITS, _ROWS_BITS, _CODE_BITS = 32, 16, 8, 4
_USER_SHIFT = _CUSTOMER_BITS
_ROWS_SHIFT = _USER_SHIFT + _USER_BITS
_CODE_SHIFT = _ROWS_SHIFT + _ROWS_BITS
_MOMENT_SHIFT = _CODE_SHIFT + _CODE_BITS
_FIXTURE_READS = 36  # reads of the customer with 50 interactions
BULK_LISTS = 11  # the bulk reader's list pages in the hour: 275 customers, over the 200 limit


@dataclass
class AccessResult:
    bulk_read_at: int  # the moment the benchmark times the bulk-read sweep at
    bulk_reader: str  # the username who read too many customers in the hour before it
    fixture_reads: int  # reads of the customer with 50 interactions


def _key(moment: int, code: int, rows: int, user: int, subject: int) -> int:
    return (
        (moment << _MOMENT_SHIFT)
        | (code << _CODE_SHIFT)
        | (rows << _ROWS_SHIFT)
        | (user << _USER_SHIFT)
        | subject
    )


class _Requests:
    """The drawn requests as sortable integers, and the rows they come to."""

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.rows = 0

    def add(self, moment: int, code: int, rows: int, user: int, subject: int) -> None:
        self.keys.append(_key(moment, code, rows, user, subject))
        self.rows += rows

    def trim(self, wanted: int, *, keep: int, rng: random.Random) -> None:
        """Drop random requests (not the first `keep`) until the rows are at most `wanted`."""
        keys = self.keys
        while self.rows > wanted and len(keys) > keep:
            k = rng.randrange(keep, len(keys))
            keys[k], keys[-1] = keys[-1], keys[k]
            self.rows -= (keys.pop() >> _ROWS_SHIFT) & ((1 << _ROWS_BITS) - 1)


def reads_load(
    writer: BulkWriter,
    plan: CustomerPlan,
    *,
    counts: Counts,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    contacts: list[tuple[int, int, int]],
    cases: list[tuple[int, int, int, str]],
    fixture_customer: int,
) -> AccessResult:
    """Write the read log: `contacts` are (moment, customer index, staff id) of the window's
    interactions, `cases` (moment, customer index, user id, case number) of its case work."""
    window = clock.now - READ_LOG_DAYS * DAY
    requests = _Requests()
    # The case page's reads are few (a few thousand) and carry their case's number: tuples.
    case_rows = sorted(
        (m, who, i, number) for m, i, who, number in cases if window < m <= clock.now
    )[-counts.personal_data_reads :]
    wanted = counts.personal_data_reads - len(case_rows)
    fixture = _fixture_reads(requests, plan, clock, staff, rng, fixture_customer, window)
    bulk_at, bulk_user = _bulk_reader(requests, plan, clock, staff, rng)
    protected = len(requests.keys)
    # Each contact brings ~1.6 views and a list page with probability `p_list`; a list page
    # holds 2–25 customers (13.5 on average). p_list makes the expected total the target.
    per_contact_fixed = 1.0 + 0.35 + 0.03 + 0.05
    room = wanted - requests.rows - per_contact_fixed * len(contacts)
    p_list = min(1.0, max(0.0, room / (13.5 * max(1, len(contacts)))))
    random_, randint = rng.random, rng.randint
    for moment, i, who in contacts:
        branch = plan.branch[i]
        opened = max(window + 1, moment - randint(0, 1200))
        if random_() < p_list:
            requests.add(max(window + 1, opened - randint(5, 120)), _LIST, randint(2, 25), who,
                         branch)  # fmt: skip
        requests.add(opened, _VIEW, 1, who, i)
        if random_() < 0.35:
            colleague = _colleague(staff, branch, random_)
            later = min(clock.now, moment + randint(600, 6 * 3600))
            requests.add(later, _VIEW, 1, colleague, i)
        if random_() < 0.03:
            requests.add(min(clock.now, opened + randint(60, 900)), _PRINT, 1, who, i)
        if random_() < 0.05:
            desk = staff.of(branch, "desk")[0]
            requests.add(min(clock.now, moment + randint(0, 600)), _API_VIEW, 1, desk, i)
    # The draw lands near the target; random requests go (never the fixtures') if it is over,
    # and searches of the window's clinic hours make up what it fell short of.
    requests.trim(wanted, keep=protected, rng=rng)
    while requests.rows < wanted:
        branch = rng.randrange(len(staff.branch_ids))
        who = _colleague(staff, branch, random_)
        moment = clock.clinic_moment(rng, window + 1, clock.now)
        requests.add(moment, _LIST, min(25, wanted - requests.rows), who, branch)
    requests.keys.sort()
    stream = _rows(requests.keys, plan, clock, rng)
    case_stream = (
        (clock.ts(m), who, None, "", i + 1, ReadChannel.PAGE, ReadKind.VIEW, "complaints:detail",
         f"/complaints/{number}/")
        for m, who, i, number in case_rows
    )  # fmt: skip
    # One log, in the order it was written (its ids rise with its time, as in production).
    writer.insert(
        PersonalDataRead, READ_FIELDS, heapq.merge(stream, case_stream, key=itemgetter(0))
    )
    return AccessResult(
        bulk_read_at=bulk_at, bulk_reader=staff.usernames[bulk_user], fixture_reads=fixture
    )


def _colleague(staff: Staff, branch: int, random_) -> int:
    stems = staff.by_branch[branch]
    stem = ("desk", "therapist", "cs", "consultant")[int(random_() * 4)]
    people = stems[stem]
    return people[int(random_() * len(people))]


def _fixture_reads(
    requests: _Requests,
    plan: CustomerPlan,
    clock: Clock,
    staff: Staff,
    rng: random.Random,
    customer: int,
    window: int,
) -> int:
    branch = plan.branch[customer]
    for _ in range(_FIXTURE_READS):
        who = _colleague(staff, branch, rng.random)
        requests.add(clock.clinic_moment(rng, window + 1, clock.now), _VIEW, 1, who, customer)
    return _FIXTURE_READS


def _bulk_reader(
    requests: _Requests, plan: CustomerPlan, clock: Clock, staff: Staff, rng: random.Random
) -> tuple[int, int]:
    """A desk clerk of branch 1 paging through the customer list: `BULK_LISTS` pages of 25
    different customers in the hour before yesterday 17:00."""
    at = clock.at(clock.today - 1, 17 * 3600)
    user = staff.of(0, "desk")[-1]
    for page in range(BULK_LISTS):
        requests.add(at - 3300 + page * 300, _LIST, LIST_PAGE, user, 0)
    return at, user


def _rows(keys: list[int], plan: CustomerPlan, clock: Clock, rng: random.Random) -> Iterator[tuple]:
    """Each request's rows; a list's customers are drawn from those of its branch on file then
    (distinct within the page, so a page of a small branch may hold fewer)."""
    ts, created = clock.ts, plan.created
    subject_mask = (1 << _CUSTOMER_BITS) - 1
    user_mask = (1 << _USER_BITS) - 1
    rows_mask = (1 << _ROWS_BITS) - 1
    numbers: dict[int, str] = {}

    def number(i: int) -> str:
        found = numbers.get(i)
        if found is None:
            found = numbers[i] = customer_number(i)
        return found

    for key in keys:
        moment = key >> _MOMENT_SHIFT
        code = (key >> _CODE_SHIFT) & ((1 << _CODE_BITS) - 1)
        rows = (key >> _ROWS_SHIFT) & rows_mask
        user = (key >> _USER_SHIFT) & user_mask
        subject = key & subject_mask
        channel, kind, route = _REQUESTS[code]
        at = ts(moment)
        label = API_TOKEN_LABEL if channel == ReadChannel.API else ""
        if code in (_LIST, _API_LIST):
            members = plan.by_branch[subject]
            upto = bisect_right(members, moment, key=created.__getitem__) or len(members)
            chosen = rng.sample(range(upto), min(rows, upto))
            path = "/customers/" if code == _LIST else "/api/v1/customers"
            customers = [members[k] for k in chosen]
        else:
            customers = [subject]
            if code == _VIEW:
                path = f"/customers/{number(subject)}/"
            elif code == _PRINT:
                path = f"/print/customers/{number(subject)}/pt-f025.pdf"
            else:
                path = f"/api/v1/customers/{number(subject)}"
        for i in customers:
            yield (at, user, None, label, i + 1, channel, kind, route, path)
