"""What the chain-5y dataset says: Taiwanese names, the 30 branches, complaint stories.

Interaction summaries, preferences and the like come from the demo (`careloop/core/demo.py`)
so the two datasets read alike; only what the demo lacks at chain scale is here.
"""

from __future__ import annotations

from dataclasses import dataclass

from careloop.complaints.demo import STORIES as DEMO_STORIES
from careloop.complaints.demo import Story

# Surnames by share of Taiwan's population (內政部 2018 姓氏統計, per mille), with the
# romanisation Taiwanese passports use, for e-mail addresses.
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("陳", "chen", 111.3), ("林", "lin", 82.8), ("黃", "huang", 60.1), ("張", "chang", 52.6),
    ("李", "lee", 51.1), ("王", "wang", 41.3), ("吳", "wu", 40.6), ("劉", "liu", 31.8),
    ("蔡", "tsai", 29.1), ("楊", "yang", 26.5), ("許", "hsu", 23.3), ("鄭", "cheng", 19.0),
    ("謝", "hsieh", 18.3), ("郭", "kuo", 16.8), ("洪", "hung", 16.4), ("曾", "tseng", 13.7),
    ("邱", "chiu", 13.6), ("廖", "liao", 12.7), ("賴", "lai", 12.6), ("周", "chou", 11.7),
    ("徐", "hsu", 11.2), ("蘇", "su", 11.1), ("葉", "yeh", 11.1), ("莊", "chuang", 10.0),
    ("呂", "lu", 9.8), ("江", "chiang", 9.4), ("何", "ho", 8.3), ("蕭", "hsiao", 8.0),
    ("羅", "lo", 8.0), ("高", "kao", 7.4), ("潘", "pan", 6.4), ("簡", "chien", 6.3),
    ("朱", "chu", 6.2), ("鍾", "chung", 6.1), ("彭", "peng", 5.5), ("游", "yu", 5.5),
    ("詹", "chan", 5.4), ("胡", "hu", 5.1), ("施", "shih", 5.1), ("沈", "shen", 5.0),
    ("余", "yu", 4.9), ("盧", "lu", 4.4), ("梁", "liang", 4.4), ("趙", "chao", 4.3),
    ("顏", "yen", 4.3), ("柯", "ko", 4.2), ("翁", "weng", 4.0), ("魏", "wei", 3.8),
    ("孫", "sun", 3.4), ("戴", "tai", 3.3), ("范", "fan", 3.1), ("方", "fang", 3.0),
    ("宋", "sung", 2.9), ("鄧", "teng", 2.8), ("杜", "tu", 2.5), ("傅", "fu", 2.5),
    ("侯", "hou", 2.4), ("曹", "tsao", 2.3), ("薛", "hsueh", 2.2), ("丁", "ting", 2.1),
    ("卓", "cho", 2.1), ("阮", "juan", 1.9), ("馬", "ma", 1.9), ("董", "tung", 1.9),
    ("温", "wen", 1.8), ("唐", "tang", 1.8), ("藍", "lan", 1.7), ("石", "shih", 1.7),
    ("蔣", "chiang", 1.7), ("古", "ku", 1.6),
)  # fmt: skip

