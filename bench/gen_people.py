"""Branches and staff of the chain, and the Taiwanese names and phone numbers of its people."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.gen_base import Clock, Counts
from bench.gen_text import (
    BRANCHES,
    FEMALE_FIRST,
    FEMALE_SECOND,
    MALE_FIRST,
    MALE_SECOND,
    POPULAR_GIVEN,
    SURNAMES,
)
from bench.gen_writer import BulkWriter
from careloop.accounts.models import Branch, Department, Role, RoleCode, User
from careloop.accounts.second_factor import SECOND_FACTOR_ROLES
from careloop.core.phones import phone_normalize

PASSWORD = "bench-pass"

# The chain's own people: username, roles, department, department headed.
HQ = (
    ("admin", (RoleCode.ADMINISTRATOR,), "operations"),
    ("ceo", (RoleCode.SENIOR_MANAGEMENT,), "operations"),
    ("head_cs", (RoleCode.DEPARTMENT_HEAD,), "customer_service"),
    ("head_pt", (RoleCode.THERAPIST, RoleCode.DEPARTMENT_HEAD), "physiotherapy"),
    ("head_sales", (RoleCode.DEPARTMENT_HEAD,), "sales"),
    ("head_ops", (RoleCode.DEPARTMENT_HEAD,), "operations"),
)
# A branch's people: the username stem, roles, department, share of the branch's staff.
BRANCH_STAFF = (
    ("desk", (RoleCode.FRONT_DESK,), "operations", 0.18),
    ("therapist", (RoleCode.THERAPIST,), "physiotherapy", 0.50),
    ("consultant", (RoleCode.SALES_CONSULTANT,), "sales", 0.17),
    ("cs", (RoleCode.CUSTOMER_SERVICE,), "customer_service", 0.15),
)


class Names:
    """Two-character given names after a surname drawn by its share of the population."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames = [(s, r) for s, r, _w in SURNAMES]
        self._surname_cum = list(accumulate(w for _s, _r, w in SURNAMES))
        self._popular_cum = list(accumulate(1 / (i + 1) for i in range(len(POPULAR_GIVEN))))

    def draw(self) -> tuple[str, str, str]:
        """(full name, romanised surname, romanised given name)."""
        rng = self.rng
        surname, surname_rom = rng.choices(self._surnames, cum_weights=self._surname_cum)[0]
        if rng.random() < 0.1:
            given, given_rom = rng.choices(POPULAR_GIVEN, cum_weights=self._popular_cum)[0]
        else:
            first, second = (
                (FEMALE_FIRST, FEMALE_SECOND) if rng.random() < 0.58 else (MALE_FIRST, MALE_SECOND)
            )
            (a, a_rom), (b, b_rom) = rng.choice(first), rng.choice(second)
            if a == b:
                (b, b_rom) = second[(second.index((b, b_rom)) + 1) % len(second)]
            given, given_rom = a + b, a_rom + b_rom
        return surname + given, surname_rom, given_rom


class Phones:
    """Unique Taiwanese numbers in the stored E.164 form: mostly mobiles, a few landlines."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        # The 0910–0989 blocks in use, as far as the phone library accepts them: asked once
        # per prefix rather than once per number.
        self.mobile_prefixes = [
            f"9{p:02d}" for p in range(10, 90) if phone_normalize(f"09{p:02d}123456")
        ]

    def mobile(self) -> str:
        while True:
            number = f"+886{self.rng.choice(self.mobile_prefixes)}{self.rng.randrange(10**6):06d}"
            if number not in self.used:
                self.used.add(number)
                return number

    def landline(self, area_code: str, low: int, high: int) -> str:
        while True:
            number = phone_normalize(f"{area_code}{self.rng.randint(low, high)}")
            if number and number not in self.used:
                self.used.add(number)
                return number


@dataclass
class Staff:
    """Who works where: ids by branch and role, usernames, the chain's heads."""

    password_hash: str
    branch_ids: list[int] = field(default_factory=list)
    branch_codes: list[str] = field(default_factory=list)
    # branch index -> stem ("desk", "therapist", …) -> user ids
    by_branch: list[dict[str, list[int]]] = field(default_factory=list)
    usernames: dict[int, str] = field(default_factory=dict)
    hq: dict[str, int] = field(default_factory=dict)
    # username -> hex TOTP secret of everyone who must sign in with a second factor
    # (accounts/second_factor.py); the manifest carries them so the client can type the code.
    totp_keys: dict[str, str] = field(default_factory=dict)

    def of(self, branch: int, stem: str) -> list[int]:
        return self.by_branch[branch][stem]

    def head_of(self, branch: int, department: str) -> int:
        """Who approves and signs off a B/C case of that department in that branch."""
        if department == "physiotherapy":
            return self.by_branch[branch]["head"][0]
        return self.hq.get(f"head_{_HEAD_STEMS.get(department, 'ops')}", self.hq["head_ops"])


