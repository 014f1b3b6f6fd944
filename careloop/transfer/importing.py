"""Importing customers, interactions and purchases from a spreadsheet (issue 3 item 6).

Two phases, so that the slow part never holds the database's write lock:

1. *Check* (no transaction): every row is parsed into the values the customer record's own
   forms take — `CustomerForm` and `InteractionForm` — and validated by them, so the import
   gives the same zh-Hant messages as the pages; names of branches, staff, choices and
   catalogue items are resolved. Progress is written to the job as rows go by.
2. *Write* (one transaction): rows are matched to customers already on file (normalised phone,
   else name + birthday), new customers are inserted with their history (`core.bulk`),
   interactions with theirs, and purchases recorded through `treatments.services.purchase_record`
   in a savepoint each. Any error rolls the whole file back; a dry run always rolls back, so it
   finds everything the real import would (see `rows_write` for what it need not insert).

A clean dry run keeps its row plans (`transfer.checked`); the import then writes them without
checking every row again, unless the staff, the catalogue or the job changed in between.

Interactions are deduplicated on (customer, time, channel, summary) and purchases on
(customer, date, item, quantity), against the database and within the file, so importing the
same file again creates nothing.
"""

from __future__ import annotations

import copy
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careloop.accounts.models import Branch, RoleCode, User
from careloop.accounts.permissions import (
    Capability,
    require,
    user_branch_ids,
    user_may_see_branch,
)
from careloop.core.bulk import objects_insert, write_cache
from careloop.core.phones import phone_normalize
from careloop.customers.forms import CustomerForm, InteractionForm
from careloop.customers.models import (
    Channel,
    Customer,
    CustomerType,
    Interaction,
    InteractionStatus,
    NeedsProfile,
    Reaction,
    Source,
    birthday_md,
)
from careloop.customers.selectors import staff_choices
from careloop.customers.services import customer_numbers_next, customer_update
from careloop.transfer import checked
from careloop.transfer.columns import (
    CUSTOMER,
    FIELDS_BY_KEY,
    GROUP_KEYS,
    INTERACTION,
    PURCHASE,
    header_squash,
)
from careloop.transfer.models import ImportJob, ImportStatus
from careloop.transfer.reading import UnreadableFile, data_rows, date_parse, datetime_parse
from careloop.treatments import services as treatment_services
from careloop.treatments.models import Product, Purchase, PurchaseKind, TreatmentPackage

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 100


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class RowPlan:
    row: int
    name: str
    phone: str
    birthday: Any
    customer_values: dict[str, Any] | None  # None: matched on file, not to be changed
    provided: set[str]
    interaction: Interaction | None = None
    purchase: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return f"p:{self.phone}" if self.phone else f"nb:{self.name}|{self.birthday}"


@dataclass
class Outcome:
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    created_ids: set[int] = field(default_factory=set)