# Given names: the first and second characters of two-character names, by sex.
FEMALE_FIRST = (
    ("雅", "ya"), ("怡", "yi"), ("佳", "chia"), ("欣", "hsin"), ("淑", "shu"), ("美", "mei"),
    ("思", "szu"), ("宜", "yi"), ("詩", "shih"), ("家", "chia"), ("佩", "pei"), ("惠", "hui"),
    ("靜", "ching"), ("玉", "yu"), ("秀", "hsiu"), ("筱", "hsiao"), ("郁", "yu"), ("心", "hsin"),
    ("品", "pin"), ("子", "tzu"), ("宛", "wan"), ("依", "yi"), ("曉", "hsiao"), ("詠", "yung"),
)  # fmt: skip
FEMALE_SECOND = (
    ("婷", "ting"), ("君", "chun"), ("萱", "hsuan"), ("涵", "han"), ("如", "ju"), ("華", "hua"),
    ("玲", "ling"), ("芬", "fen"), ("真", "chen"), ("儀", "yi"), ("琪", "chi"), ("蓁", "chen"),
    ("瑜", "yu"), ("妤", "yu"), ("庭", "ting"), ("馨", "hsin"), ("琳", "lin"), ("雯", "wen"),
    ("慧", "hui"), ("珊", "shan"), ("菁", "ching"), ("穎", "ying"), ("柔", "jou"), ("潔", "chieh"),
)  # fmt: skip
MALE_FIRST = (
    ("志", "chih"), ("家", "chia"), ("建", "chien"), ("俊", "chun"), ("冠", "kuan"),
    ("承", "cheng"), ("宇", "yu"), ("柏", "po"), ("明", "ming"), ("文", "wen"), ("彥", "yen"),
    ("信", "hsin"), ("哲", "che"), ("宗", "tsung"), ("育", "yu"), ("智", "chih"), ("國", "kuo"),
    ("偉", "wei"), ("政", "cheng"), ("子", "tzu"), ("宏", "hung"), ("振", "chen"), ("昱", "yu"),
    ("嘉", "chia"),
)  # fmt: skip
MALE_SECOND = (
    ("宏", "hung"), ("豪", "hao"), ("傑", "chieh"), ("翰", "han"), ("廷", "ting"), ("銘", "ming"),
    ("偉", "wei"), ("達", "ta"), ("瑋", "wei"), ("霖", "lin"), ("勳", "hsun"), ("安", "an"),
    ("宇", "yu"), ("軒", "hsuan"), ("賢", "hsien"), ("哲", "che"), ("翔", "hsiang"), ("凱", "kai"),
    ("誠", "cheng"), ("文", "wen"), ("緯", "wei"), ("榮", "jung"), ("民", "min"), ("峰", "feng"),
)  # fmt: skip
# The most given names of their generation, most popular first: one name in ten is one of
# these, so a two-character fragment such as 雅婷 finds many customers, as it does in life.
POPULAR_GIVEN = (
    ("雅婷", "yating"), ("怡君", "yichun"), ("家豪", "chiahao"), ("冠宇", "kuanyu"),
    ("宗翰", "tsunghan"), ("欣怡", "hsinyi"), ("佳蓉", "chiajung"), ("俊宏", "chunhung"),
    ("承翰", "chenghan"), ("雅雯", "yawen"), ("志明", "chihming"), ("淑芬", "shufen"),
    ("美玲", "meiling"), ("怡婷", "yiting"), ("家瑋", "chiawei"), ("詩涵", "shihhan"),
    ("佩珊", "peishan"), ("建宏", "chienhung"), ("志偉", "chihwei"), ("冠廷", "kuanting"),
    ("思妤", "szuyu"), ("宜蓁", "yichen"), ("彥廷", "yenting"), ("柏翰", "pohan"),
)  # fmt: skip
MAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com.tw", "hotmail.com",
                "msa.hinet.net", "outlook.com")  # fmt: skip


@dataclass(frozen=True)
class BranchSpec:
    name: str
    address: str
    phone: str
    area_code: str  # the landlines of the branch's customers
    weight: float  # relative size
    opened_years_ago: float  # branches opened within the five years have fewer customers


