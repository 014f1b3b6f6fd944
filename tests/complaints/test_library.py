"""案例資料庫 (complaints/library.py): similar past cases for a new complaint, search of closed
cases by text, nature and department, branch scope, the page and its query count.

The labelled set: 37 closed cases at branch A written as front desks write them, each tagged
with what it was about. "late" is the therapist arriving late (the customer kept waiting);
"wait" is waiting for something else (the counter, a refund), related but not the same problem.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from careloop.complaints.library import (
    LibraryFilters,
    LibrarySearchForm,
    library_cache_clear,
    library_search,
    library_similar,
    library_similar_to_text,
    text_terms,
)
from careloop.complaints.models import Complaint, Nature, Solution, State
from tests.complaints.test_api_intake import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NEW_LATENESS = "治療師又遲到二十分鐘，讓我在候診區乾等"

# (label, nature code, department codes, description, summary, remedy, accepted, score)
LABELLED = [
    ("late", "service_quality", ["physiotherapy"],
     "預約下午兩點的復健，治療師遲到快半小時才出現，也沒有人先告知，後面的行程全被打亂。",
     "治療師未準時開始療程且未事先通知。", "當面致歉，補足療程時間並贈送一次熱敷。", True, 8),
    ("late", "service_quality", ["physiotherapy"],
     "這已經是第三次治療師晚到了，每次都讓我在候診區等二十幾分鐘，療程時間卻沒有延長。",
     "同一治療師多次晚到，客戶久候。", "更換固定時段的治療師，補一堂課。", True, 7),
    ("late", "service_quality", ["physiotherapy"],
     "治療師遲到十五分鐘，結束時間照舊，等於少做了一段治療，覺得很不公平。",
     "療程因治療師遲到而縮短。", "補足缺少的療程時間並道歉。", True, 8),
    ("late", "service_quality", ["physiotherapy", "customer_service"],
     "今天準時報到，等了四十分鐘治療師才來，櫃台只說前一位客人拖到時間。",
     "排程過密，治療師延誤，客戶在候診區久候。", "致歉並退還當次費用。", True, 9),
    ("late", "service_quality", ["physiotherapy"],
     "約好早上九點的物理治療，治療師九點半才到，連一句抱歉都沒有。",
     "治療師遲到且未致歉。", "主管致電道歉，治療師接受準時與應對輔導。", False, 4),
    ("late", "service_quality", ["physiotherapy"],
     "最近幾次療程都延遲開始，治療師總是遲到，在候診區乾坐很浪費時間。",
     "療程屢次延遲開始。", "調整排程，每位治療師之間預留緩衝時間。", True, 7),
    ("late", "service_quality", ["physiotherapy"],
     "媽媽行動不便，提早到診所，但治療師遲到二十分鐘，讓她在候診區等了很久。",
     "治療師遲到，年長客戶久候。", "致歉並為長者安排優先的固定時段。", True, 8),
    ("late", "staff_attitude", ["physiotherapy"],
     "治療師又遲到了，我請假來做復健，等待時間太長影響上班。",
     "治療師遲到影響客戶工作。", "提供晚間時段並補償一堂課。", True, 6),
    ("wait", "service_quality", ["customer_service"],
     "結帳排隊等了半小時，櫃台只有一個人在處理，後面的人都很不耐煩。",
     "櫃台人力不足，結帳久候。", "尖峰時段增派一名櫃台人員。", True, 7),
    ("wait", "billing", ["sales"],
     "申請退還剩餘堂數的費用，已經等了一個多月還沒收到退款。",
     "退款作業延誤。", "加速退款流程並通知客戶入帳日期。", True, 6),
    ("billing", "billing", ["customer_service"],
     "結帳時被多收了一次療程費用，發票金額和價目表不符，回家對帳才發現。",
     "收費錯誤。", "退還多收金額並重開發票。", True, 9),
    ("billing", "billing", ["customer_service"],
     "刷卡被重複扣款兩次，打電話詢問三天都沒有回覆。",
     "重複扣款且回覆延遲。", "取消重複交易並致歉。", True, 8),
    ("billing", "billing", ["customer_service", "sales"],
     "套裝課程明明還有剩餘次數，櫃台卻又向我收了單次費用。",
     "套裝堂數未正確扣抵。", "退還單次費用，更正堂數記錄。", True, 8),
    ("billing", "billing", ["customer_service"],
     "收據上的自費項目我沒有做過，請說明為什麼會收這筆錢。",
     "收據項目錯誤。", "說明並退還錯收項目。", True, 7),
    ("rude", "staff_attitude", ["customer_service"],
     "櫃台人員講話很不耐煩，我詢問預約方式時直接翻白眼。",
     "櫃台服務態度不佳。", "主管致歉，櫃台人員接受服務禮儀訓練。", True, 6),
    ("rude", "staff_attitude", ["customer_service"],
     "打電話到櫃台詢問，接電話的小姐態度冷淡，還直接掛我電話。",
     "電話應對不當。", "致電道歉並檢討電話應對流程。", True, 7),
    ("rude", "staff_attitude", ["customer_service"],
     "櫃台當著其他客人的面大聲說我欠費，讓我非常難堪。",
     "櫃台未顧及客戶隱私。", "當面致歉，欠費事項改由個別告知。", False, 3),
    ("rude", "staff_attitude", ["customer_service"],
     "前台人員一直在滑手機，叫了好幾次才理我，服務態度很差。",
     "櫃台人員值勤時使用手機。", "重申值勤規範並致歉。", True, 6),
    ("pain", "safety", ["physiotherapy"],
     "徒手治療時治療師力道太大，做完後肩膀劇烈疼痛，隔天手都抬不起來。",
     "徒手治療後疼痛加劇。", "安排醫師評估並暫停徒手治療。", True, 7),
    ("pain", "safety", ["physiotherapy"],
     "熱敷包溫度太高，小腿被燙出水泡，現場也沒有人注意。",
     "熱敷燙傷。", "支付就醫費用並檢查熱敷設備溫控。", True, 6),
    ("pain", "efficacy", ["physiotherapy"],
     "做完牽引後腰痛加劇，詢問治療師卻說是正常反應。",
     "牽引後不適，說明不足。", "重新評估牽引重量並說明可能反應。", True, 7),
    ("pain", "safety", ["physiotherapy"],
     "電療貼片的位置不對，皮膚紅腫刺痛了好幾天。",
     "電療貼片位置錯誤造成皮膚不適。", "致歉並加強貼片位置確認。", True, 7),
    ("booking", "service_quality", ["customer_service"],
     "我在 LINE 預約了週六上午，到現場才說系統沒有我的預約。",
     "線上預約未寫入系統。", "修正 LINE 預約串接並補排時段。", True, 7),
    ("booking", "service_quality", ["customer_service"],
     "預約時段被重複安排給兩位客人，我被要求改天再來。",
     "預約重複排定。", "致歉並優先安排下次預約。", True, 6),
    ("booking", "service_quality", ["customer_service"],
     "已經取消的預約還是被扣了一次課程堂數。",
     "取消預約仍扣堂數。", "補回堂數並檢查取消流程。", True, 8),
    ("booking", "service_quality", ["customer_service"],
     "簡訊通知的預約時間和櫃台記錄不同，害我白跑一趟。",
     "簡訊通知時間錯誤。", "致歉並修正簡訊範本。", True, 7),
    ("clean", "facilities", ["operations"],
     "治療床的床單沒有更換，上面還有頭髮，衛生令人擔心。",
     "治療床清潔不確實。", "每位客人之間更換床單並抽查。", True, 7),
    ("clean", "facilities", ["operations"],
     "廁所很髒，地板濕滑有異味，洗手乳也用完了。",
     "廁所清潔不足。", "增加清潔巡查頻率。", True, 8),
    ("clean", "facilities", ["operations"],
     "器材使用後沒有消毒就給下一位客人使用。",
     "器材未消毒。", "建立器材消毒記錄表。", True, 8),
    ("parking", "facilities", ["operations"],
     "診所配合的停車場常常客滿，繞了二十分鐘找不到車位，結果預約遲到被取消。",
     "停車位不足導致客戶遲到。", "增加特約停車場並放寬遲到保留時間。", True, 7),
    ("parking", "facilities", ["operations"],
     "停車折抵只有一小時，但療程加上候診超過兩小時，停車費太貴。",
     "停車折抵時數不足。", "停車折抵延長為兩小時。", True, 8),
    ("parking", "facilities", ["operations"],
     "機車停車位太少，門口又不能停，每次來都很困擾。",
     "機車停車位不足。", "與鄰近停車場洽談機車位。", True, 6),
    ("refund", "billing", ["sales"],
     "買了二十堂的療程套裝，因為搬家想退費，診所卻說不能退。",
     "搬遷退費爭議。", "依契約按剩餘堂數比例退費。", True, 7),
    ("refund", "billing", ["sales"],
     "退費金額扣了高額手續費，與簽約時說明的不一樣。",
     "退費手續費與說明不符。", "退還多扣手續費並修正銷售說明。", True, 7),
    ("refund", "billing", ["sales"],
     "業務推銷時說隨時可以退費，現在要退卻說已經過了期限。",
     "銷售說明與契約不一致。", "依當初說明退費，銷售人員再訓練。", False, 5),
    ("efficacy", "efficacy", ["physiotherapy"],
     "做了十次復健，膝蓋疼痛完全沒有改善，覺得被推銷了沒用的課程。",
     "療效未達預期。", "安排醫師重新評估並調整療程。", True, 6),
    ("efficacy", "efficacy", ["physiotherapy"],
     "治療師說三週會好轉，結果兩個月了還是一樣痛。",
     "療效說明過度樂觀。", "重新評估並調整治療計畫。", True, 5),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_library():
    library_cache_clear()
    yield
    library_cache_clear()


@pytest.fixture
def cs_b(branch_b, departments):
    return UserFactory(
        username="cs_b",
        home_branch=branch_b,
        department=departments["customer_service"],
        roles=["customer_service"],
    )


@pytest.fixture
def close_case(cs_a):
    """A case as closing leaves it: its solution, its summary and the customer's verdict."""

    def close(complaint, *, summary, remedy, prevention, accepted=True, score=8, days_ago=1):
        Solution.objects.create(
            complaint=complaint, immediate_remedy=remedy, prevention=prevention, updated_by=cs_a
        )
        closed_at = timezone.now() - dt.timedelta(days=days_ago)
        Complaint.objects.filter(pk=complaint.pk).update(
            state=State.CLOSED,
            closed_at=closed_at,
            summary=summary,
            customer_accepted=accepted,
            satisfaction_score=score,
            updated_at=timezone.now(),
        )
        complaint.refresh_from_db()
        return complaint

    return close