def _choice_map(choices: list[tuple[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for code, label in choices:
        label = str(label)
        for alias in (code, label, label.removesuffix("客戶"), label.removesuffix("問題")):
            found[header_squash(alias)] = code
    return found


_CHOICES = {
    "customer_type": _choice_map(CustomerType.choices),
    "source": _choice_map(Source.choices),
    "channel": _choice_map(Channel.choices),
    "reaction": _choice_map(Reaction.choices),
    "status": _choice_map(InteractionStatus.choices),
}
_CHOICE_LABELS = {
    "customer_type": CustomerType.choices,
    "source": Source.choices,
    "channel": Channel.choices,
    "reaction": Reaction.choices,
    "status": InteractionStatus.choices,
}
_YES = {"是", "y", "yes", "v", "✓", "✔", "1", "true", "同意", "o", "○"}
_NO = {"否", "n", "no", "0", "false", "不同意", "x", "×"}


class _People:
    """Staff the user may pick, found by full name or username."""

    def __init__(self, users: list[User]):
        self.by_text: dict[str, list[User]] = defaultdict(list)
        for user in users:
            for text in {user.full_name.strip(), user.username}:
                if text:
                    self.by_text[text].append(user)

    def find(self, text: str) -> tuple[User | None, str | None]:
        found = {u.pk: u for u in self.by_text.get(text.strip(), [])}
        if len(found) == 1:
            return next(iter(found.values())), None
        if found:
            return None, _("有多位員工名為「%(name)s」，請改填帳號。") % {"name": text}
        return None, _("找不到員工「%(name)s」（須為您可存取院所的在職員工）。") % {"name": text}


class Lookups:
    """Everything a row refers to by name, read once per file."""

    def __init__(self, user: User):
        self.user = user
        self.branches: dict[str, Branch] = {}
        for branch in Branch.objects.all():
            self.branches[header_squash(branch.name)] = branch
            self.branches[header_squash(branch.code)] = branch
        self.staff = _People(list(staff_choices(user=user)))
        self.therapists = _People(list(staff_choices(user=user, role=RoleCode.THERAPIST)))
        self.consultants = _People(list(staff_choices(user=user, role=RoleCode.SALES_CONSULTANT)))
        self.packages = {p.name.strip(): p for p in TreatmentPackage.objects.all()}
        self.products = {p.name.strip(): p for p in Product.objects.all()}
        self.customer_form = _pickers_read_once(_ImportCustomerForm({}, user=user))
        self.interaction_form = _pickers_read_once(_ImportInteractionForm({}, user=user))


class _PickerReadOnce(forms.ModelChoiceField):
    """A picker of the page's form answering from its choices read once per file: the
    page's field asks the database once per row, which was most of a large file's check."""

    known: dict[str, Any]

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        found = self.known.get(str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found


def _pickers_read_once(form: Any) -> Any:
    for name, page_field in list(form.fields.items()):
        if type(page_field) is forms.ModelChoiceField:
            picker = copy.copy(page_field)
            picker.__class__ = _PickerReadOnce
            key = page_field.to_field_name or "pk"
            picker.known = {str(getattr(choice, key)): choice for choice in page_field.queryset}
            form.fields[name] = picker
            form.pickers_checked |= {name}
    return form


class _PickersCheckedMixin:
    """The model's own validation looks each foreign key up again, once per row; the
    pickers above have already checked those values against the (narrower) choices."""

    pickers_checked: frozenset[str] = frozenset()

    def _get_validation_exclusions(self) -> set[str]:
        return super()._get_validation_exclusions() | self.pickers_checked


class _ImportCustomerForm(_PickersCheckedMixin, CustomerForm):
    pass


class _ImportInteractionForm(_PickersCheckedMixin, InteractionForm):
    pass


def form_rebind(form: Any, data: dict[str, Any]) -> Any:
    """The same form, bound to another row's data, with a fresh instance.

    Its pickers (the user's branches and staff) are the same for every row, and building them
    is most of what a form costs; rebinding keeps a 1,000-row file's check to a few seconds
    while each row is still validated by the page's own form, model rules included.
    """
    form.data = data
    form._errors = None
    form.cleaned_data = {}
    form.instance = form._meta.model()
    return form


def _cells(row: list[str], mapping: dict[str, int]) -> dict[str, str]:
    return {key: (row[i].strip() if i < len(row) else "") for key, i in mapping.items()}


class _RowChecker:
    """Turns one row into form data, collecting errors with the field's zh-Hant label."""

    def __init__(self, number: int, cells: dict[str, str], lookups: Lookups):
        self.number = number
        self.cells = cells
        self.lookups = lookups
        self.errors: list[RowError] = []
        self.failed_fields: set[str] = set()

    def error(self, key: str, message: str) -> None:
        label = FIELDS_BY_KEY[key].label if key in FIELDS_BY_KEY else "—"
        self.errors.append(RowError(self.number, label, str(message)))
        self.failed_fields.add(key)

    def form_errors(self, form: Any) -> None:
        for name, messages in form.errors.items():
            if name in self.failed_fields:
                continue
            for message in messages:
                self.error(name if name != "__all__" else "", message)

    def choice(self, key: str, data: dict[str, Any], default: str = "") -> None:
        text = self.cells.get(key, "")
        if not text:
            if default:
                data[key] = default
            return
        code = _CHOICES[key].get(header_squash(text))
        if code is None:
            labels = "、".join(str(label) for _code, label in _CHOICE_LABELS[key])
            self.error(
                key,
                _("無法辨識「%(value)s」，可填：%(labels)s。") % {"value": text, "labels": labels},
            )
        else:
            data[key] = code

    def person(self, key: str, people: _People, data: dict[str, Any]) -> User | None:
        text = self.cells.get(key, "")
        if not text:
            return None
        person, message = people.find(text)
        if message:
            self.error(key, message)
            return None
        data[key] = str(person.pk)
        return person

    def date(self, key: str, data: dict[str, Any]) -> Any:
        text = self.cells.get(key, "")
        if not text:
            return None
        try:
            day = date_parse(text)
        except ValueError:
            self.error(
                key, _("日期格式不正確：「%(value)s」，請寫成 2025-05-02。") % {"value": text}
            )
            return None
        data[key] = day.isoformat()
        return day

    def flag(self, key: str, data: dict[str, Any]) -> None:
        text = header_squash(self.cells.get(key, ""))
        if text in _YES:
            data[key] = "on"
        elif text and text not in _NO:
            self.error(
                key, _("請填「是」或「否」，而不是「%(value)s」。") % {"value": self.cells[key]}
            )

    def has_group(self, group: str) -> bool:
        return any(self.cells.get(key) for key in GROUP_KEYS[group])


def _branch_data(checker: _RowChecker, data: dict[str, Any]) -> None:
    user = checker.lookups.user
    text = checker.cells.get("branch", "")
    if not text:
        if user.home_branch_id:
            data["branch"] = str(user.home_branch_id)
        else:
            checker.error("branch", _("請填寫院所。"))
        return
    branch = checker.lookups.branches.get(header_squash(text))
    if branch is None:
        checker.error("branch", _("找不到院所「%(name)s」。") % {"name": text})
    elif not user_may_see_branch(user, branch.pk):
        checker.error("branch", _("您沒有院所「%(name)s」的權限。") % {"name": text})
    else:
        data["branch"] = str(branch.pk)


def _customer_check(checker: _RowChecker) -> RowPlan | None:
    cells, lookups = checker.cells, checker.lookups
    data: dict[str, Any] = {
        key: cells.get(key, "")
        for key in (
            "name",
            "phone",
            "email",
            "line_id",
            "source_other",
            "referrer_number",
            "preferences",
            "special_needs",
            "notes",
        )
    }
    checker.date("birthday", data)
    checker.choice("customer_type", data, default=CustomerType.PROSPECT)
    checker.choice("source", data)
    _branch_data(checker, data)
    checker.person("primary_therapist", lookups.therapists, data)
    checker.person("sales_consultant", lookups.consultants, data)
    for key in ("consent_sms", "consent_email", "consent_line"):
        checker.flag(key, data)
    form = form_rebind(lookups.customer_form, data)
    if not form.is_valid():
        checker.form_errors(form)
        return None
    if checker.errors:
        return None
    values = form.service_values()
    if not values["phone"] and not values["birthday"]:
        checker.error("phone", _("請填寫聯絡電話或生日，系統才能辨識客戶、避免重複匯入。"))
        return None
    provided = {k for k in GROUP_KEYS[CUSTOMER] if cells.get(k)}
    if "referrer_number" in provided:
        provided.add("referrer")
    return RowPlan(
        row=checker.number,
        name=values["name"],
        phone=values["phone"],
        birthday=values["birthday"],
        customer_values=values,
        provided=provided,
    )


def _interaction_check(checker: _RowChecker) -> Interaction | None:
    cells, lookups = checker.cells, checker.lookups
    data: dict[str, Any] = {
        "summary": cells.get("summary", ""),
        "follow_up_action": cells.get("follow_up_action", ""),
    }
    text = cells.get("occurred_at", "")
    if text:
        try:
            day, at = datetime_parse(text)
        except ValueError:
            checker.error(
                "occurred_at",
                _("日期格式不正確：「%(value)s」，請寫成 2025-05-02 或 2025-05-02 14:30。")
                % {"value": text},
            )
        else:
            data["occurred_at"] = datetime.combine(day, at or time(0, 0)).strftime("%Y-%m-%d %H:%M")
    checker.choice("channel", data)
    checker.choice("reaction", data)
    checker.choice("status", data, default=InteractionStatus.DONE)
    checker.person("staff", lookups.staff, data)
    form = form_rebind(lookups.interaction_form, data)
    if not form.is_valid():
        checker.form_errors(form)
        return None
    if checker.errors:
        return None
    interaction = form.save(commit=False)
    if interaction.staff_id is None:
        interaction.staff = lookups.user
    return interaction


def _purchase_check(checker: _RowChecker) -> dict[str, Any] | None:
    cells, lookups = checker.cells, checker.lookups
    data: dict[str, Any] = {}
    values: dict[str, Any] = {"promotion": cells.get("promotion", "")}
    purchased_on = checker.date("purchased_on", data)
    if not cells.get("purchased_on"):
        checker.error("purchased_on", _("請填寫購買日期。"))
    elif purchased_on and purchased_on > timezone.localdate():
        checker.error("purchased_on", _("購買日期不可晚於今天。"))
    values["purchased_on"] = purchased_on
    item = cells.get("item", "")
    package, product = lookups.packages.get(item), lookups.products.get(item)
    if not item:
        checker.error("item", _("請填寫療程或產品名稱。"))
    elif package and product:
        checker.error("item", _("「%(name)s」同時是療程與產品的名稱，無法判斷。") % {"name": item})
    elif not (package or product):
        checker.error(
            "item", _("找不到療程或產品「%(name)s」，請先在目錄中建立。") % {"name": item}
        )
    values["package"], values["product"] = package, product
    for key, minimum in (("quantity", 1), ("amount", 0)):
        text = cells.get(key, "").replace(",", "").replace("NT$", "").replace("元", "").strip()
        if not text:
            values[key] = 1 if key == "quantity" else None
            continue
        try:
            number = int(float(text))
            if number < minimum or number != float(text):
                raise ValueError
        except ValueError:
            checker.error(
                key,
                _("須為 %(min)d 以上的整數，而不是「%(value)s」。")
                % {"min": minimum, "value": cells[key]},
            )
        else:
            values[key] = number
    values["salesperson"] = checker.person("salesperson", lookups.staff, data)
    return None if checker.errors else values


def _quick_identity(cells: dict[str, str]) -> tuple[str, str, Any]:
    """Name, E.164 phone and birthday as the form would clean them, or blanks."""
    birthday = None
    if cells.get("birthday"):
        try:
            birthday = date_parse(cells["birthday"])
        except ValueError:
            birthday = None
    return cells.get("name", "").strip(), phone_normalize(cells.get("phone", "")) or "", birthday


def rows_check(job: ImportJob, lookups: Lookups) -> tuple[list[RowPlan], list[RowError], int]:
    """Phase 1: parse and validate every row. Returns plans for the good rows and the errors.

    A row whose customer is already on file, when existing customers are skipped rather than
    updated, is only matched: its customer columns would not be used, so they are not checked.
    """
    mapping = {k: int(v) for k, v in job.mapping.items() if k in FIELDS_BY_KEY}
    rows = [(number, _cells(row, mapping)) for number, row in data_rows(_job_path(job))]
    ImportJob.objects.filter(pk=job.pk).update(total_rows=len(rows))
    identities = [_quick_identity(cells) for _number, cells in rows]
    by_phone, by_name_birthday = ({}, {})
    if not job.update_existing:
        by_phone, by_name_birthday = _existing_customers(
            phones={phone for _n, phone, _b in identities if phone},
            names={name for name, _p, birthday in identities if birthday},
        )
    plans: list[RowPlan] = []
    errors: list[RowError] = []
    for count, ((number, cells), identity) in enumerate(zip(rows, identities, strict=True), 1):
        checker = _RowChecker(number, cells, lookups)
        existing = _match(identity, by_phone, by_name_birthday)
        if (
            existing
            and existing.name == identity[0]
            and user_may_see_branch(lookups.user, existing.branch_id)
        ):
            name, phone, birthday = identity
            plan = RowPlan(number, name, phone, birthday, customer_values=None, provided=set())
        else:
            plan = _customer_check(checker)
        interaction = _interaction_check(checker) if checker.has_group(INTERACTION) else None
        purchase = _purchase_check(checker) if checker.has_group(PURCHASE) else None
        if checker.errors:
            errors.extend(checker.errors)
        elif plan is not None:
            plan.interaction, plan.purchase = interaction, purchase
            plans.append(plan)
        if count % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=count)
    return plans, errors, len(rows)


def _job_path(job: ImportJob) -> Path:
    return Path(job.file.path)


def _existing_customers(
    *, phones: set[str], names: set[str]
) -> tuple[dict[str, Customer], dict[str, Customer]]:
    """Customers on file, anywhere in the chain, by phone and by name + birthday.

    Read in chunks so a large file stays under the database's limit on query parameters. The
    query reads the customers table alone, by its phone or name index: with a join to the
    branches, or an ORDER BY number, SQLite chose to walk every customer instead (30 s for a
    10,000-row file on the chain dataset). When two match, the earliest on file wins."""
    by_phone: dict[str, Customer] = {}
    by_name_birthday: dict[str, Customer] = {}
    branches = Branch.objects.in_bulk()
    customers = Customer.objects.order_by()

    def keep_earliest(found: dict[str, Customer], key: str, customer: Customer) -> None:
        customer.branch = branches[customer.branch_id]
        if key not in found or customer.number < found[key].number:
            found[key] = customer

    for chunk in _chunks(sorted(phones)):
        for customer in customers.filter(phone__in=chunk):
            keep_earliest(by_phone, customer.phone, customer)
    for chunk in _chunks(sorted(names)):
        for customer in customers.filter(name__in=chunk, birthday__isnull=False):
            keep_earliest(by_name_birthday, f"{customer.name}|{customer.birthday}", customer)
    return by_phone, by_name_birthday


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _match(
    identity: tuple[str, str, Any],
    by_phone: dict[str, Customer],
    by_name_birthday: dict[str, Customer],
) -> Customer | None:
    """The customer on file: same normalised phone, else same name and birthday."""
    name, phone, birthday = identity
    return (by_phone.get(phone) if phone else None) or (
        by_name_birthday.get(f"{name}|{birthday}") if birthday else None
    )


def _match_problem(plan: RowPlan, existing: Customer, user: User) -> RowError | None:
    """Why a row may not be matched to the customer on file, or None when it may."""
    if not user_may_see_branch(user, existing.branch_id):
        return RowError(
            plan.row,
            "聯絡電話",
            _("此客戶已在其他院所建檔（%(number)s，%(branch)s），請由該院所處理。")
            % {"number": existing.number, "branch": existing.branch.name},
        )
    if plan.phone and existing.phone == plan.phone and existing.name != plan.name:
        # Family members often share a number; never merge two people silently.
        return RowError(
            plan.row,
            "客戶姓名",
            _("電話已屬於客戶「%(name)s」（%(number)s），姓名不符。")
            % {"name": existing.name, "number": existing.number},
        )
    return None


def _customer_update(plan: RowPlan, existing: Customer, *, user: User, outcome: Outcome) -> None:
    """Update the customer on file with the columns this row fills in, through the service."""
    values = {k: v for k, v in plan.customer_values.items() if k in plan.provided}
    try:
        customer_update(customer=existing, values=values, by=user)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            label = FIELDS_BY_KEY[name].label if name in FIELDS_BY_KEY else "—"
            outcome.errors.extend(RowError(plan.row, label, m) for m in messages)
    else:
        outcome.counts["customers_updated"] += 1


def _customers_write(
    plans: list[RowPlan], *, user: User, update_existing: bool, insert: bool, outcome: Outcome
) -> dict[str, Customer | None]:
    """Match or create one customer per key; returns {key: customer}. Without `insert`, new
    customers are only counted, and their keys map to None."""
    groups: dict[str, list[RowPlan]] = defaultdict(list)
    for plan in plans:
        groups[plan.key].append(plan)
    by_phone, by_name_birthday = _existing_customers(
        phones={p.phone for p in plans if p.phone}, names={p.name for p in plans if p.birthday}
    )
    customers: dict[str, Customer | None] = {}
    new: list[RowPlan] = []
    for key, group in groups.items():
        first = group[0]
        clash = next((p for p in group[1:] if p.name != first.name), None)
        if clash:
            outcome.errors.append(
                RowError(
                    clash.row,
                    "客戶姓名",
                    _("電話與第 %(row)d 列的「%(name)s」相同，但姓名不同。")
                    % {"row": first.row, "name": first.name},
                )
            )
            continue
        existing = _match((first.name, first.phone, first.birthday), by_phone, by_name_birthday)
        if existing is None and first.customer_values is None:
            outcome.errors.append(
                RowError(first.row, "客戶姓名", _("此客戶在試算後已被刪除，請重新試算。"))
            )
            continue
        if existing is None:
            new.append(first)
            continue
        problem = _match_problem(first, existing, user)
        if problem:
            outcome.errors.append(problem)
            continue
        outcome.counts["customers_matched"] += 1
        customers[key] = existing
        if update_existing:
            _customer_update(first, existing, user=user, outcome=outcome)
    outcome.counts["customers_created"] += len(new)
    if not insert:
        customers.update(dict.fromkeys((plan.key for plan in new), None))
        return customers
    created = [Customer(**plan.customer_values, created_by=user) for plan in new]
    for customer, number in zip(created, customer_numbers_next(count=len(new)), strict=True):
        customer.number = number
        customer.birthday_md = birthday_md(customer.birthday)
    objects_insert(created, history_user=user)
    needs = [NeedsProfile(customer_id=c.pk, updated_by_id=user.pk) for c in created]
    objects_insert(needs, history_user=user)
    customers.update(zip((plan.key for plan in new), created, strict=True))
    outcome.created_ids = {c.pk for c in created}
    return customers


def _interactions_write(
    plans: list[RowPlan],
    customers: dict[str, Customer | None],
    *,
    user: User,
    insert: bool,
    outcome: Outcome,
) -> None:
    wanted = [(p, customers[p.key]) for p in plans if p.interaction and p.key in customers]
    # Customers created by this file have no interactions yet; only the others are read.
    ids = sorted({c.pk for _p, c in wanted if c is not None} - outcome.created_ids)
    seen = set()
    for chunk in _chunks(ids):
        rows = Interaction.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "occurred_at", "channel", "summary"
        )
        seen.update((cid, at, channel, summary.strip()) for cid, at, channel, summary in rows)
    new: list[Interaction] = []
    for plan, customer in wanted:
        interaction = plan.interaction
        key = (
            plan.key if customer is None else customer.pk,
            interaction.occurred_at,
            interaction.channel,
            interaction.summary.strip(),
        )
        if key in seen:
            outcome.counts["interactions_skipped"] += 1
            continue
        seen.add(key)
        interaction.customer = customer
        interaction.created_by = user
        new.append(interaction)
    if new and insert:
        objects_insert(new, history_user=user)
    outcome.counts["interactions_created"] += len(new)


def _purchases_write(
    plans: list[RowPlan], customers: dict[str, Customer], *, user: User, outcome: Outcome
) -> None:
    wanted = [(p, customers[p.key]) for p in plans if p.purchase and p.key in customers]
    seen = set()
    for chunk in _chunks(sorted({c.pk for _p, c in wanted} - outcome.created_ids)):
        seen.update(
            Purchase.objects.filter(customer_id__in=chunk, kind=PurchaseKind.SALE).values_list(
                "customer_id", "purchased_on", "item_name", "quantity"
            )
        )
    for plan, customer in wanted:
        values = plan.purchase
        item = values["package"] or values["product"]
        key = (customer.pk, values["purchased_on"], item.name, values["quantity"])
        if key in seen:
            outcome.counts["purchases_skipped"] += 1
            continue
        seen.add(key)
        try:
            with transaction.atomic():
                treatment_services.purchase_record(customer=customer, values=values, by=user)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    outcome.errors.append(RowError(plan.row, _purchase_label(name), message))
        else:
            outcome.counts["purchases_created"] += 1


def _purchase_label(name: str) -> str:
    labels = {"package": "療程/產品名稱", "product": "療程/產品名稱", "item_name": "療程/產品名稱"}
    if name in labels:
        return labels[name]
    return FIELDS_BY_KEY[name].label if name in FIELDS_BY_KEY else "—"


def rows_write(plans: list[RowPlan], *, user: User, update_existing: bool, commit: bool) -> Outcome:
    """Phase 2: everything in one transaction, rolled back on any error or on a dry run.

    A dry run of a file without purchases inserts nothing: new customers, their needs profiles
    and interactions cannot fail once checked, matched and deduplicated (no constraint of
    theirs is left for the database to find), and for 100,000 rows inserting and rolling back
    was half the dry run. Purchases go through their service, which needs the customers in
    the database, so a file with purchases is written and rolled back."""
    outcome = Outcome()
    insert = commit or any(plan.purchase for plan in plans)
    with write_cache() if insert else nullcontext(), transaction.atomic():
        customers = _customers_write(
            plans, user=user, update_existing=update_existing, insert=insert, outcome=outcome
        )
        _interactions_write(plans, customers, user=user, insert=insert, outcome=outcome)
        _purchases_write(plans, customers, user=user, outcome=outcome)
        if outcome.errors or not commit:
            transaction.set_rollback(True)
    return outcome


def import_job_process(*, job_id: int, commit: bool) -> ImportJob:
    """Check (commit=False) or import (commit=True) a mapped job. Safe to run twice: a job
    already finished is left alone, and the import itself creates no duplicates."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == ImportStatus.DONE:
        return job
    user = job.created_by
    try:
        require(user, Capability.CUSTOMER_EDIT)
        if user_branch_ids(user) == frozenset():
            raise PermissionDenied
        lookups = Lookups(user)
        kept = checked.checked_load(job, lookups) if commit else None
        if kept is None:
            checked.checked_discard(job)
            plans, errors, total = rows_check(job, lookups)
        else:
            (plans, total), errors = kept, []
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=total, total_rows=total, phase="writing"
        )
        if not commit and not errors:
            # Kept before the write, which fills the plans' objects in.
            checked.checked_save(job, lookups, plans, total)
        outcome = rows_write(plans, user=user, update_existing=job.update_existing, commit=commit)
        if outcome.errors:
            checked.checked_discard(job)
    except UnreadableFile as exc:
        return _finish(job, ImportStatus.FAILED, [RowError(0, "—", str(exc))], {})
    except PermissionDenied:
        return _finish(
            job, ImportStatus.FAILED, [RowError(0, "—", _("您沒有匯入客戶資料的權限。"))], {}
        )
    except Exception:
        logger.exception("import job %s failed", job_id)
        return _finish(
            job, ImportStatus.FAILED, [RowError(0, "—", _("系統錯誤，沒有匯入任何資料。"))], {}
        )
    finally:
        if commit:
            checked.checked_discard(job)
    all_errors = sorted(errors + outcome.errors, key=lambda e: e.row)
    job.total_rows = job.processed_rows = total
    if not commit:
        status = ImportStatus.CHECKED
    else:
        status = ImportStatus.FAILED if all_errors else ImportStatus.DONE
    return _finish(job, status, all_errors, dict(outcome.counts), commit=commit)


def _finish(
    job: ImportJob,
    status: str,
    errors: list[RowError],
    counts: dict[str, int],
    commit: bool = False,
) -> ImportJob:
    job.status = status
    job.phase = ""
    job.errors = [e.as_dict() for e in errors]
    job.result = counts
    now = timezone.now()
    if commit:
        job.finished_at = now
    else:
        job.checked_at = now
    job.save()
    return job
