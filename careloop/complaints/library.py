"""案例資料庫 (case library): closed cases found again by what they were about.

Similarity is TF-IDF over Chinese character bigrams and unigrams, compared by cosine, computed
here in Python. It needs no word segmenter and no model download, and it copes with the short,
informal zh-TW a front desk writes (「乾等」, 「晚到」) where a dictionary segmenter misses words.
Stop characters (的、了、我、又…) split the text like punctuation, so a bigram never spans one.
A shared nature, department or channel adds a small boost, only to a case whose text already
matches. The library holds the user's branches' closed and archived cases
(`complaints_visible_to`) received in the last `CARELOOP_LIBRARY_YEARS` (default 3, PT-P020
5.6.3's retention), newest first, at most `CARELOOP_LIBRARY_MAX_CANDIDATES` (default 2,000).

Scale: a corpus (IDF and an inverted index of normalised vectors, a few MB for 2,000 cases) is
built once per distinct candidate set and kept per process (`_CORPORA`, one per branch scope in
use), keyed by every candidate's id, `updated_at`, text lengths, nature and channel, so a warm
search costs one narrow query plus the hits' rows. Building 2,000 cases of ~100 characters
takes about a second of one core; a newly closed or edited case changes the key, and then only
that case is tokenised again (`text_terms` is memoised), about half a second. Past some tens of
thousands of cases a term table in the database (or PostgreSQL `pg_trgm` as a first filter)
would replace the in-process index; the scoring would stay as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import unicodedata
from array import array
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careloop.accounts.models import Branch, Department, User
from careloop.accounts.permissions import user_branch_ids
from careloop.complaints.models import READ_ONLY_STATES, Complaint, Nature, Solution
from careloop.complaints.selectors import complaints_visible_to

LIBRARY_PAGE_SIZE = 20
SIMILAR_PANEL_SIZE = 5
SIMILAR_MAX = 20
QUERY_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000

# Below this cosine a case shares words, not a problem; the panel leaves it out.
MIN_SIMILARITY = 0.08
# A search ranks anything that shares a term, a little looser than "similar".
MIN_SEARCH_SIMILARITY = 0.05
NATURE_BOOST = 0.05
DEPARTMENT_BOOST = 0.03
CHANNEL_BOOST = 0.01
# A search whose exact words appear in a case puts that case first.
EXACT_BONUS = 0.3
# Bigrams carry the meaning in Chinese; single characters only help near-misses (等 ~ 等候).
UNIGRAM_WEIGHT = 0.4
# Queries this short (after stop characters) are matched as text (icontains), not ranked.
SHORT_QUERY = 3
# Only the best text matches are re-ranked with the boosts (their departments read once).
_RERANK = 50

# Function words of written and spoken zh-TW. 到、等、地、過、經 are kept: 遲到, 等候, 地板…
STOP_CHARS = frozenset(
    "的了是我你妳您他她它們在和與跟及或而但也都就很又還把被給讓嗎呢吧啊呀喔哦嗯啦耶欸這那個一些之其此於著並且再才更最已"
)
_VARIANTS = str.maketrans({"臺": "台", "裏": "裡", "着": "著", "綫": "線"})
_TOKENS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z][a-z0-9]+")


# --- the engine -------------------------------------------------------------------------------


def text_normalize(text: str) -> str:
    """Full-width to half-width, lower case, common variant characters unified (臺 → 台)."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(_VARIANTS)


def _segments(text: str) -> list[str]:
    """Runs of Chinese characters split at stop characters, and Latin words (line, app)."""
    segments: list[str] = []
    for token in _TOKENS.findall(text_normalize(text)):
        if token.isascii():
            segments.append(token)
            continue
        run = ""
        for char in token:
            if char in STOP_CHARS:
                if run:
                    segments.append(run)
                run = ""
            else:
                run += char
        if run:
            segments.append(run)
    return segments


@lru_cache(maxsize=8192)
def text_terms(text: str) -> dict[str, int]:
    """Term counts: each Chinese bigram and character, each Latin word. Do not mutate."""
    counts: Counter[str] = Counter()
    for segment in _segments(text):
        if segment.isascii():
            counts[segment] += 1
            continue
        counts.update(segment)
        counts.update(segment[i : i + 2] for i in range(len(segment) - 1))
    return dict(counts)


def _tf(count: int) -> float:
    return 1.0 + math.log(count)  # sublinear: the tenth 「等」 adds little


def _kind(term: str) -> float:
    return UNIGRAM_WEIGHT if len(term) == 1 else 1.0