_SERIAL = itertools.count(500)


def closed_case(
    *, branch, by, description, nature=None, depts=(), received_at, closed_at, **closing
) -> Complaint:
    """A closed case as its row stands after closing, inserted directly (the intake and the
    workflow are tested elsewhere; 37 cases through them would cost seconds per test)."""
    complaint = Complaint.objects.create(
        number=f"{timezone.localtime(received_at):%Y%m%d}-{next(_SERIAL)}",
        branch=branch,
        complainant_name="客戶",
        complainant_phone="+886912000111",
        channel="phone",
        received_at=received_at,
        received_by=by,
        recorded_at=received_at,
        description=description,
        suggested_grade="C",
        grade="C",
        nature=nature,
        record_due=received_at + dt.timedelta(hours=24),
        start_due=received_at + dt.timedelta(days=3),
        resolution_due=received_at + dt.timedelta(days=10),
        state=State.CLOSED,
        closed_at=closed_at,
        closed_by=by,
        summary=closing["summary"],
        customer_accepted=closing["accepted"],
        satisfaction_score=closing["score"],
    )
    complaint.departments.set(depts)
    Solution.objects.create(
        complaint=complaint,
        immediate_remedy=closing["remedy"],
        prevention=closing["prevention"],
        updated_by=by,
    )
    return complaint