_HEAD_STEMS = {"customer_service": "cs", "sales": "sales", "operations": "ops"}


def branch_weights(count: int) -> list[float]:
    return [spec.weight for spec in BRANCHES[:count]]


def staff_per_branch(counts: Counts) -> list[int]:
    """The branch staff, by branch size, at least one per role."""
    from bench.gen_base import BRANCH_ROLES, HQ_STAFF

    weights = branch_weights(counts.branches)
    total = counts.staff - HQ_STAFF
    sizes = [max(BRANCH_ROLES, int(total * w / sum(weights))) for w in weights]
    i = 0
    while sum(sizes) < total:  # the rounding's remainder to the largest branches
        sizes[i % len(sizes)] += 1
        i += 1
    while sum(sizes) > total:  # the minimums' excess from the largest branches
        j = max(range(len(sizes)), key=lambda k: sizes[k])
        sizes[j] -= 1
    return sizes


def people_load(writer: BulkWriter, *, counts: Counts, clock: Clock, rng: random.Random) -> Staff:
    """Branches, the chain's staff with their roles, one password hash for everyone; the
    supervisors and administrators enrolled in the second factor, as the app requires."""
    staff = Staff(password_hash=make_password(PASSWORD))  # hashed once: Argon2 is slow
    branch_rows = []
    for index, spec in enumerate(BRANCHES[: counts.branches]):
        code = f"b{index + 1:02d}"
        branch_rows.append((index + 1, code, spec.name, spec.address, spec.phone, True))
        staff.branch_ids.append(index + 1)
        staff.branch_codes.append(code)
        staff.by_branch.append({})
    writer.insert(Branch, ("id", "code", "name", "address", "phone", "is_active"), branch_rows)

    roles = dict(Role.objects.values_list("code", "id"))
    departments = dict(Department.objects.values_list("code", "id"))
    names = Names(rng)
    users: list[tuple] = []
    user_roles: list[tuple[int, int]] = []
    devices: list[tuple] = []

    def add(username: str, branch: int | None, role_codes: tuple[str, ...], dept: str) -> int:
        user_id = len(users) + 1
        full_name = names.draw()[0]
        joined = clock.ts(clock.start - rng.randint(0, 400) * 86_400)
        superuser = RoleCode.ADMINISTRATOR in role_codes
        enrolled = None
        if superuser or set(role_codes) & SECOND_FACTOR_ROLES:
            key = rng.randbytes(20).hex()
            staff.totp_keys[username] = key
            enrolled = joined
            devices.append((user_id, "驗證器 App", True, key, joined))
        users.append(
            (user_id, username, staff.password_hash, full_name, f"{username}@careloop.example",
             superuser, superuser, True, joined, branch, departments[dept], enrolled)
        )  # fmt: skip
        user_roles.extend((user_id, roles[code]) for code in role_codes)
        staff.usernames[user_id] = username
        return user_id

    for username, role_codes, dept in HQ:
        staff.hq[username] = add(username, 1, role_codes, dept)
    for index, size in enumerate(staff_per_branch(counts)):
        branch_id = staff.branch_ids[index]
        code = staff.branch_codes[index]
        head = add(f"{code}_head1", branch_id, (RoleCode.DEPARTMENT_HEAD,), "physiotherapy")
        staff.by_branch[index]["head"] = [head]
        shares = _role_sizes(size - 1)
        for (stem, role_codes, dept, _share), n in zip(BRANCH_STAFF, shares, strict=True):
            staff.by_branch[index][stem] = [
                add(f"{code}_{stem}{k + 1}", branch_id, role_codes, dept) for k in range(n)
            ]
    writer.insert(
        User,
        ("id", "username", "password", "full_name", "email", "is_superuser", "is_staff",
         "is_active", "date_joined", "home_branch", "department", "second_factor_since"),
        users,
    )  # fmt: skip
    writer.insert(User.roles.through, ("user", "role"), user_roles)
    writer.insert(TOTPDevice, ("user", "name", "confirmed", "key", "created_at"), devices)
    # The chain's department heads work across every branch.
    extra = [
        (staff.hq[username], branch_id)
        for username in ("head_cs", "head_pt", "head_sales", "head_ops")
        for branch_id in staff.branch_ids[1:]
    ]
    writer.insert(User.extra_branches.through, ("user", "branch"), extra)
    return staff


def _role_sizes(n: int) -> list[int]:
    """Split a branch's staff (less its head) over the four roles, at least one each."""
    sizes = [max(1, int(n * share)) for *_rest, share in BRANCH_STAFF]
    while sum(sizes) < n:
        sizes[1] += 1  # therapists take the remainder: the clinic is mostly them
    while sum(sizes) > n and sizes[1] > 1:
        sizes[1] -= 1
    return sizes