class Corpus:
    """TF-IDF vectors of a set of cases as an inverted index: term → (case ids, weights)."""

    def __init__(self, docs: Sequence[tuple[int, str]]):
        counts = [(doc_id, text_terms(text)) for doc_id, text in docs]
        frequency: Counter[str] = Counter()
        for _doc_id, terms in counts:
            frequency.update(terms.keys())
        self.size = len(counts)
        self.idf = {t: math.log((1 + self.size) / (1 + n)) + 1.0 for t, n in frequency.items()}
        self.unseen_idf = math.log(1 + self.size) + 1.0
        # Built once per corpus: the loop below is the cost of a cold library.
        scale = {t: idf * _kind(t) for t, idf in self.idf.items()}
        ids: dict[str, list[int]] = defaultdict(list)
        values: dict[str, list[float]] = defaultdict(list)
        for doc_id, terms in counts:
            weights = [(t, _tf(n) * scale[t]) for t, n in terms.items()]
            norm = math.sqrt(sum(w * w for _t, w in weights))
            for term, weight in weights:
                ids[term].append(doc_id)
                values[term].append(weight / norm)
        # Typed arrays: a tenth of the memory of lists of tuples (a few MB for 2,000 cases).
        self.postings = {t: (array("q", ids[t]), array("d", values[t])) for t in ids}

    def scores(self, text: str) -> dict[int, float]:
        """Cosine similarity of the text with every case that shares a term with it."""
        weights = {
            t: _tf(n) * self.idf.get(t, self.unseen_idf) * _kind(t)
            for t, n in text_terms(text).items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        scores: dict[int, float] = defaultdict(float)
        if not norm:
            return scores
        for term, weight in weights.items():
            if term in self.postings:
                doc_ids, doc_weights = self.postings[term]
                for doc_id, doc_weight in zip(doc_ids, doc_weights, strict=True):
                    scores[doc_id] += weight / norm * doc_weight
        return scores


_CORPORA: OrderedDict[tuple, Corpus] = OrderedDict()
# One per branch scope in use (each user's branches), a few MB each.
_CORPORA_SIZE = 16
_CORPORA_LOCK = threading.Lock()


def library_cache_clear() -> None:
    """Forget the built corpora (tests; after a bulk import of cases)."""
    with _CORPORA_LOCK:
        _CORPORA.clear()
    text_terms.cache_clear()


def _document(description: str, summary: str) -> str:
    # The summary restates the problem as staff understood it; both describe the case.
    return f"{description}\n{summary}"


def _window_start() -> dt.datetime:
    years = getattr(settings, "CARELOOP_LIBRARY_YEARS", 3)
    return timezone.now() - dt.timedelta(days=round(365.25 * years))


def _max_candidates() -> int:
    return getattr(settings, "CARELOOP_LIBRARY_MAX_CANDIDATES", 2000)


def library_cases(*, user: User) -> QuerySet[Complaint]:
    """The library: the user's branches' closed and archived cases in the window."""
    return complaints_visible_to(user=user).filter(
        state__in=READ_ONLY_STATES, received_at__gte=_window_start()
    )


@dataclass(frozen=True)
class _Candidate:
    id: int
    nature_id: int | None
    channel: str


def _corpus(cases: QuerySet[Complaint]) -> tuple[Corpus, dict[int, _Candidate]]:
    """The corpus of the newest candidates: one narrow query when built already, two if not."""
    newest = cases.order_by("-received_at", "-id")
    limit = _max_candidates()
    rows = tuple(
        newest.annotate(_dl=Length("description"), _sl=Length("summary")).values_list(
            "id", "updated_at", "_dl", "_sl", "nature_id", "channel"
        )[:limit]
    )
    candidates = {row[0]: _Candidate(row[0], row[4], row[5]) for row in rows}
    with _CORPORA_LOCK:
        corpus = _CORPORA.get(rows)
        if corpus is not None:
            _CORPORA.move_to_end(rows)
            return corpus, candidates
    texts = newest.values_list("id", "description", "summary")[:limit]
    corpus = Corpus([(pk, _document(d, s)) for pk, d, s in texts if pk in candidates])
    with _CORPORA_LOCK:
        _CORPORA[rows] = corpus
        while len(_CORPORA) > _CORPORA_SIZE:
            _CORPORA.popitem(last=False)
    return corpus, candidates


# --- what a hit shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryHit:
    """A past case as the library shows it: the problem, the solution, how it ended."""

    complaint: Complaint
    similarity: float | None  # text cosine, 0–1; None when not ranked by text
    score: float | None  # similarity plus boosts, the ranking key
    excerpt: str
    solution: Solution | None
    same_nature: bool = False
    shared_departments: tuple[str, ...] = ()

    @property
    def similarity_percent(self) -> int | None:
        return None if self.similarity is None else min(100, round(self.similarity * 100))


def _excerpt(text: str, query: str = "", width: int = 90) -> str:
    """A line of the description, starting near the first bigram it shares with the query."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    start = 0
    if query:
        wanted = [t for t in text_terms(query) if len(t) > 1]
        lowered = text.lower().translate(_VARIANTS)
        found = [i for i in (lowered.find(t) for t in wanted) if i >= 0]
        if found:
            start = max(0, min(found) - 12)
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def _solution_of(complaint: Complaint) -> Solution | None:
    try:
        return complaint.solution
    except ObjectDoesNotExist:
        return None


def _hits(
    ranked: Sequence[tuple[int, float | None, float | None]],
    *,
    query: str = "",
    nature_id: int | None = None,
    department_ids: frozenset[int] = frozenset(),
) -> list[LibraryHit]:
    """The hits for (id, similarity, score) in that order: two queries, whatever their number."""
    ids = [pk for pk, _similarity, _score in ranked]
    rows = (
        Complaint.objects.filter(id__in=ids)
        .select_related("branch", "nature", "solution")
        .prefetch_related("departments")
    )
    by_id = {c.id: c for c in rows}
    hits = []
    for pk, similarity, score in ranked:
        complaint = by_id.get(pk)
        if complaint is None:  # deleted since it was ranked
            continue
        shared = tuple(d.name for d in complaint.departments.all() if d.id in department_ids)
        hits.append(
            LibraryHit(
                complaint=complaint,
                similarity=similarity,
                score=score,
                excerpt=_excerpt(complaint.description, query),
                solution=_solution_of(complaint),
                same_nature=nature_id is not None and complaint.nature_id == nature_id,
                shared_departments=shared,
            )
        )
    return hits


# --- similar cases ----------------------------------------------------------------------------


def library_similar_to_text(
    *,
    user: User,
    description: str,
    nature_id: int | None = None,
    department_ids: Iterable[int] = (),
    channel: str = "",
    exclude_id: int | None = None,
    limit: int = SIMILAR_PANEL_SIZE,
) -> list[LibraryHit]:
    """Past cases most like a complaint not necessarily saved yet (the intake form, the API).

    Ranked by text similarity, then a small boost for the same nature, a shared department and
    the same channel. Cases below MIN_SIMILARITY are left out: an empty list means none alike.
    """
    department_ids = frozenset(department_ids)
    if not text_terms(description[:DESCRIPTION_MAX_LENGTH]):
        return []
    # The case itself is left out after scoring: every case page then shares one corpus.
    corpus, candidates = _corpus(library_cases(user=user))
    scores = corpus.scores(description[:DESCRIPTION_MAX_LENGTH])
    best = sorted(
        (
            (pk, s)
            for pk, s in scores.items()
            if s >= MIN_SIMILARITY and pk in candidates and pk != exclude_id
        ),
        key=lambda item: (-item[1], -item[0]),
    )[:_RERANK]
    departments_of: dict[int, set[int]] = defaultdict(set)
    if department_ids and best:
        through = Complaint.departments.through.objects.filter(
            complaint_id__in=[pk for pk, _s in best]
        ).values_list("complaint_id", "department_id")
        for complaint_id, department_id in through:
            departments_of[complaint_id].add(department_id)
    ranked = []
    for pk, similarity in best:
        candidate = candidates[pk]
        score = similarity
        if nature_id is not None and candidate.nature_id == nature_id:
            score += NATURE_BOOST
        if departments_of[pk] & department_ids:
            score += DEPARTMENT_BOOST
        if channel and candidate.channel == channel:
            score += CHANNEL_BOOST
        ranked.append((pk, similarity, score))
    ranked.sort(key=lambda item: (-item[2], -item[0]))
    # The excerpt starts at the beginning: a similar case reads best as its own story.
    return _hits(ranked[:limit], nature_id=nature_id, department_ids=department_ids)


def library_similar(
    *, complaint: Complaint, user: User, limit: int = SIMILAR_PANEL_SIZE
) -> list[LibraryHit]:
    """The closed cases most like this one (「相似案例」 on the case page), itself excluded."""
    return library_similar_to_text(
        user=user,
        description=complaint.description,
        nature_id=complaint.nature_id,
        department_ids=[d.id for d in complaint.departments.all()],
        channel=complaint.channel,
        exclude_id=complaint.id,
        limit=limit,
    )


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilters:
    query: str = ""
    nature: int | None = None
    department: int | None = None
    branch: int | None = None


class LibraryResults:
    """A search's results, counted and sliced like a list (Django's Paginator takes it).

    mode: "recent" (no text: newest closed first), "contains" (a short text: cases containing
    it, newest first) or "ranked" (by text similarity, exact matches first).
    """

    def __init__(
        self,
        *,
        mode: str,
        query: str,
        rows: QuerySet[Complaint] | None = None,
        ranked: list[tuple[int, float, float]] | None = None,
    ):
        self.mode = mode
        self.query = query
        self._rows = rows
        self._ranked = ranked or []
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = len(self._ranked) if self._rows is None else self._rows.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[LibraryHit]:
        if not isinstance(index, slice):
            raise TypeError("LibraryResults takes slices only")
        if self._rows is None:
            return _hits(self._ranked[index], query=self.query)
        page = (
            self._rows.select_related("branch", "nature", "solution").prefetch_related(
                "departments"
            )
        )[index]
        return [
            LibraryHit(
                complaint=c,
                similarity=None,
                score=None,
                excerpt=_excerpt(c.description, self.query),
                solution=_solution_of(c),
            )
            for c in page
        ]


def _meaningful_length(text: str) -> int:
    return sum(len(segment) for segment in _segments(text))


def library_search(*, user: User, filters: LibraryFilters) -> LibraryResults:
    """Closed and archived cases of the user's branches by text, nature, department, branch."""
    cases = library_cases(user=user)
    narrowed = cases
    if filters.nature:
        narrowed = narrowed.filter(nature_id=filters.nature)
    if filters.department:
        narrowed = narrowed.filter(departments__id=filters.department)
    if filters.branch:
        narrowed = narrowed.filter(branch_id=filters.branch)
    query = " ".join(filters.query.split())[:QUERY_MAX_LENGTH]
    newest = narrowed.order_by(F("closed_at").desc(nulls_last=True), "-id")
    if not query:
        return LibraryResults(mode="recent", query="", rows=newest)
    contains = Q(description__icontains=query) | Q(summary__icontains=query)
    if _meaningful_length(query) < SHORT_QUERY:
        return LibraryResults(mode="contains", query=query, rows=newest.filter(contains))
    # IDF over the whole library, so a filter does not change what a word is worth.
    corpus, candidates = _corpus(cases)
    allowed = (
        candidates.keys()
        if narrowed is cases
        else set(narrowed.values_list("id", flat=True)[: _max_candidates()])
    )
    exact = set(narrowed.filter(contains).values_list("id", flat=True)[: _max_candidates()])
    scores = corpus.scores(query)
    ranked = []
    for pk in allowed:
        similarity = scores.get(pk, 0.0)
        if pk in exact:
            ranked.append((pk, similarity, similarity + EXACT_BONUS))
        elif similarity >= MIN_SEARCH_SIMILARITY:
            ranked.append((pk, similarity, similarity))
    ranked.sort(key=lambda item: (-item[2], -item[0]))
    return LibraryResults(mode="ranked", query=query, ranked=ranked)