# Largest first: branch 1 (b01) is the flagship the benchmark logs in to.
BRANCHES: tuple[BranchSpec, ...] = (
    BranchSpec("台北大安總院", "台北市大安區忠孝東路四段 211 號 3 樓",
               "(02)2771-3568", "02", 10, 9),
    BranchSpec("台北信義分院", "台北市信義區松仁路 58 號 2 樓",
               "(02)2722-6190", "02", 7, 8),
    BranchSpec("新北板橋分院", "新北市板橋區文化路一段 188 號 2 樓",
               "(02)2968-5120", "02", 7, 8),
    BranchSpec("台中西屯分院", "台中市西屯區台灣大道三段 658 號 5 樓",
               "(04)2258-3311", "04", 6, 7),
    BranchSpec("高雄左營分院", "高雄市左營區博愛二路 366 號 3 樓",
               "(07)556-2080", "07", 6, 7),
    BranchSpec("桃園中壢分院", "桃園市中壢區中正路 356 號 1 樓",
               "(03)425-7788", "03", 5, 7),
    BranchSpec("台北中山分院", "台北市中山區南京東路二段 95 號 4 樓",
               "(02)2562-4471", "02", 5, 6),
    BranchSpec("台南東區分院", "台南市東區林森路一段 301 號 2 樓",
               "(06)236-9015", "06", 5, 6),
    BranchSpec("新北新莊分院", "新北市新莊區中正路 516 號 3 樓",
               "(02)2992-7630", "02", 4.5, 6),
    BranchSpec("台北內湖分院", "台北市內湖區成功路四段 188 號 2 樓",
               "(02)2793-1150", "02", 4.5, 6),
    BranchSpec("新竹東區分院", "新竹市東區光復路二段 101 號 3 樓",
               "(03)571-8822", "03", 4, 5.5),
    BranchSpec("新北中和分院", "新北市中和區中山路二段 321 號 2 樓",
               "(02)2243-8650", "02", 4, 5.5),
    BranchSpec("台中北屯分院", "台中市北屯區崇德路二段 168 號 1 樓",
               "(04)2247-5530", "04", 4, 5),
    BranchSpec("高雄苓雅分院", "高雄市苓雅區四維三路 6 號 2 樓",
               "(07)335-1246", "07", 3.5, 4.8),
    BranchSpec("新北三重分院", "新北市三重區重新路三段 88 號 2 樓",
               "(02)2978-3345", "02", 3.5, 4.5),
    BranchSpec("台北士林分院", "台北市士林區中正路 235 號 3 樓",
               "(02)2881-0927", "02", 3.5, 4.2),
    BranchSpec("桃園藝文分院", "桃園市桃園區中正路 1071 號 2 樓",
               "(03)356-2218", "03", 3.2, 4),
    BranchSpec("新竹竹北分院", "新竹縣竹北市光明六路 116 號 1 樓",
               "(03)558-6613", "03", 3.2, 3.6),
    BranchSpec("台南永康分院", "台南市永康區中華路 425 號 2 樓",
               "(06)312-8870", "06", 3, 3.3),
    BranchSpec("彰化員林分院", "彰化縣員林市中山路二段 96 號 1 樓",
               "(04)832-5106", "04", 3, 3),
    BranchSpec("新北新店分院", "新北市新店區北新路二段 150 號 3 樓",
               "(02)2915-6672", "02", 2.8, 2.7),
    BranchSpec("嘉義西區分院", "嘉義市西區中山路 588 號 2 樓",
               "(05)222-3967", "05", 2.5, 2.4),
    BranchSpec("台中大里分院", "台中市大里區國光路二段 500 號 1 樓",
               "(04)2483-1175", "04", 2.5, 2.1),
    BranchSpec("高雄鳳山分院", "高雄市鳳山區光遠路 220 號 2 樓",
               "(07)746-0381", "07", 2.5, 1.8),
    BranchSpec("新北淡水分院", "新北市淡水區中山路 108 號 2 樓",
               "(02)2621-4590", "02", 2.2, 1.5),
    BranchSpec("宜蘭羅東分院", "宜蘭縣羅東鎮公正路 280 號 1 樓",
               "(03)955-6021", "03", 2, 1.2),
    BranchSpec("苗栗頭份分院", "苗栗縣頭份市中華路 1006 號 2 樓",
               "(037)663-218", "037", 2, 0.9),
    BranchSpec("雲林斗六分院", "雲林縣斗六市大學路一段 99 號 1 樓",
               "(05)533-7180", "05", 1.8, 0.7),
    BranchSpec("屏東市分院", "屏東縣屏東市自由路 527 號 2 樓",
               "(08)733-5218", "08", 1.8, 0.5),
    BranchSpec("花蓮市分院", "花蓮縣花蓮市中正路 410 號 2 樓",
               "(03)833-2619", "03", 1.5, 0.3),
)  # fmt: skip

# Landline ranges by area code that `phone_normalize` accepts (subscriber numbers).
LANDLINE_RANGES = {
    "02": (22000000, 29999999),
    "03": (3100000, 5999999),
    "037": (460000, 699999),
    "04": (22000000, 26999999),
    "05": (2200000, 5999999),
    "06": (2000000, 3999999),
    "07": (3000000, 7999999),
    "08": (7000000, 7999999),
}

