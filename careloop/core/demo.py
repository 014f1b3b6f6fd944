"""Demo data for a fresh installation: `python manage.py demo_data`.

Three branches, twenty staff and a year of customer care, generated from a fixed seed so every
fresh install shows the same people. Each customer draws from its own random stream (seeded
with the demo seed and its position), so a customer's data does not depend on what was drawn
for the others, nor on the day the demo is loaded; only dates move, relative to today.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from django.db import models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker
from simple_history.utils import bulk_create_with_history

from careloop.accounts.models import DEFAULT_AUTHORITY_LIMITS, Branch, Department, Role, User
from careloop.accounts.models import RoleCode as R
from careloop.accounts.second_factor import second_factor_required, totp_secret_text
from careloop.accounts.services import second_factor_enrol_direct
from careloop.complaints.demo import complaints_demo_load
from careloop.core.phones import phone_normalize
from careloop.customers.models import (
    Anniversary,
    Budget,
    Channel,
    ContactPlan,
    ContactPurpose,
    Customer,
    CustomerType,
    DecisionFactor,
    EventKind,
    ImportantEvent,
    Interaction,
    InteractionStatus,
    NeedsProfile,
    Reaction,
    SatisfactionRecord,
    ServiceInterest,
    SignOff,
    SignOffKind,
    Source,
)
from careloop.customers.services import customer_number_next
from careloop.privacy.demo import privacy_demo_load
from careloop.treatments.demo import catalogue_ensure_demo
from careloop.treatments.models import Product, Purchase, SessionUse, TreatmentPackage
from careloop.treatments.services import add_months

DEMO_PASSWORD = "careloop-demo"
DEFAULT_SEED = 20260301
FIXED_CUSTOMER_NAME = "王小明"
FIXED_CUSTOMER_PHONE = "+886912345678"
_BATCH = 500


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    address: str
    phone: str
    area_code: str  # for the landlines of the branch's customers
    weight: float  # share of the customers


BRANCHES = (
    BranchSpec(
        "taipei", "台北總院", "台北市大安區忠孝東路四段 211 號 3 樓", "(02)2771-3568", "02", 0.45
    ),
    BranchSpec(
        "banqiao", "新北板橋分院", "新北市板橋區文化路一段 188 號 2 樓", "(02)2968-5120", "02", 0.3
    ),
    BranchSpec(
        "zhongli", "桃園中壢分院", "桃園市中壢區中正路 356 號 1 樓", "(03)425-7788", "03", 0.25
    ),
)


@dataclass(frozen=True)
class StaffSpec:
    username: str
    full_name: str
    roles: tuple[str, ...]
    branch: str
    department: str
    title: str = ""  # shown after the roles in the login table
    chain_wide: bool = False  # department heads review every branch


_OPS, _PT, _SALES, _CS = "operations", "physiotherapy", "sales", "customer_service"
STAFF = (
    StaffSpec("admin", "周家豪", (R.ADMINISTRATOR,), "taipei", _OPS),
    StaffSpec("ceo", "鄭明哲", (R.SENIOR_MANAGEMENT,), "taipei", _OPS, "執行長"),
    StaffSpec(
        "head_pt", "林志偉", (R.THERAPIST, R.DEPARTMENT_HEAD), "taipei", _PT, "物理治療部", True
    ),
    StaffSpec("head_cs", "黃詩涵", (R.DEPARTMENT_HEAD,), "taipei", _CS, "客戶服務部", True),
    StaffSpec("head_sales", "吳俊傑", (R.DEPARTMENT_HEAD,), "taipei", _SALES, "銷售部", True),
    *(
        spec
        for code, names in (
            ("taipei", ("張雅婷", "陳冠宇", "李怡君", "王俊宏", "劉佳蓉")),
            ("banqiao", ("蔡宜蓁", "楊承翰", "許雅雯", "郭建志", "謝佩珊")),
            ("zhongli", ("洪淑芬", "邱柏翰", "曾郁婷", "廖家銘", "賴思妤")),
        )
        for spec in (
            StaffSpec(f"desk_{code}", names[0], (R.FRONT_DESK,), code, _OPS),
            StaffSpec(f"therapist_{code}", names[1], (R.THERAPIST,), code, _PT),
            StaffSpec(f"therapist2_{code}", names[2], (R.THERAPIST,), code, _PT),
            StaffSpec(f"consultant_{code}", names[3], (R.SALES_CONSULTANT,), code, _SALES),
            StaffSpec(f"cs_{code}", names[4], (R.CUSTOMER_SERVICE,), code, _CS),
        )
    ),
)
_DEPARTMENT_NAMES = {
    "customer_service": "客戶服務部",
    "operations": "營運管理部",
    "physiotherapy": "物理治療部",
    "sales": "銷售部",
}


@dataclass(frozen=True)
class Login:
    username: str
    full_name: str
    roles: str
    branch: str
    password: str
    # The second factor of the accounts that must have one (accounts/second_factor.py): the
    # secret drawn at random when the demo was loaded, to type into an authenticator app.
    totp_secret: str = ""
    otpauth: str = ""


@dataclass
class DemoSummary:
    loaded: bool
    branches: int = 0
    staff: int = 0
    customers: int = 0
    interactions: int = 0
    needs_profiles: int = 0
    satisfaction_records: int = 0
    important_events: int = 0
    contact_plans: int = 0
    open_contact_plans: int = 0
    sign_offs: int = 0
    anniversaries: int = 0
    purchases: int = 0
    session_uses: int = 0
    complaints: int = 0
    logins: list[Login] = field(default_factory=list)


# --- what the clinics write ----------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    label: str
    concerns: tuple[str, ...]
    findings: tuple[str, ...]
    treatments: tuple[str, ...]
    exercises: tuple[str, ...]
    interests: tuple[str, ...]


_SI = ServiceInterest
TOPICS = (
    Topic(
        "肩頸痠痛",
        ("長時間使用電腦，肩頸痠痛、轉頭卡卡", "肩頸緊繃合併頭痛，下午特別明顯"),
        ("上斜方肌與提肩胛肌緊繃、頸椎旋轉受限", "頭部前傾、胸椎活動度不足"),
        ("徒手治療", "肌筋膜放鬆", "熱敷", "干擾波電療", "頸椎牽引"),
        ("下巴後收運動", "胸椎伸展", "肩胛穩定訓練"),
        (_SI.PHYSIOTHERAPY, _SI.PAIN_MANAGEMENT),
    ),
    Topic(
        "下背痛",
        ("久坐後下背痛，彎腰時加劇", "搬重物後閃到腰，起身困難"),
        ("腰椎旁肌群緊繃、核心肌力不足", "髖屈肌緊繃、骨盆前傾"),
        ("徒手治療", "腰椎牽引", "熱敷", "超音波治療", "核心肌群訓練"),
        ("橋式", "貓牛式", "死蟲式核心訓練"),
        (_SI.PHYSIOTHERAPY, _SI.PAIN_MANAGEMENT, _SI.REHABILITATION),
    ),
    Topic(
        "運動傷害",
        ("打籃球扭傷右腳踝，跑步時仍會痛", "網球肘，握拍與提重物時疼痛", "跑步後膝蓋外側疼痛"),
        ("踝關節外側韌帶鬆弛、平衡感下降", "伸腕肌群肌腱發炎", "髂脛束緊繃、臀中肌無力"),
        ("運動貼紮", "徒手治療", "震波治療", "肌力訓練", "冰敷"),
        ("單腳平衡訓練", "離心收縮訓練", "臀中肌強化"),
        (_SI.SPORTS_RECOVERY, _SI.PHYSIOTHERAPY),
    ),
    Topic(
        "術後復健",
        ("右膝前十字韌帶重建術後 6 週，需恢復活動度與肌力", "左膝人工關節置換術後復健"),
        ("膝關節屈曲角度約 100 度、股四頭肌無力", "傷口癒合良好，步態仍不穩"),
        ("關節鬆動術", "肌力訓練", "步態訓練", "冰敷", "神經肌肉電刺激"),
        ("直膝抬腿", "靠牆半蹲", "踩腳踏車"),
        (_SI.REHABILITATION, _SI.PHYSIOTHERAPY),
    ),
    Topic(
        "五十肩",
        ("左肩上舉困難，夜間疼痛影響睡眠", "右肩無法扣內衣、梳頭"),
        ("肩關節外轉與外展受限", "肩關節囊沾黏"),
        ("關節鬆動術", "熱敷", "超音波治療", "伸展運動"),
        ("鐘擺運動", "爬牆運動", "毛巾伸展"),
        (_SI.PHYSIOTHERAPY, _SI.PAIN_MANAGEMENT),
    ),
    Topic(
        "足底筋膜炎",
        ("早上下床第一步腳跟刺痛", "久站後足跟疼痛"),
        ("足底筋膜與小腿後側肌群緊繃", "足弓塌陷"),
        ("震波治療", "徒手治療", "運動貼紮", "足弓評估"),
        ("小腿伸展", "滾球放鬆足底", "抓毛巾訓練"),
        (_SI.PHYSIOTHERAPY, _SI.HEALTH_PRODUCTS),
    ),
    Topic(
        "退化性膝關節炎",
        ("上下樓梯膝蓋疼痛，蹲下困難", "膝蓋腫脹、走久會痛"),
        ("股四頭肌萎縮、膝關節活動度下降", "膝關節退化，下肢肌力不足"),
        ("肌力訓練", "熱敷", "干擾波電療", "平衡訓練"),
        ("坐姿伸膝", "靠牆半蹲", "踏階訓練"),
        (_SI.REHABILITATION, _SI.PAIN_MANAGEMENT, _SI.HEALTH_PRODUCTS),
    ),
    Topic(
        "姿勢矯正",
        ("圓肩駝背，想改善體態", "長期翹腳，骨盆歪斜"),
        ("胸大肌緊繃、中下斜方肌無力", "骨盆側傾、兩側臀肌不對稱"),
        ("徒手治療", "姿勢訓練", "肌筋膜放鬆", "核心肌群訓練"),
        ("彈力帶划船", "靠牆天使", "側棒式"),
        (_SI.PHYSIOTHERAPY, _SI.OTHER),
    ),
)
_PROGRESS = {
    Reaction.POSITIVE: (
        "疼痛指數由 {p1} 分降至 {p2} 分，客戶表示明顯改善",
        "活動度進步，日常生活已較不受影響",
        "客戶表示睡眠品質改善，對治療很滿意",
        "客戶表示已能恢復日常運動，感謝治療師",
        "緊繃感減輕，客戶願意持續居家運動",
    ),
    Reaction.NEUTRAL: (
        "症狀時好時壞，維持原治療計畫",
        "疼痛程度與上次相近，調整居家運動強度",
        "客戶表示尚需再觀察幾次",
    ),
    Reaction.NEGATIVE: (
        "客戶反映改善有限，對療效有疑慮",
        "等候約 {wait} 分鐘才開始治療，客戶不滿",
        "治療後痠痛加劇，客戶擔心是否做錯運動",
        "客戶認為療程價格偏高",
    ),
}
_SLOTS = ("上午", "下午", "晚間")
_WEEKDAYS = ("週一", "週二", "週三", "週四", "週五", "週六")
_PACKAGES = ("徒手治療 10 堂", "運動治療 12 堂", "綜合療程 20 堂", "體態調整 8 堂")
_EVENTS = ("週六脊椎保健講座", "跑者膝預防工作坊", "長輩防跌體適能課程", "辦公室肩頸放鬆課")
# kind: ((channel, summary template), ...)
_SUMMARIES: dict[str, tuple[tuple[str, str], ...]] = {
    "inquiry": (
        (Channel.PHONE, "來電詢問{label}的治療方式與自費價格，說明初診評估流程"),
        (Channel.MESSAGE, "LINE 官方帳號詢問{label}是否適合物理治療，已回覆可預約的初診時段"),
        (Channel.OTHER, "官網表單留言詢問{label}療程，已回電說明"),
    ),
    "evaluation": (
        (
            Channel.IN_PERSON,
            "初診評估：{concern}。評估發現{finding}，建議每週 {n} 次、共 {weeks} 週",
        ),
    ),
    "treatment": (
        (Channel.IN_PERSON, "到院治療（{label}）：{t1}＋{t2}，{progress}"),
        (Channel.IN_PERSON, "到院治療：{t1}，加入{exercise}，{progress}"),
    ),
    "followup": (
        (Channel.PHONE, "電話追蹤{label}改善情形，{progress}"),
        (Channel.MESSAGE, "LINE 關心治療後狀況，{progress}"),
    ),
    "booking": (
        (Channel.PHONE, "來電預約{weekday}{slot}時段"),
        (Channel.MESSAGE, "LINE 申請改期至{weekday}{slot}，已完成調整"),
        (Channel.PHONE, "來電取消本週預約，因工作加班，改約下週{weekday}"),
    ),
    "package": (
        (Channel.IN_PERSON, "諮詢{package}方案，說明堂數、效期與分期方式"),
        (Channel.PHONE, "療程剩餘 {left} 堂，提醒效期並詢問續約意願"),
    ),
    "home_exercise": ((Channel.MESSAGE, "傳送居家運動衛教影片（{exercise}），請客戶每天練習兩回"),),
    "event": ((Channel.PHONE, "邀請參加{event}"), (Channel.MESSAGE, "LINE 推播{event}報名資訊")),
    "birthday": ((Channel.MESSAGE, "傳送生日祝福訊息，附贈生日月療程九折優惠"),),
    "recall": (
        (Channel.PHONE, "電話關懷回訪，客戶表示近期工作忙碌，暫不安排療程"),
        (Channel.PHONE, "電話關懷回訪，客戶已改至住家附近診所治療"),
    ),
}
_FOLLOW_UPS = {
    "inquiry": ("安排初診評估", "寄送療程價目表", ""),
    "evaluation": ("安排下次治療", "提供療程方案報價", "寄送居家運動衛教單"),
    "treatment": ("安排下次治療", "一週後電話追蹤", "提醒每日居家運動", "", ""),
    "followup": ("持續追蹤", "", ""),
    "booking": ("", "", "前一天簡訊提醒"),
    "package": ("三日內回覆續約意願", "寄送方案報價單", ""),
    "home_exercise": ("下次回診確認動作正確", ""),
    "event": ("活動前一天提醒", ""),
    "birthday": ("",),
    "recall": ("三個月後再關懷", ""),
}
_NEGATIVE_FOLLOW_UPS = (
    "主管回電說明",
    "安排資深治療師重新評估",
    "轉介主治醫師評估",
    "致歉並調整預約流程",
)
_PLANNED_KINDS = {
    "followup": ContactPurpose.EFFICACY_FOLLOW_UP,
    "package": ContactPurpose.RENEWAL_REMINDER,
    "event": ContactPurpose.EVENT_INVITATION,
    "birthday": ContactPurpose.BIRTHDAY_GREETING,
    "recall": ContactPurpose.ROUTINE_CARE,
}
_PREFERENCES = (
    "偏好週六上午時段",
    "希望固定由同一位治療師服務",
    "偏好女性治療師",
    "怕冷，治療室冷氣請調弱",
    "偏好 LINE 聯繫，上班時間不便接電話",
    "喜歡治療時安靜，不太聊天",
)
_SPECIAL_NEEDS = (
    "行動不便，需使用輪椅通道",
    "有高血壓病史，熱敷與運動時需注意",
    "懷孕 20 週，避免俯臥姿勢",
    "裝有心律調節器，禁用電療",
    "聽力較弱，說明時請放慢速度",
    "糖尿病，注意下肢皮膚感覺",
)
_NOTES = ("由家人陪同就診", "公司團體健檢轉介", "收據抬頭需開公司名稱", "有商業保險，需診斷證明")
_SOURCE_OTHER = ("路過看到招牌", "醫師介紹", "保險業務員介紹", "公司健康講座")
_FEEDBACK = (
    "治療師解說清楚，很有耐心",
    "櫃台人員親切，預約很方便",
    "療效明顯，身體輕鬆很多",
    "環境乾淨舒適",
    "居家運動指導很實用",
)
_SUGGESTIONS = ("希望增加平日晚間時段", "停車不方便", "等候時間偏長", "希望療程價格更透明", "")
# kind: ((description, outcome), ...)
_EVENT_TEXT = {
    EventKind.SERVICE_DELAY: (
        ("預約時段延誤約 {m} 分鐘才開始治療", "櫃台致歉並贈送熱敷加值一次，已調整排程避免超約"),
        ("治療師臨時請假，當天療程被取消", "致電道歉並優先安排隔日時段"),
    ),
    EventKind.POOR_EFFICACY: (
        ("完成 {k} 次治療後{label}改善有限，客戶質疑療效", "安排資深治療師重新評估並調整治療計畫"),
        ("客戶表示{label}治療後反而更痛", "治療師說明治療後痠痛反應，調降強度並一週後追蹤"),
    ),
    EventKind.COMPLAINT: (
        ("客戶投訴治療師說明不足、態度冷淡", "客服主管致電道歉，改由其他治療師服務，客戶接受"),
        ("客戶於 Google 評論反映櫃台結帳等候過久", "已私訊致歉說明，櫃台增加尖峰時段人力"),
    ),
    EventKind.REFUND_REQUEST: (
        ("客戶因工作調動要求退還剩餘 {k} 堂療程費用", "依契約扣除已使用堂數後退款 NT${amount:,}"),
        ("客戶認為療程效果不如預期，要求退費", "主管說明契約條款，協議改為延長效期三個月"),
    ),
    EventKind.OTHER: (
        ("客戶於治療室遺失耳環，請院所協尋", "已尋獲並通知客戶領回"),
        ("客戶需要英文版診斷證明供海外保險申請", "已請治療師開立並寄送"),
    ),
}


# --- loading -------------------------------------------------------------------------------


def demo_load(
    *, customers: int = 500, seed: int = DEFAULT_SEED, stdout: TextIO | None = None
) -> DemoSummary:
    """Load the demo into an empty database, in one transaction; with customers on file, no-op.

    `stdout`, when given, receives the counts and the table of demo logins.
    """
    with transaction.atomic():
        if Customer.objects.exists():
            if stdout:
                stdout.write("資料庫已有客戶資料（示範資料已載入過），未做任何變更。\n")
                logins = demo_logins_existing()
                if logins:
                    rows = [
                        (x.username, x.full_name, x.roles, x.branch, x.totp_secret) for x in logins
                    ]
                    table = _table(("帳號", "姓名", "角色", "所屬院所", _TOTP_HEADER), rows)
                    stdout.write(f"\n示範帳號（密碼 {DEMO_PASSWORD}，除非已修改）：\n{table}\n")
                    stdout.write(_totp_text(logins))
            return DemoSummary(loaded=False)
        loader = _Loader(seed=seed, now=timezone.now())
        summary = loader.run(customers=customers)
    if stdout:
        stdout.write(demo_summary_text(summary))
    return summary


def demo_logins_existing() -> list[Login]:
    """The demo accounts still on file, for `bin/run` to print on every start."""
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[spec.username for spec in STAFF], is_active=True
        ).select_related("home_branch")
    }
    devices = _totp_devices(users.values())
    logins = []
    for spec in STAFF:
        user = users.get(spec.username)
        if user is None:
            continue
        roles_text = "、".join(str(R(code).label) for code in spec.roles)
        if spec.title:
            roles_text += f"（{spec.title}）"
        branch = user.home_branch.name if user.home_branch else ""
        logins.append(
            Login(
                spec.username,
                user.full_name,
                roles_text,
                branch,
                DEMO_PASSWORD,
                *_totp_columns(devices.get(user.pk)),
            )
        )
    return logins


_TOTP_HEADER = "第二道驗證金鑰（TOTP）"


def _totp_devices(users: Iterable[User]) -> dict[int, TOTPDevice]:
    devices = TOTPDevice.objects.filter(user__in=list(users), confirmed=True).select_related("user")
    return {device.user_id: device for device in devices}


def _totp_columns(device: TOTPDevice | None) -> tuple[str, str]:
    if device is None:
        return ("", "")
    return (totp_secret_text(device).replace(" ", ""), device.config_url)


def _totp_text(logins: Sequence[Login]) -> str:
    """How to sign in as the accounts that must show a second factor."""
    enrolled = [x for x in logins if x.otpauth]
    if not enrolled:
        return ""
    uris = "\n".join(f"  {x.username}: {x.otpauth}" for x in enrolled)
    return (
        "\n高級管理層、部門主管與系統管理員登入時須輸入第二道驗證碼：把上表的金鑰加入驗證器"
        " App（Google Authenticator、Microsoft Authenticator、FreeOTP 等，"
        "或 `oathtool --totp -b 金鑰`），或把下列 otpauth 網址轉成 QR 碼掃描：\n"
        f"{uris}\n"
    )


def demo_summary_text(summary: DemoSummary) -> str:
    counts = (
        f"已載入示範資料：{summary.branches} 間院所、{summary.staff} 位員工、"
        f"{summary.customers:,} 位客戶、{summary.interactions:,} 筆互動記錄、"
        f"{summary.needs_profiles:,} 份需求評估、{summary.satisfaction_records:,} 筆滿意度、"
        f"{summary.important_events:,} 筆重要事件、{summary.contact_plans:,} 筆聯繫計劃"
        f"（未完成 {summary.open_contact_plans:,} 筆）、{summary.sign_offs:,} 筆簽核、"
        f"{summary.anniversaries:,} 筆紀念日、{summary.purchases:,} 筆購買、"
        f"{summary.session_uses:,} 次療程使用、{summary.complaints} 件客訴。"
    )
    rows = [
        (x.username, x.full_name, x.roles, x.branch, x.password, x.totp_secret)
        for x in summary.logins
    ]
    table = _table(("帳號", "姓名", "角色", "所屬院所", "密碼", _TOTP_HEADER), rows)
    return (
        f"{counts}\n\n示範帳號（登入密碼皆為 {DEMO_PASSWORD}）：\n{table}\n"
        f"{_totp_text(summary.logins)}"
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header).rstrip(), rule, *(line(row).rstrip() for row in rows)])


@contextmanager
def _given_timestamps(model_classes: Iterable[type[models.Model]]) -> Iterator[None]:
    """Let bulk_create keep the times we set instead of stamping auto_now(_add) fields.

    Demo rows carry their own moments across the past year; without this every record would
    say it was created the second the demo was loaded.
    """
    fields = [
        f
        for m in model_classes
        for f in m._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _weighted(rng: random.Random, options: dict[Any, float]) -> Any:
    return rng.choices(list(options), weights=list(options.values()))[0]


@dataclass
class _Draft:
    """A customer being generated, with what the later stages need to stay consistent."""

    index: int
    rng: random.Random
    customer: Customer
    topic: Topic
    mood: str  # happy / neutral / unhappy
    interactions: list[tuple[str, Interaction]] = field(default_factory=list)


class _Staff:
    def __init__(self, users: dict[str, User], branches: dict[str, Branch]):
        self.users = users
        self.admin = users["admin"]
        self.supervisors = [users["head_pt"], users["head_cs"], users["head_sales"], users["ceo"]]
        self._by_role: dict[tuple[int, str], list[User]] = {}
        for spec in STAFF:
            for role in spec.roles:
                key = (branches[spec.branch].pk, role)
                self._by_role.setdefault(key, []).append(users[spec.username])

    def of(self, branch_id: int, role: str) -> list[User]:
        return self._by_role.get((branch_id, role), [])


class _Loader:
    def __init__(self, *, seed: int, now: datetime):
        self.seed = seed
        self.now = now
        self.today = timezone.localdate(now)
        self.phones: set[str] = set()
        self.summary = DemoSummary(loaded=True)

    def rng_for(self, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{index}")

    def run(self, *, customers: int) -> DemoSummary:
        self.branches = self._branches()
        self.staff = _Staff(self._staff(), self.branches)
        timed = (Customer, NeedsProfile, Interaction, ContactPlan, SatisfactionRecord)
        with _given_timestamps((*timed, ImportantEvent, Purchase, SessionUse)):
            drafts = self._customers(max(customers, 1))
            self._needs(drafts)
            self._anniversaries(drafts)
            self._interactions(drafts)
            self._purchases(drafts)
            self._contact_plans(drafts)
            self._satisfaction(drafts)
            self._important_events(drafts)
        self._sign_offs(drafts)
        self.summary.complaints = complaints_demo_load(
            seed=self.seed, now=self.now, branches=self.branches, users=self.staff.users
        )
        privacy_demo_load(now=self.now, users=self.staff.users)
        return self.summary

    # time helpers ---------------------------------------------------------------------------

    def at(self, rng: random.Random, start: datetime, end: datetime) -> datetime:
        """A moment in [start, end], during clinic hours where the window allows."""
        end = min(end, self.now)
        moment = start + timedelta(seconds=rng.uniform(0, max((end - start).total_seconds(), 0)))
        local = timezone.localtime(moment)
        snapped = local.replace(
            hour=rng.randint(9, 20), minute=rng.randrange(0, 60, 5), second=0, microsecond=0
        )
        return snapped if start <= snapped <= end else moment

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def later(self, moment: datetime, minutes: int) -> datetime:
        return min(moment + timedelta(minutes=minutes), self.now)

    # people and places ----------------------------------------------------------------------

    def _branches(self) -> dict[str, Branch]:
        branches = {}
        for spec in BRANCHES:
            branch, _ = Branch.objects.update_or_create(
                code=spec.code,
                defaults={"name": spec.name, "address": spec.address, "phone": spec.phone},
            )
            branches[spec.code] = branch
        self.summary.branches = len(branches)
        return branches

    def _staff(self) -> dict[str, User]:
        roles = {}
        for code in R.values:
            roles[code], _ = Role.objects.get_or_create(
                code=code, defaults={"authority_limit": DEFAULT_AUTHORITY_LIMITS[code]}
            )
        departments = {}
        for code, name in _DEPARTMENT_NAMES.items():
            departments[code], _ = Department.objects.get_or_create(
                code=code, defaults={"name": name}
            )
        users: dict[str, User] = {}
        for spec in STAFF:
            user = User.objects.filter(username=spec.username).first()
            password = DEMO_PASSWORD
            if user is None:
                user = User(username=spec.username)
                user.set_password(DEMO_PASSWORD)
            else:
                password = "（沿用原密碼）"  # an account made before the demo keeps its login
            user.full_name = spec.full_name
            user.home_branch = self.branches[spec.branch]
            user.department = departments[spec.department]
            if R.ADMINISTRATOR in spec.roles:
                user.is_staff = user.is_superuser = True
            user._history_user = users.get("admin")
            user.save()
            user.roles.add(*(roles[code] for code in spec.roles))
            if spec.chain_wide:
                user.extra_branches.add(
                    *(b for code, b in self.branches.items() if code != spec.branch)
                )
            users[spec.username] = user
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None and second_factor_required(user):
                # A secret of this installation's own, drawn now and printed with the login.
                device = second_factor_enrol_direct(user=user, by=users["admin"])
            roles_text = "、".join(str(R(code).label) for code in spec.roles)
            if spec.title:
                roles_text += f"（{spec.title}）"
            branch_name = self.branches[spec.branch].name
            self.summary.logins.append(
                Login(
                    spec.username,
                    spec.full_name,
                    roles_text,
                    branch_name,
                    password,
                    *_totp_columns(device),
                )
            )
        self.summary.staff = len(users)
        return users

    # customers ------------------------------------------------------------------------------

    def _customers(self, count: int) -> list[_Draft]:
        fake = Faker("zh_TW")
        drafts = [self._fixed_customer()]
        for index in range(1, count):
            drafts.append(self._random_customer(index, fake))
        # Numbers follow the order customers came in, as they would have been issued.
        drafts.sort(key=lambda d: (d.customer.created_at, d.index))
        for position, draft in enumerate(drafts):
            draft.customer.number = customer_number_next()
            draft.customer.referrer = self._referrer(draft, drafts[: position - position % 50])
            if draft.customer.source == Source.REFERRAL and draft.customer.referrer is None:
                draft.customer.source_other = draft.rng.choice(("同事介紹", "朋友介紹", "家人介紹"))
        for start in range(0, len(drafts), 50):
            # In slices, so a referral can point at a customer created by an earlier slice.
            chunk = [d.customer for d in drafts[start : start + 50]]
            bulk_create_with_history(chunk, Customer, default_user=self.staff.admin)
        self.summary.customers = len(drafts)
        return drafts

    def _referrer(self, draft: _Draft, earlier: list[_Draft]) -> Customer | None:
        if draft.customer.source != Source.REFERRAL or not earlier:
            return None
        same_branch = [d for d in earlier if d.customer.branch_id == draft.customer.branch_id]
        pool = same_branch if same_branch and draft.rng.random() < 0.85 else earlier
        return draft.rng.choice(pool).customer

    def _fixed_customer(self) -> _Draft:
        """王小明 of the README walkthrough: 台北總院, 0912-345-678, shoulder and neck pain."""
        rng = self.rng_for(0)
        branch = self.branches["taipei"]
        users = self.staff.users
        created = self.at(rng, self.days_ago(361), self.days_ago(360))
        self.phones.add(FIXED_CUSTOMER_PHONE)
        customer = Customer(
            name=FIXED_CUSTOMER_NAME,
            phone=FIXED_CUSTOMER_PHONE,
            email="xiaoming.wang@example.com",
            line_id="xiaoming0615",
            birthday=date(1985, 6, 15),
            customer_type=CustomerType.CURRENT,
            source=Source.WEB_SEARCH,
            branch=branch,
            primary_therapist=users["therapist_taipei"],
            sales_consultant=users["consultant_taipei"],
            preferences="偏好平日晚間時段",
            consent_sms=True,
            consent_email=True,
            consent_line=True,
            notes="軟體工程師，每天使用電腦超過 10 小時",
            created_by=users["desk_taipei"],
            created_at=created,
            updated_at=created,
        )
        self._stamp(customer, created, customer.created_by)
        return _Draft(0, rng, customer, TOPICS[0], "happy")

    def _random_customer(self, index: int, fake: Faker) -> _Draft:
        rng = self.rng_for(index)
        fake.seed_instance(f"{self.seed}:{index}")
        name = fake.name()
        while name == FIXED_CUSTOMER_NAME:
            name = fake.name()
        spec = rng.choices(BRANCHES, weights=[b.weight for b in BRANCHES])[0]
        branch = self.branches[spec.code]
        kind = _weighted(rng, {"prospect": 22, "current": 55, "lost": 13, "vip": 10})
        low, high = {"prospect": (0.2, 359), "current": (7, 359), "lost": (200, 359)}.get(
            kind, (150, 359)
        )
        if kind == "prospect" and rng.random() < 0.5:
            high = 60  # enquiries keep coming in: half the prospects are from the last 2 months
        created = self.at(rng, self.days_ago(high), self.days_ago(low))
        email = fake.free_email() if rng.random() < 0.45 else ""
        line_id = f"{fake.user_name()}{rng.randint(1, 99)}" if rng.random() < 0.4 else ""
        therapists = self.staff.of(branch.pk, R.THERAPIST)
        consultants = self.staff.of(branch.pk, R.SALES_CONSULTANT)
        desk = self.staff.of(branch.pk, R.FRONT_DESK)
        has_therapist = kind != "prospect" or rng.random() < 0.4
        source = _weighted(
            rng,
            {Source.WEB_SEARCH: 30, Source.SOCIAL_MEDIA: 25, Source.REFERRAL: 22, Source.EVENT: 11,
             Source.OTHER: 12},
        )  # fmt: skip
        customer = Customer(
            name=name,
            phone=self._phone(rng, spec),
            email=email,
            line_id=line_id,
            birthday=self._birthday(rng),
            customer_type=CustomerType(kind),
            source=source,
            source_other=rng.choice(_SOURCE_OTHER) if source == Source.OTHER else "",
            branch=branch,
            primary_therapist=rng.choice(therapists) if has_therapist else None,
            sales_consultant=rng.choice(consultants) if rng.random() < 0.8 else None,
            preferences=rng.choice(_PREFERENCES) if rng.random() < 0.3 else "",
            special_needs=rng.choice(_SPECIAL_NEEDS) if rng.random() < 0.15 else "",
            consent_sms=rng.random() < 0.6,
            consent_email=bool(email) and rng.random() < 0.5,
            consent_line=bool(line_id) and rng.random() < 0.65,
            notes=rng.choice(_NOTES) if rng.random() < 0.1 else "",
            created_by=rng.choice(consultants if rng.random() < 0.25 else desk),
            created_at=created,
            updated_at=created,
        )
        self._stamp(customer, created, customer.created_by)
        mood = _weighted(rng, {"happy": 70, "neutral": 22, "unhappy": 8})
        return _Draft(index, rng, customer, rng.choice(TOPICS), mood)

    def _phone(self, rng: random.Random, spec: BranchSpec) -> str:
        """A unique, valid number: mostly mobiles, some home landlines of the branch's area."""
        landline = rng.random() < 0.08
        while True:
            if landline and spec.area_code == "02":
                raw = f"02{rng.randint(22000000, 29999999)}"
            elif landline:
                raw = f"03{rng.randint(4000000, 4999999)}"
            else:
                raw = f"09{rng.randint(10000000, 89999999)}"
            phone = phone_normalize(raw)
            if phone and phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _birthday(self, rng: random.Random) -> date | None:
        age, soon, day_of_year, unknown = (
            rng.randint(18, 82),
            rng.random() < 0.04,
            rng.randint(0, 364),
            rng.random() < 0.06,
        )
        if unknown:
            return None
        if soon:  # a birthday within the next 7 days, for the birthday worklist
            day = self.today + timedelta(days=day_of_year % 8)
        else:
            day = date(self.today.year, 1, 1) + timedelta(days=day_of_year)
        year = self.today.year - age
        while True:
            try:
                birthday = day.replace(year=year)
            except ValueError:  # 29 February in a common year
                birthday = day.replace(year=year, day=28)
            if birthday <= self.today - timedelta(days=365 * 18):
                return birthday
            year -= 1

    @staticmethod
    def _stamp(obj: models.Model, moment: datetime, user: User | None) -> None:
        """Who and when for the change history (simple_history reads these attributes)."""
        obj._history_date = moment
        obj._history_user = user

    # the record ------------------------------------------------------------------------------

    def _needs(self, drafts: list[_Draft]) -> None:
        profiles = []
        for d in drafts:
            rng, c = d.rng, d.customer
            interests = set(d.topic.interests[: rng.randint(1, len(d.topic.interests))])
            if rng.random() < 0.25:
                interests.add(rng.choice(ServiceInterest.values))
            factors = rng.sample(DecisionFactor.values, rng.randint(1, 3))
            budget = _weighted(
                rng,
                {Budget.ECONOMY: 25, Budget.STANDARD: 40, Budget.PREMIUM: 15, Budget.UNSTATED: 20}
                if c.customer_type != CustomerType.VIP
                else {Budget.STANDARD: 30, Budget.PREMIUM: 70},
            )
            by = c.primary_therapist or c.sales_consultant or c.created_by
            moment = self.later(c.created_at, rng.randint(10, 60 * 24 * 3))
            profile = NeedsProfile(
                customer=c,
                main_concerns=rng.choice(d.topic.concerns) if d.index else "肩頸痠痛、久坐後頭痛",
                service_interests=[i for i in ServiceInterest.values if i in interests],
                service_interest_other="體態雕塑" if ServiceInterest.OTHER in interests else "",
                budget=budget,
                decision_factors=[f for f in DecisionFactor.values if f in factors],
                decision_factor_other="可用商業保險理賠" if DecisionFactor.OTHER in factors else "",
                updated_by=by,
                updated_at=moment,
            )
            self._stamp(profile, moment, by)
            profiles.append(profile)
        bulk_create_with_history(profiles, NeedsProfile, _BATCH, default_user=self.staff.admin)
        self.summary.needs_profiles = len(profiles)

    def _anniversaries(self, drafts: list[_Draft]) -> None:
        rows = []
        for d in drafts:
            if d.rng.random() >= 0.1:
                continue
            c = d.customer
            label, day = "首次到診日", timezone.localdate(c.created_at)
            married = d.rng.randint(24, 35)
            if c.birthday and c.birthday.year + married < self.today.year and d.rng.random() < 0.5:
                label = "結婚紀念日"
                day = date(c.birthday.year + married, d.rng.randint(1, 12), d.rng.randint(1, 28))
            row = Anniversary(customer=c, label=label, date=day)
            self._stamp(row, c.created_at, c.created_by)
            rows.append(row)
        bulk_create_with_history(rows, Anniversary, _BATCH, default_user=self.staff.admin)
        self.summary.anniversaries = len(rows)

    def _purchases(self, drafts: list[_Draft]) -> None:
        """Packages and products for customers who buy, with the visits that used sessions.

        Each customer draws from a stream of its own, so adding purchases to the demo left
        every other generated record as it was."""
        catalogue_ensure_demo()
        packages = list(TreatmentPackage.objects.order_by("id"))
        products = list(Product.objects.order_by("id"))
        sales: list[Purchase] = []
        uses: list[SessionUse] = []
        for d in drafts:
            c = d.customer
            if c.customer_type == CustomerType.PROSPECT:
                continue
            rng = random.Random(f"{self.seed}:purchases:{d.index}")
            since = max(timezone.localdate(c.created_at), self.today - timedelta(days=364))
            if c.customer_type == CustomerType.LOST:
                latest = max(since, self.today - timedelta(days=200))
                since = min(since, latest)
            else:
                latest = self.today - timedelta(days=3)
            if latest < since:
                continue
            for _ in range(rng.choice((1, 1, 2))):
                package = rng.choice(packages)
                bought = since + timedelta(days=rng.randint(0, (latest - since).days))
                expires = add_months(bought, package.validity_months)
                sale = Purchase(
                    customer=c,
                    branch=c.branch,
                    purchased_on=bought,
                    package=package,
                    item_name=package.name,
                    quantity=1,
                    sessions=package.sessions,
                    amount=package.price,
                    salesperson=c.sales_consultant,
                    promotion=rng.choice(("", "", "新客首購 9 折", "舊客續約優惠")),
                    expires_on=expires,
                    created_by=c.sales_consultant or c.created_by,
                )
                if sale.promotion:
                    sale.amount = round(package.price * 0.9)
                last_day = min(self.today, expires)
                if c.customer_type == CustomerType.LOST:
                    last_day = min(last_day, self.today - timedelta(days=190))
                used = rng.randint(0, package.sessions)
                span = max((last_day - bought).days, 1)
                days = sorted(rng.randint(1, span) for _ in range(used))
                visits = [
                    bought + timedelta(days=n)
                    for n in days
                    if bought + timedelta(days=n) <= last_day
                ]
                sale.sessions_remaining = package.sessions - len(visits)
                sale.first_session_on = visits[0] if visits else None
                moment = self.at(
                    rng, self._start_of(bought), self._start_of(bought) + timedelta(hours=23)
                )
                sale.created_at = moment
                self._stamp(sale, moment, sale.created_by)
                sales.append(sale)
                for day in visits:
                    use = SessionUse(
                        purchase=sale,
                        customer=c,
                        used_on=day,
                        branch=c.branch,
                        therapist=c.primary_therapist,
                        created_by=c.primary_therapist or c.created_by,
                    )
                    use.created_at = self._start_of(day) + timedelta(hours=rng.randint(10, 19))
                    self._stamp(use, use.created_at, use.created_by)
                    uses.append(use)
            if products and rng.random() < 0.3:
                product = rng.choice(products)
                bought = since + timedelta(days=rng.randint(0, (latest - since).days))
                sale = Purchase(
                    customer=c,
                    branch=c.branch,
                    purchased_on=bought,
                    product=product,
                    item_name=product.name,
                    quantity=1,
                    amount=product.price,
                    salesperson=c.sales_consultant,
                    created_by=c.sales_consultant or c.created_by,
                )
                sale.created_at = self._start_of(bought) + timedelta(hours=15)
                self._stamp(sale, sale.created_at, sale.created_by)
                sales.append(sale)
        sales = bulk_create_with_history(sales, Purchase, _BATCH, default_user=self.staff.admin)
        # bulk_create fills primary keys on SQLite and PostgreSQL; re-point the uses at them.
        for use in uses:
            use.purchase_id = use.purchase.pk
        bulk_create_with_history(uses, SessionUse, _BATCH, default_user=self.staff.admin)
        self.summary.purchases = len(sales)
        self.summary.session_uses = len(uses)

    def _start_of(self, day: date) -> datetime:
        return timezone.make_aware(datetime(day.year, day.month, day.day))

    def _interactions(self, drafts: list[_Draft]) -> None:
        rows = []
        for d in drafts:
            for kind, moment in self._timeline(d):
                interaction = self._interaction(d, kind, moment)
                d.interactions.append((kind, interaction))
                rows.append(interaction)
        bulk_create_with_history(rows, Interaction, _BATCH, default_user=self.staff.admin)
        self.summary.interactions = len(rows)

    def _timeline(self, d: _Draft) -> list[tuple[str, datetime]]:
        """What happened to this customer and when, oldest first."""
        rng, c = d.rng, d.customer
        start, end = c.created_at, self.now
        tenure = (self.now - start).days
        kind = c.customer_type
        if kind == CustomerType.PROSPECT:
            count = rng.randint(1, 3)
        elif kind == CustomerType.VIP:
            count = rng.randint(14, 22)
        elif kind == CustomerType.LOST:
            count = rng.randint(4, 8)
            end = min(start + timedelta(days=rng.randint(30, 120)), self.days_ago(190))
        else:
            count = max(3, min(16, 4 + tenure // 40 + rng.randint(-1, 2)))
        moments = sorted(self.at(rng, start, end) for _ in range(count - 1))
        if kind in (CustomerType.CURRENT, CustomerType.VIP) and moments:
            recent = self.days_ago(min(60, tenure))
            if moments[-1] < recent:  # an active customer has been in lately
                moments[-1] = self.at(rng, recent, self.now)
        first = "inquiry" if kind == CustomerType.PROSPECT or rng.random() < 0.5 else "evaluation"
        timeline = [(first, start)]
        if kind == CustomerType.PROSPECT:
            options = {"booking": 3, "followup": 2, "package": 1, "event": 1}
        else:
            options = {"treatment": 45, "followup": 20, "booking": 15, "package": 8,
                       "home_exercise": 7, "event": 5}  # fmt: skip
        for i, moment in enumerate(moments):
            needs_evaluation = i == 0 and first == "inquiry" and kind != CustomerType.PROSPECT
            timeline.append(("evaluation" if needs_evaluation else _weighted(rng, options), moment))
        if kind == CustomerType.LOST and rng.random() < 0.6:
            timeline.append(("recall", self.at(rng, self.days_ago(120), self.now)))
        birthday = self._last_birthday(c.birthday)
        wants_greeting = rng.random() < 0.6 and (c.consent_line or c.consent_sms)
        if birthday and wants_greeting and birthday > timezone.localdate(start):
            moment = timezone.make_aware(datetime.combine(birthday, datetime.min.time()))
            timeline.append(("birthday", self.at(rng, moment, moment + timedelta(hours=23))))
        return sorted(timeline, key=lambda item: item[1])

    def _last_birthday(self, birthday: date | None) -> date | None:
        if birthday is None:
            return None
        try:
            this_year = birthday.replace(year=self.today.year)
        except ValueError:
            this_year = date(self.today.year, 2, 28)
        if this_year < self.today:
            return this_year
        try:
            return birthday.replace(year=self.today.year - 1)
        except ValueError:
            return date(self.today.year - 1, 2, 28)

    def _interaction(self, d: _Draft, kind: str, moment: datetime) -> Interaction:
        rng, c = d.rng, d.customer
        channel, template = rng.choice(_SUMMARIES[kind])
        reaction = _weighted(
            rng,
            {
                "happy": {Reaction.POSITIVE: 70, Reaction.NEUTRAL: 27, Reaction.NEGATIVE: 3},
                "neutral": {Reaction.POSITIVE: 35, Reaction.NEUTRAL: 55, Reaction.NEGATIVE: 10},
                "unhappy": {Reaction.POSITIVE: 15, Reaction.NEUTRAL: 45, Reaction.NEGATIVE: 40},
            }[d.mood],
        )
        if kind == "recall":
            reaction = Reaction.NEUTRAL
        treatments = rng.sample(d.topic.treatments, 2)
        progress = rng.choice(_PROGRESS[reaction]).format(
            p1=rng.randint(5, 8), p2=rng.randint(1, 4), wait=rng.choice((20, 25, 30, 40))
        )
        summary = template.format(
            label=d.topic.label,
            concern=rng.choice(d.topic.concerns),
            finding=rng.choice(d.topic.findings),
            n=rng.randint(1, 3),
            weeks=rng.choice((4, 6, 8)),
            t1=treatments[0],
            t2=treatments[1],
            exercise=rng.choice(d.topic.exercises),
            progress=progress,
            weekday=rng.choice(_WEEKDAYS),
            slot=rng.choice(_SLOTS),
            package=rng.choice(_PACKAGES),
            left=rng.randint(1, 3),
            event=rng.choice(_EVENTS),
        )
        follow_up = rng.choice(_FOLLOW_UPS[kind])
        if reaction == Reaction.NEGATIVE and kind != "recall":
            follow_up = rng.choice(_NEGATIVE_FOLLOW_UPS)
        if moment > self.days_ago(14):
            status = _weighted(rng, {"done": 65, "in_progress": 22, "pending": 13})
        else:
            status = _weighted(rng, {"done": 97, "in_progress": 3})
        staff = self._interaction_staff(d, kind, channel)
        interaction = Interaction(
            customer=c,
            occurred_at=moment,
            channel=channel,
            staff=staff,
            summary=summary,
            reaction=reaction,
            follow_up_action=follow_up,
            status=InteractionStatus(status),
            created_by=staff,
            created_at=self.later(moment, rng.randint(1, 40)),
        )
        self._stamp(interaction, interaction.created_at, staff)
        return interaction

    def _interaction_staff(self, d: _Draft, kind: str, channel: str) -> User:
        rng, c = d.rng, d.customer
        branch_id = c.branch_id
        therapists = self.staff.of(branch_id, R.THERAPIST)
        own_therapist = c.primary_therapist if rng.random() < 0.85 else None
        therapist = own_therapist or rng.choice(therapists)
        desk = rng.choice(self.staff.of(branch_id, R.FRONT_DESK))
        cs = rng.choice(self.staff.of(branch_id, R.CUSTOMER_SERVICE))
        consultant = c.sales_consultant or rng.choice(self.staff.of(branch_id, R.SALES_CONSULTANT))
        if kind in ("evaluation", "treatment", "home_exercise"):
            return therapist
        if kind == "followup":
            return therapist if rng.random() < 0.5 else cs
        if kind == "package":
            return consultant
        if kind in ("event", "birthday"):
            return cs
        if kind == "recall":
            return consultant if rng.random() < 0.4 else cs
        return desk if channel == Channel.PHONE or rng.random() < 0.5 else cs

    def _contact_plans(self, drafts: list[_Draft]) -> None:
        plans = []
        for d in drafts:
            for kind, interaction in d.interactions:
                if kind in _PLANNED_KINDS and d.rng.random() < 0.75:
                    plans.append(self._done_plan(d, kind, interaction))
            plan = self._open_plan(d)
            if plan is not None:
                plans.append(plan)
        bulk_create_with_history(plans, ContactPlan, _BATCH, default_user=self.staff.admin)
        self.summary.contact_plans = len(plans)
        self.summary.open_contact_plans = sum(not p.done for p in plans)

    def _done_plan(self, d: _Draft, kind: str, interaction: Interaction) -> ContactPlan:
        rng, c = d.rng, d.customer
        made = max(c.created_at, interaction.occurred_at - timedelta(days=rng.randint(2, 21)))
        due = timezone.localdate(interaction.occurred_at)
        if rng.random() < 0.2:
            due = max(due - timedelta(days=rng.randint(1, 3)), timezone.localdate(made))
        creator = c.primary_therapist if kind == "followup" and c.primary_therapist else None
        plan = ContactPlan(
            customer=c,
            due_date=due,
            purpose=_PLANNED_KINDS[kind],
            assignee=interaction.staff,
            done=True,
            done_at=interaction.created_at,
            fulfilled_by=interaction,
            created_by=creator or interaction.staff,
            created_at=min(self.at(rng, made, made + timedelta(hours=1)), interaction.occurred_at),
        )
        self._stamp(plan, plan.created_at, plan.created_by)
        return plan

    def _open_plan(self, d: _Draft) -> ContactPlan | None:
        """About one customer in three has a contact still to make: some today, some late."""
        rng, c = d.rng, d.customer
        roll, offset = rng.random(), rng.random()
        birthday_soon = self._next_birthday_within(c.birthday, days=7)
        if d.index == 0:
            due, purpose = self.today, ContactPurpose.EFFICACY_FOLLOW_UP
        elif birthday_soon and roll < 0.8:
            due, purpose = birthday_soon, ContactPurpose.BIRTHDAY_GREETING
        elif roll < 0.31:
            if offset < 0.12:
                due = self.today
            elif offset < 0.34:
                due = self.today - timedelta(days=rng.randint(1, 21))
            else:
                due = self.today + timedelta(days=rng.randint(1, 30))
            purpose = _weighted(
                rng,
                {ContactPurpose.ROUTINE_CARE: 35, ContactPurpose.EFFICACY_FOLLOW_UP: 30,
                 ContactPurpose.RENEWAL_REMINDER: 20, ContactPurpose.EVENT_INVITATION: 10,
                 ContactPurpose.OTHER: 5},
            )  # fmt: skip
        else:
            return None
        due = max(due, timezone.localdate(c.created_at))
        assignee = self._plan_assignee(d, purpose)
        due_start = timezone.make_aware(datetime.combine(due, datetime.min.time()))
        low = min(max(c.created_at, due_start - timedelta(days=21)), self.now)
        made = self.at(rng, low, max(low, due_start - timedelta(days=1)))
        plan = ContactPlan(
            customer=c,
            due_date=due,
            purpose=purpose,
            purpose_other="確認保險理賠文件" if purpose == ContactPurpose.OTHER else "",
            assignee=assignee,
            created_by=assignee if rng.random() < 0.7 else c.created_by,
            created_at=made,
        )
        self._stamp(plan, made, plan.created_by)
        return plan

    def _plan_assignee(self, d: _Draft, purpose: str) -> User:
        c, rng = d.customer, d.rng
        if d.index == 0:
            return self.staff.users["therapist_taipei"]
        if purpose == ContactPurpose.EFFICACY_FOLLOW_UP and c.primary_therapist:
            return c.primary_therapist
        if purpose == ContactPurpose.RENEWAL_REMINDER and c.sales_consultant:
            return c.sales_consultant
        role = rng.choice((R.CUSTOMER_SERVICE, R.FRONT_DESK))
        return rng.choice(self.staff.of(c.branch_id, role))

    def _next_birthday_within(self, birthday: date | None, *, days: int) -> date | None:
        if birthday is None:
            return None
        for offset in range(days + 1):
            day = self.today + timedelta(days=offset)
            if (day.month, day.day) == (birthday.month, birthday.day):
                return day
        return None

    def _satisfaction(self, drafts: list[_Draft]) -> None:
        rows = []
        scores = {"happy": (8, 10), "neutral": (6, 8), "unhappy": (3, 6)}
        for d in drafts:
            visits = [i for kind, i in d.interactions if kind in ("evaluation", "treatment")]
            if not visits:
                continue
            rng, c = d.rng, d.customer
            for visit in rng.sample(visits, min(len(visits), rng.randint(1, 3))):
                score = rng.randint(*scores[d.mood])
                moment = self.later(visit.occurred_at, rng.randint(30, 60 * 24 * 2))
                by = rng.choice(
                    self.staff.of(c.branch_id, R.CUSTOMER_SERVICE)
                    + self.staff.of(c.branch_id, R.FRONT_DESK)
                )
                row = SatisfactionRecord(
                    customer=c,
                    score=score,
                    recorded_on=timezone.localdate(moment),
                    positive_feedback=rng.choice(_FEEDBACK) if score >= 7 else "",
                    improvement_suggestions=rng.choice(_SUGGESTIONS) if score <= 8 else "",
                    recorded_by=by,
                    created_at=moment,
                )
                self._stamp(row, moment, by)
                rows.append(row)
        bulk_create_with_history(rows, SatisfactionRecord, _BATCH, default_user=self.staff.admin)
        self.summary.satisfaction_records = len(rows)

    def _important_events(self, drafts: list[_Draft]) -> None:
        rows = []
        for d in drafts:
            rng, c = d.rng, d.customer
            if rng.random() >= {"happy": 0.04, "neutral": 0.12, "unhappy": 0.6}[d.mood]:
                continue
            if not d.interactions:
                continue
            negative = [i for _, i in d.interactions if i.reaction == Reaction.NEGATIVE]
            when = rng.choice(negative or [i for _, i in d.interactions]).occurred_at
            kind = _weighted(
                rng,
                {EventKind.SERVICE_DELAY: 35, EventKind.POOR_EFFICACY: 25,
                 EventKind.COMPLAINT: 20, EventKind.REFUND_REQUEST: 10, EventKind.OTHER: 10},
            )  # fmt: skip
            description, outcome = rng.choice(_EVENT_TEXT[kind])
            values = {
                "m": rng.choice((20, 30, 45)),
                "k": rng.randint(3, 8),
                "label": d.topic.label,
                "amount": rng.randint(3, 12) * 1000,
            }
            recent = when > self.days_ago(7) and rng.random() < 0.5
            by = rng.choice(self.staff.of(c.branch_id, R.CUSTOMER_SERVICE))
            moment = self.later(when, rng.randint(30, 240))
            row = ImportantEvent(
                customer=c,
                kind=kind,
                occurred_on=timezone.localdate(when),
                description=description.format(**values),
                outcome="" if recent else outcome.format(**values),
                recorded_by=by,
                created_at=moment,
            )
            self._stamp(row, moment, by)
            rows.append(row)
        bulk_create_with_history(rows, ImportantEvent, _BATCH, default_user=self.staff.admin)
        self.summary.important_events = len(rows)

    def _sign_offs(self, drafts: list[_Draft]) -> None:
        """記錄人員簽名 for about two records in three; a supervisor reviewed some of them."""
        rows = []
        for d in drafts:
            rng, c = d.rng, d.customer
            if rng.random() >= 0.65:
                continue
            signed = self.later(c.created_at, rng.randint(30, 60 * 24 * 5))
            rows.append(
                SignOff(customer=c, kind=SignOffKind.RECORDER, signed_by=c.created_by,
                        signed_at=signed)
            )  # fmt: skip
            reviewed = self.later(signed, rng.randint(60 * 12, 60 * 24 * 14))
            if rng.random() < 0.4 and reviewed > signed:
                rows.append(
                    SignOff(
                        customer=c,
                        kind=SignOffKind.SUPERVISOR,
                        signed_by=rng.choice(self.staff.supervisors),
                        signed_at=reviewed,
                        comment=rng.choice(("資料完整", "需求評估請再補充", "已確認", "")),
                    )
                )
        SignOff.objects.bulk_create(rows, batch_size=_BATCH)
        self.summary.sign_offs = len(rows)