@pytest.fixture
def library(branch_a, cs_a, departments):
    """The labelled set at branch A, oldest first: {number: label}; received over 600 days."""
    natures = {n.code: n for n in Nature.objects.all()}
    now = timezone.now()
    labels = {}
    for i, (label, nature, depts, text, summary, remedy, accepted, score) in enumerate(LABELLED):
        complaint = closed_case(
            branch=branch_a,
            by=cs_a,
            description=text,
            nature=natures[nature],
            depts=[departments[d] for d in depts],
            received_at=now - dt.timedelta(days=600 - i * 15),
            closed_at=now - dt.timedelta(days=len(LABELLED) - i),
            summary=summary,
            remedy=remedy,
            prevention=f"檢討流程：{summary}",
            accepted=accepted,
            score=score,
        )
        labels[complaint.number] = label
    return labels


@pytest.fixture
def new_lateness(make_complaint):
    """The new complaint: open, at branch A, about a therapist late again."""
    return make_complaint(
        description=NEW_LATENESS,
        nature=Nature.objects.get(code="service_quality"),
        received_at=timezone.now() - dt.timedelta(hours=1),
    )


def _ranks(hits, labels):
    return [labels[hit.complaint.number] for hit in hits]


# --- the Done-when: lateness ranks above the unrelated --------------------------------------