# --- input, shared by the page and the API ---------------------------------------------------


class _IdOrCode(forms.ModelChoiceField):
    """A row by its ID or its code, so the API takes either and answers as the page does."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        field = "pk" if text.isdigit() else "code"
        try:
            return self.queryset.get(**{field: text})
        except (self.queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc


class LibrarySearchForm(forms.Form):
    q = forms.CharField(
        label=_("關鍵字"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages={"max_length": _("關鍵字最多 %(limit_value)d 個字。")},
    )
    nature = _IdOrCode(
        label=_("性質"),
        queryset=Nature.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("找不到此投訴性質。")},
    )
    department = _IdOrCode(
        label=_("部門"),
        queryset=Department.objects.order_by("code"),
        required=False,
        error_messages={"invalid_choice": _("找不到此部門。")},
    )
    branch = _IdOrCode(
        label=_("院所"),
        queryset=Branch.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("找不到此院所，或您無權查看該院所的案件。")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        branch_ids = user_branch_ids(user)
        branches = Branch.objects.all()
        if branch_ids is not None:
            branches = branches.filter(id__in=branch_ids)
        self.fields["branch"].queryset = branches
        self.fields["branch"].empty_label = _("全部院所")
        self.fields["nature"].empty_label = _("全部性質")
        self.fields["department"].empty_label = _("全部部門")

    def filters(self) -> LibraryFilters:
        """The filters of a valid form (call is_valid() first)."""
        data = self.cleaned_data
        return LibraryFilters(
            query=(data.get("q") or "").strip(),
            nature=data["nature"].pk if data.get("nature") else None,
            department=data["department"].pk if data.get("department") else None,
            branch=data["branch"].pk if data.get("branch") else None,
        )