_S = Story
# More cases than the demo's seven, so the board and the case library read like five years.
MORE_STORIES = (
    _S("safety", "physiotherapy", ("a_safety",), "in_person",
       "治療後起身時頭暈跌倒，手肘擦傷。", "希望說明原因並負擔就醫費用。",
       "治療床高度未調整，起身前未確認血壓。", "陪同就醫並負擔費用，主管致歉。",
       "高齡客戶起身前量血壓並由治療師攙扶，治療床統一調至最低。"),
    _S("safety", "operations", ("a_legal", "a_media"), "social_media",
       "在社群看到自己的治療照片被當作宣傳，未經同意。", "立即下架並道歉。",
       "行銷人員誤用內部教學照片，未確認肖像授權。", "當日下架並書面致歉。",
       "行銷素材一律附肖像授權書，由營運主管審核後才能發布。"),
    _S("billing", "customer_service", ("a_major_loss", "a_systemic"), "consumer_protection",
       "多位會員反映療程套票到期前被強制扣除剩餘堂數。", "恢復剩餘堂數。",
       "系統到期規則設定錯誤，提前 30 天失效。", "恢復所有受影響會員的堂數並延長效期。",
       "到期規則變更須經雙人覆核並先以測試帳號驗證。"),
    _S("staff_attitude", "operations", ("b_staff",), "in_person",
       "櫃台人員態度不耐煩，詢問收據問題時被打斷。", "希望櫃台人員道歉。",
       "尖峰時段櫃台只有一人，同時處理電話與結帳。", "店長親自致歉並補開收據。",
       "尖峰時段排兩位櫃台，電話轉由客服接聽。"),
    _S("service_quality", "operations", ("b_inconvenience", "b_recurring"), "phone",
       "連續兩次預約到院後被告知時段已滿，白跑一趟。", "希望確實保留預約。",
       "線上預約與櫃台排程未同步，重複排入同一時段。", "優先安排時段並贈送一次熱敷。",
       "預約系統改為即時同步，每日開診前核對預約表。"),
    _S("efficacy", "physiotherapy", ("b_quality",), "email",
       "震波治療五次後足底仍然疼痛，懷疑沒有效果。", "希望退還部分費用或改其他療程。",
       "未先評估鞋具與站立時間，療程期待說明不足。", "免費重新評估並調整為徒手治療加運動。",
       "震波療程前說明預期效果與所需次數，第 3 次療程後重新評估。"),
    _S("billing", "sales", ("b_moderate_loss", "b_cross_department"), "letter",
       "購買療程時承諾的贈品未收到，多次詢問都說再等等。", "希望補寄贈品或折抵費用。",
       "贈品庫存不足，銷售與倉管未同步。", "改以等值療程折抵並致電致歉。",
       "促銷贈品依庫存設上限，售完即停止承諾。"),
    _S("facilities", "operations", ("c_minor_defect", "c_minor_impact"), "suggestion_box",
       "候診區冷氣太冷，等候時很不舒服。", "希望調整溫度或提供毯子。",
       "空調溫度設定未依季節調整。", "調高設定溫度並備妥毛毯。",
       "空調溫度納入每日開診檢查表。"),
    _S("facilities", "operations", ("c_general",), "review_platform",
       "停車位太少，每次都要繞很久。", "希望提供特約停車。",
       "院所周邊停車位不足。", "與鄰近停車場簽訂特約折扣。",
       "官網與預約通知附上特約停車資訊。"),
    _S("service_quality", "customer_service", ("c_misunderstanding", "c_no_loss"), "phone",
       "打電話詢問療程價格，三個人說法都不一樣。", "希望有一致的說明。",
       "價目表更新後未通知所有櫃台與客服。", "致電說明正確價格並致歉。",
       "價目表更新時同步公告並於晨會說明。"),
    _S("staff_attitude", "physiotherapy", ("c_single_department",), "in_person",
       "治療師治療時一直滑手機，感覺不專心。", "希望更換治療師。",
       "治療區未落實手機管理規定。", "更換治療師並由主管致歉。",
       "治療區手機統一放置置物櫃，主管不定時巡視。"),
    _S("other", "customer_service", ("c_general", "c_no_loss"), "email",
       "希望診斷證明能提供英文版本。", "提供英文診斷證明。",
       "診斷證明格式只有中文版。", "請治療師開立英文版並寄送。", "新增英文版診斷證明格式。"),
)  # fmt: skip
STORIES: tuple[Story, ...] = (*DEMO_STORIES, *MORE_STORIES)

COMPLAINANT_TITLES = ("先生", "小姐", "太太", "女士")
THIRD_PARTIES = {
    "government": ("台北市政府衛生局", "新北市政府衛生局", "台中市政府衛生局", "高雄市政府衛生局"),
    "consumer_protection": ("消費者文教基金會", "行政院消費者保護處", "縣市消費者服務中心"),
}
FIRST_RESPONSES = (
    "已收到您的意見，將由專人了解後於兩個工作天內回覆。",
    "致電確認事件經過，說明後續處理流程與時程。",
    "回覆電子郵件致歉，並告知負責人姓名與聯絡方式。",
    "LINE 回覆已收到反映，安排主管了解狀況。",
)
PROGRESS_UPDATES = (
    "致電說明調查進度，預計本週內提出處理方案。",
    "電話告知已訪談當班人員，正在調閱預約與收費記錄。",
    "回覆客戶補充資料已收到，調查持續進行中。",
    "簡訊告知主管將親自聯繫說明。",
)
SOLUTION_TALKS = (
    "致電說明調查結果與處理方式：{remedy}",
    "當面說明調查結果並致歉，處理方式：{remedy}",
    "電子郵件說明調查結果與改善措施：{prevention}",
)
SATISFACTION_NOTES = ("客戶表示滿意處理結果", "客戶接受但希望持續改善", "客戶感謝主管親自處理", "")