def test_given_37_labelled_cases_when_a_therapist_is_late_again_then_lateness_cases_come_first(
    library, new_lateness, cs_a
):
    # Given the labelled library and a new complaint 「治療師又遲到二十分鐘，讓我在候診區乾等」
    lateness = [n for n, label in library.items() if label == "late"]
    assert len(library) >= 30 and len(lateness) == 8

    # When the library ranks every past case against it
    hits = library_similar(complaint=new_lateness, user=cs_a, limit=len(library))
    ranked = _ranks(hits, library)

    # Then the first five are all lateness cases, and six of the first eight
    assert ranked[:5] == ["late"] * 5
    assert ranked[:8].count("late") >= 6
    # And every lateness case is found, above the similarity threshold
    assert ranked.count("late") == 8
    # And on average a lateness case ranks far above an unrelated one (unranked = last)
    position = {hit.complaint.number: i + 1 for i, hit in enumerate(hits)}
    unranked = len(library) + 1
    late_ranks = [position.get(n, unranked) for n in lateness]
    other_ranks = [
        position.get(n, unranked) for n, label in library.items() if label not in ("late", "wait")
    ]
    assert statistics.mean(late_ranks) <= 6
    assert statistics.mean(other_ranks) >= 15
    # And each lateness case ranks above at least 90% of the unrelated cases (pairwise)
    above = sum(1 for lr in late_ranks for orank in other_ranks if lr < orank)
    assert above / (len(late_ranks) * len(other_ranks)) >= 0.9


def test_the_ranking_comes_from_the_text_not_the_nature_boost(library, cs_a):
    # Given the same words without nature, department or channel
    # When the library ranks the bare description (as the intake form could, before saving)
    hits = library_similar_to_text(user=cs_a, description=NEW_LATENESS, limit=len(library))

    # Then lateness cases still fill the top five
    assert _ranks(hits, library)[:5] == ["late"] * 5
    # And booking cases, of the same nature as the new complaint, do not climb with the boost
    boosted = library_similar_to_text(
        user=cs_a,
        description=NEW_LATENESS,
        nature_id=Nature.objects.get(code="service_quality").pk,
        limit=len(library),
    )
    assert "booking" not in _ranks(boosted, library)[:8]


def test_a_similar_case_shows_its_solution_outcome_and_similarity(library, new_lateness, cs_a):
    # When the panel's five are read
    hits = library_similar(complaint=new_lateness, user=cs_a)

    # Then there are five, each with its solution, outcome and a similarity in percent
    assert len(hits) == 5
    first = hits[0]
    assert first.solution is not None and first.solution.immediate_remedy
    assert first.complaint.summary and first.complaint.satisfaction_score
    assert 0 < first.similarity_percent <= 100
    assert first.score >= first.similarity
    assert first.same_nature
    assert first.shared_departments == ("物理治療部",)
    # And the scores never rise down the list
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_similar_excludes_the_case_itself_and_open_cases(make_complaint, close_case, cs_a):
    # Given a closed lateness case (received within the library's years) and an open one
    # with the same words
    closed = close_case(
        make_complaint(
            description="治療師遲到半小時，在候診區等很久。",
            received_at=timezone.now() - dt.timedelta(days=10),
        ),
        summary="遲到",
        remedy="致歉",
        prevention="排程",
    )
    still_open = make_complaint(description="治療師遲到半小時，在候診區等很久。")

    # When cases like the open one are asked for
    hits = library_similar(complaint=still_open, user=cs_a)

    # Then only the closed one comes back; a closed case never finds itself
    assert [h.complaint.number for h in hits] == [closed.number]
    assert library_similar(complaint=closed, user=cs_a) == []


def test_a_complaint_with_nothing_in_common_finds_nothing(library, cs_a):
    # When a description shares no meaningful words with the library (or has none at all)
    # Then nothing is offered rather than noise
    assert library_similar_to_text(user=cs_a, description="網站的英文版無法切換語言") == []
    assert library_similar_to_text(user=cs_a, description="我的了，。！") == []
    assert library_similar_to_text(user=cs_a, description="") == []


# --- search -----------------------------------------------------------------------------------


def _numbers(results) -> list[str]:
    return [hit.complaint.number for hit in results[0 : results.count()]]


def test_search_by_nature_and_department(library, cs_a, departments):
    billing = Nature.objects.get(code="billing")

    # When the library is filtered by nature, by department, and by both
    by_nature = _numbers(library_search(user=cs_a, filters=LibraryFilters(nature=billing.pk)))
    sales = departments["sales"].pk
    by_department = _numbers(library_search(user=cs_a, filters=LibraryFilters(department=sales)))
    both = _numbers(
        library_search(user=cs_a, filters=LibraryFilters(nature=billing.pk, department=sales))
    )

    # Then only matching cases come back
    assert sorted(library[n] for n in by_nature) == sorted(
        ["billing"] * 4 + ["refund"] * 3 + ["wait"]
    )
    assert sorted(library[n] for n in by_department) == sorted(
        ["billing", "refund", "refund", "refund", "wait"]
    )
    assert sorted(library[n] for n in both) == sorted(
        ["billing", "refund", "refund", "refund", "wait"]
    )


def test_search_by_text_ranks_by_similarity_within_a_filter(library, cs_a, departments):
    # When a sentence is searched, alone and within the physiotherapy department
    results = library_search(user=cs_a, filters=LibraryFilters(query="治療師遲到很久"))
    physio = library_search(
        user=cs_a,
        filters=LibraryFilters(query="治療師遲到很久", department=departments["physiotherapy"].pk),
    )

    # Then it is ranked by similarity, lateness first
    assert results.mode == "ranked"
    assert [library[n] for n in _numbers(results)[:5]] == ["late"] * 5
    # And the filter keeps to its department
    assert {library[n] for n in _numbers(physio)} <= {"late", "pain", "efficacy"}
    assert [library[n] for n in _numbers(physio)[:5]] == ["late"] * 5


def test_a_short_query_matches_the_text_newest_first(library, cs_a):
    # When two characters are searched
    results = library_search(user=cs_a, filters=LibraryFilters(query="遲到"))

    # Then every case containing them comes back (the parking one too), newest closed first
    assert results.mode == "contains"
    numbers = _numbers(results)
    assert sorted(library[n] for n in numbers) == sorted(["late"] * 6 + ["parking"])
    closed = list(
        Complaint.objects.filter(number__in=numbers)
        .order_by("-closed_at")
        .values_list("number", flat=True)
    )
    assert numbers == closed


def test_an_exact_phrase_comes_first(library, cs_a):
    # When a phrase written in one case is searched
    results = library_search(user=cs_a, filters=LibraryFilters(query="停車折抵"))

    # Then that case leads
    first = results[0:1][0]
    assert "停車折抵只有一小時" in first.complaint.description


def test_an_empty_query_lists_closed_cases_newest_first_without_open_ones(
    library, new_lateness, cs_a
):
    # When the library is opened with no filter
    results = library_search(user=cs_a, filters=LibraryFilters())

    # Then every closed case shows, newest closed first, and the open case does not
    assert results.mode == "recent"
    numbers = _numbers(results)
    assert set(numbers) == set(library)
    assert new_lateness.number not in numbers
    assert numbers[0] == list(library)[-1]


def test_branch_b_does_not_find_branch_a_cases(
    library, new_lateness, make_complaint, close_case, cs_b, branch_b, senior
):
    # Given a lateness case closed at branch B, received within the library's years
    b_case = close_case(
        make_complaint(
            branch=branch_b,
            by=cs_b,
            description="治療師遲到二十分鐘才開始療程。",
            complainant_phone="+886912000999",
            received_at=timezone.now() - dt.timedelta(days=10),
        ),
        summary="遲到",
        remedy="致歉",
        prevention="排程",
    )

    # When a branch B user searches and asks for similar cases
    found = _numbers(library_search(user=cs_b, filters=LibraryFilters(query="治療師遲到")))
    similar = library_similar_to_text(user=cs_b, description=NEW_LATENESS, limit=20)
    everything = _numbers(library_search(user=cs_b, filters=LibraryFilters()))

    # Then only branch B's case is found
    assert found == [b_case.number]
    assert [h.complaint.number for h in similar] == [b_case.number]
    assert everything == [b_case.number]
    # And branch A's user does not see branch B's case, while senior management sees both
    a_similar = library_similar(complaint=new_lateness, user=new_lateness.received_by, limit=20)
    assert b_case.number not in {h.complaint.number for h in a_similar}
    chain = library_similar_to_text(user=senior, description=NEW_LATENESS, limit=20)
    assert b_case.number in {h.complaint.number for h in chain}


def test_a_user_without_complaint_access_is_refused(library, branch_a):
    # Given a user with no role
    nobody = UserFactory(username="nobody", home_branch=branch_a)

    # Then the library refuses
    with pytest.raises(PermissionDenied):
        library_search(user=nobody, filters=LibraryFilters())
    with pytest.raises(PermissionDenied):
        library_similar_to_text(user=nobody, description=NEW_LATENESS)


# --- bounds -----------------------------------------------------------------------------------


def test_cases_older_than_the_window_are_left_out(make_complaint, close_case, cs_a, settings):
    # Given a lateness case received four years ago and one last month
    old = close_case(
        make_complaint(
            description="治療師遲到很久。", received_at=timezone.now() - dt.timedelta(days=4 * 365)
        ),
        summary="遲到",
        remedy="致歉",
        prevention="排程",
    )
    recent = close_case(
        make_complaint(
            description="治療師遲到很久。", received_at=timezone.now() - dt.timedelta(days=30)
        ),
        summary="遲到",
        remedy="致歉",
        prevention="排程",
    )

    # When the library looks back three years (the default), and then five
    found = {h.complaint.number for h in library_similar_to_text(user=cs_a, description="遲到很久")}
    settings.CARELOOP_LIBRARY_YEARS = 5
    wider = {h.complaint.number for h in library_similar_to_text(user=cs_a, description="遲到很久")}

    # Then the old case shows only in the wider window
    assert found == {recent.number}
    assert wider == {recent.number, old.number}


def test_only_the_newest_candidates_are_ranked(library, cs_a, settings):
    # Given the candidate set bounded to the newest 5 cases
    settings.CARELOOP_LIBRARY_MAX_CANDIDATES = 5
    newest = set(list(library)[-5:])

    # When similar cases are asked for
    hits = library_similar_to_text(user=cs_a, description="療程費用與退費", limit=20)

    # Then only those five could be found
    assert hits and {h.complaint.number for h in hits} <= newest


def test_a_warm_library_reads_less_and_still_sees_an_edited_case(
    library, cs_a, django_assert_num_queries
):
    # Given a library already built once
    library_similar_to_text(user=cs_a, description=NEW_LATENESS)

    # When it is asked again, Then the texts are not read again (roles/branches are cached on
    # the user): the candidate keys, the departments of the best matches, the hits, their
    # departments
    with django_assert_num_queries(3):
        library_similar_to_text(user=cs_a, description=NEW_LATENESS)

    # And when a case's text changes, the corpus is rebuilt and finds the new words
    number = next(n for n, label in library.items() if label == "clean")
    Complaint.objects.filter(number=number).update(
        description="治療師遲到又讓我乾等，候診區等二十分鐘", updated_at=timezone.now()
    )
    hits = library_similar_to_text(user=cs_a, description=NEW_LATENESS, limit=3)
    assert hits[0].complaint.number == number


# --- the engine and the form -------------------------------------------------------------------


def test_terms_are_bigrams_and_characters_split_at_stop_characters():
    terms = text_terms("治療師又遲到")
    # 又 splits the text: no bigram spans it
    assert {"治療", "療師", "遲到", "治", "到"} <= terms.keys()
    assert "師又" not in terms and "又遲" not in terms and "又" not in terms
    # Full-width letters, 臺/台 and Latin words are unified
    assert text_terms("ＬＩＮＥ預約") == text_terms("line預約")
    assert "台北" in text_terms("臺北院")
    assert text_terms("，。！？ 123") == {}


def test_the_form_takes_ids_or_codes_and_names_what_it_cannot_find(cs_a, departments):
    billing = Nature.objects.get(code="billing")
    form = LibrarySearchForm(
        {"nature": "billing", "department": departments["sales"].pk}, user=cs_a
    )
    assert form.is_valid()
    assert form.filters() == LibraryFilters(nature=billing.pk, department=departments["sales"].pk)

    bad = LibrarySearchForm({"nature": "nope", "department": "999999", "q": "字" * 201}, user=cs_a)
    assert not bad.is_valid()
    assert bad.errors["nature"] == ["找不到此投訴性質。"]
    assert bad.errors["department"] == ["找不到此部門。"]
    assert bad.errors["q"] == ["關鍵字最多 200 個字。"]


def test_the_form_refuses_a_branch_outside_the_users(cs_a, branch_b):
    form = LibrarySearchForm({"branch": branch_b.pk}, user=cs_a)
    assert not form.is_valid()
    assert form.errors["branch"] == ["找不到此院所，或您無權查看該院所的案件。"]


# --- pages ------------------------------------------------------------------------------------


def test_the_library_page_shows_cases_with_solution_and_outcome(library, client, cs_a):
    client.force_login(cs_a)

    # When a sentence is searched on the page
    response = client.get(reverse("complaints:library"), {"q": "治療師遲到很久"})

    # Then the hits show with their solution, outcome and similarity
    assert response.status_code == 200
    html = response.content.decode()
    assert "依相似度排序" in html
    assert "相似度 " in html and "%" in html
    assert "補足缺少的療程時間並道歉" in html
    assert "滿意度 8/10" in html
    assert "客戶接受方案" in html
    assert [library[h.complaint.number] for h in response.context["hits"]][:5] == ["late"] * 5


def test_the_library_page_filters_and_pages_with_bounded_queries(
    library, client, cs_a, django_assert_max_num_queries
):
    client.force_login(cs_a)
    url = reverse("complaints:library")

    # When the page opens: 20 of the 37 cases, and a second page (12 queries, 5 of them the
    # session, the user, its roles and branches and the unread notices)
    with django_assert_max_num_queries(12):
        first = client.get(url)
    assert len(first.context["hits"]) == 20
    assert "第 1 / 2 頁" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["hits"]) == len(library) - 20

    # And a ranked search, cold, reads the candidates' keys and texts and the exact matches
    with django_assert_max_num_queries(14):
        client.get(url, {"q": "退費手續費"})
    # And a filter by nature keeps to it
    billing = Nature.objects.get(code="billing")
    shown = client.get(url, {"nature": billing.pk}).context["hits"]
    assert {h.complaint.nature_id for h in shown} == {billing.pk}


def test_the_library_page_shows_a_bad_filter_beside_its_field(library, client, cs_a):
    client.force_login(cs_a)
    response = client.get(reverse("complaints:library"), {"nature": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "找不到此投訴性質。" in html
    assert "搜尋條件有誤" in html
    assert list(response.context["hits"]) == []


def test_the_library_page_with_an_empty_library(client, cs_a):
    client.force_login(cs_a)
    response = client.get(reverse("complaints:library"), {"q": "治療師遲到"})
    assert response.status_code == 200
    assert "沒有符合條件的已結案案件" in response.content.decode()


def test_the_library_page_needs_a_login_and_the_right(client, branch_a):
    url = reverse("complaints:library")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(username="nobody", home_branch=branch_a))
    assert client.get(url).status_code == 403


def test_cases_like_a_case_page_and_panel(
    library, new_lateness, client, cs_a, django_assert_max_num_queries
):
    client.force_login(cs_a)
    url = reverse("complaints:library")

    # When the full page lists the cases like the new complaint
    page = client.get(url, {"like": new_lateness.number})
    assert page.status_code == 200
    assert [library[h.complaint.number] for h in page.context["hits"]][:5] == ["late"] * 5
    assert new_lateness.number in page.content.decode()

    # And the case page's panel asks for its five with htmx
    with django_assert_max_num_queries(12):
        panel = client.get(url, {"like": new_lateness.number, "panel": "1"}, **HTMX)
    html = panel.content.decode()
    assert panel.status_code == 200
    assert 'id="library-similar-panel"' in html and "<html" not in html
    assert html.count('class="library-hit"') == 5  # no nested cards in the panel
    assert "相似案例" in html


def test_the_panel_before_it_loads_works_without_javascript(new_lateness):
    # When the case page includes the panel with only the case in its context
    html = render_to_string("complaints/partials/library_similar.html", {"c": new_lateness})

    # Then it loads itself with htmx, and links to the library page without JavaScript
    like = f"{reverse('complaints:library')}?like={new_lateness.number}"
    assert f'hx-get="{like}&amp;panel=1"' in html
    assert f'href="{like}"' in html


def test_cases_like_a_case_of_another_branch_is_404(library, new_lateness, client, cs_b):
    client.force_login(cs_b)
    url = reverse("complaints:library")
    assert client.get(url, {"like": new_lateness.number}).status_code == 404
    assert client.get(url, {"like": new_lateness.number, "panel": "1"}, **HTMX).status_code == 404


# --- the same over JSON (complaints/library_api.py) -------------------------------------


@pytest.fixture
def api_cs(cs_a):
    return ApiClient(cs_a)


def _api_labels(response, library) -> list[str]:
    assert response.status_code == 200, response.content
    return [library[item["number"]] for item in response.json()["items"]]


def test_search_ranks_a_sentence_and_pages(api_cs, library):
    response = api_cs.get("/library/cases", {"q": "治療師遲到很久", "limit": 5})
    body = response.json()
    assert (body["mode"], body["limit"], body["offset"]) == ("ranked", 5, 0)
    assert body["count"] >= 8
    assert _api_labels(response, library) == ["late"] * 5
    item = body["items"][0]
    assert item["solution"]["immediate_remedy"] and item["solution"]["prevention"]
    assert set(item["outcome"]) == {
        "customer_accepted",
        "satisfaction_score",
        "summary",
        "closed_at",
    }
    assert 0 < item["similarity"] <= 1 and item["score"] >= item["similarity"]
    assert item["nature"]["code"] == "service_quality"
    assert item["departments"][0]["code"] == "physiotherapy"
    assert item["received_at"].endswith("+08:00")
    second = api_cs.get("/library/cases", {"q": "治療師遲到很久", "limit": 5, "offset": 5})
    assert {i["number"] for i in second.json()["items"]}.isdisjoint(
        {i["number"] for i in body["items"]}
    )


def test_search_filters_by_nature_and_department_codes(api_cs, library):
    response = api_cs.get("/library/cases", {"nature": "billing", "department": "sales"})
    assert response.json()["mode"] == "recent"
    assert sorted(_api_labels(response, library)) == sorted(
        ["billing", "refund", "refund", "refund", "wait"]
    )
    by_id = api_cs.get("/library/cases", {"nature": Nature.objects.get(code="billing").pk})
    assert len(_api_labels(by_id, library)) == 8


def test_search_answers_bad_filters_in_zh_hant(api_cs, branch_b):
    response = api_cs.get(
        "/library/cases", {"nature": "nope", "department": "nope", "branch": branch_b.pk}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["nature"] == ["找不到此投訴性質。"]
    assert errors["department"] == ["找不到此部門。"]
    assert errors["branch"] == ["找不到此院所，或您無權查看該院所的案件。"]
    too_many = api_cs.get("/library/cases", {"limit": 51})
    assert too_many.status_code == 422 and "limit" in too_many.json()["errors"]
    too_long = api_cs.get("/library/cases", {"q": "字" * 201})
    assert too_long.json()["errors"]["q"] == ["關鍵字最多 200 個字。"]


def test_similar_to_a_case(api_cs, library, new_lateness):
    response = api_cs.get(f"/library/similar/{new_lateness.number}")
    assert _api_labels(response, library) == ["late"] * 5
    more = api_cs.get(f"/library/similar/{new_lateness.number}", {"limit": 8})
    assert _api_labels(more, library).count("late") >= 6
    assert api_cs.get(f"/library/similar/{new_lateness.number}", {"limit": 0}).status_code == 422


def test_similar_to_a_description_not_saved_yet(api_cs, library):
    response = api_cs.post(
        "/library/similar",
        {
            "description": NEW_LATENESS,
            "nature": "service_quality",
            "departments": ["physiotherapy"],
            "channel": "phone",
        },
    )
    assert _api_labels(response, library) == ["late"] * 5


def test_similar_to_a_description_answers_bad_input_in_zh_hant(api_cs):
    response = api_cs.post(
        "/library/similar",
        {"description": " ", "nature": "nope", "departments": ["nope"], "channel": "fax"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["description"] == ["請填寫投訴內容描述。"]
    assert errors["nature"] == ["找不到此投訴性質。"]
    assert errors["departments"] == ["找不到此部門。"]
    assert errors["channel"] == ["投訴渠道代碼不正確：fax。"]
    missing = api_cs.post("/library/similar", {})
    assert missing.status_code == 422 and missing.json()["errors"]["description"]


def test_branch_b_cannot_reach_branch_a(cs_b, library, new_lateness):
    api_b = ApiClient(cs_b)
    response = api_b.get(f"/library/similar/{new_lateness.number}")
    assert response.status_code == 404
    assert response.json()["detail"] == "找不到此客訴案件。"
    assert api_b.get("/library/cases").json()["count"] == 0
    similar = api_b.post("/library/similar", {"description": NEW_LATENESS})
    assert similar.json()["items"] == []


def test_the_library_needs_a_token(client):
    assert client.get("/api/v1/library/cases").status_code == 401
