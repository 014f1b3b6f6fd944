"""The starting reply templates and avoid-list (domain.md §5, the 003 articles), used by the
seed migration and to restore them in an emptied database. Administrators edit both."""

from __future__ import annotations

from django.db import transaction

# (name, channel, subject, body)
TEMPLATES = [
    (
        "電子郵件：調查結果與處理方式",
        "email",
        "【{院所}】關於您反映事項的回覆（客訴編號 {案件編號}）",
        """{客戶姓名} 您好：

感謝您於{接收日期}撥冗告訴我們您的經驗。關於您反映的情況：

{問題}

對於造成您的不便與不愉快，我們深感抱歉，這不符合我們對服務的要求。

我們將為您安排：
{解決方案}
{補償}

為避免類似情況再次發生，我們已採取以下改善措施：
{改善措施}

再次感謝您給我們改進的機會。若您對處理方式有任何疑問，歡迎直接與我聯絡：{聯絡方式}。

{院所} 客服專員 {承辦人} 敬上
{日期}""",
    ),
    (
        "社群公開回覆：致歉並轉私訊",
        "social_public",
        "",
        """您好，感謝您撥冗分享這次的經驗，造成您的不愉快，我們深感抱歉。為了儘快了解詳細情況並為您處理，我們已私訊與您聯繫，再麻煩您查看，謝謝您。
{院所} 客服團隊""",
    ),
    (
        "私訊／LINE：說明處理方式",
        "private_message",
        "",
        """{客戶姓名}您好，我是{院所}的客服{承辦人}。感謝您告訴我們{接收日期}的情況，對於造成您的困擾，我們真的很抱歉。
關於您反映的問題，我們將為您安排：{解決方案}
{補償}
為避免再次發生，我們也已改善：{改善措施}
再次謝謝您，有任何問題歡迎直接回覆這則訊息，或與我聯絡：{聯絡方式}。""",
    ),
    (
        "電話腳本：說明處理方式",
        "phone_script",
        "",
        """（開場）{客戶姓名}您好，我是{院所}客服{承辦人}，感謝您撥空接聽。關於您在{接收日期}反映的情況，想向您說明我們的處理。
（同理）首先，對於這次造成您的不便，我們深感抱歉。
（確認問題）您反映的是：{問題}。請問我這樣理解正確嗎？
（解決方案）我們將為您安排：{解決方案}。{補償}
（預防）為避免再次發生，我們已採取的改善措施是：{改善措施}。
（確認）請問這樣的處理方式您能接受嗎？
（結尾）再次感謝您的指教。之後若有任何問題，歡迎直接找我，聯絡方式是 {聯絡方式}。""",
    ),
    (
        "書面信函：正式回覆",
        "letter",
        "關於您反映事項的回覆（客訴編號 {案件編號}）",
        """{客戶姓名} 您好：

感謝您於{接收日期}向本院所反映意見。關於您反映的情況（客訴編號 {案件編號}）：
{問題}

對於此事造成您的不便，我們謹致上最誠摯的歉意。經了解後，我們將為您安排：
{解決方案}
{補償}

為避免類似情況再次發生，我們已採取以下改善措施：
{改善措施}

再次感謝您的寶貴意見。若有任何疑問，敬請與承辦人{承辦人}聯絡：{聯絡方式}。

敬祝 安康

{院所} 敬上
{日期}""",
    ),
]

# (pattern, category, suggestion) — the pattern language is in patterns.py.
AVOID_PHRASES = [
    (
        "這是(公司|我們的|本院所的)(規定|政策)",
        "blame_shifting",
        "說明原因並提出可行的做法，例如「我們理解這項安排造成您的不便，我們可以為您……」",
    ),
    (
        "不是我們的(錯|問題|責任)",
        "blame_shifting",
        "「對於這次的情況我們深感抱歉，我們會負起責任，立即為您處理。」",
    ),
    (
        "(應該|可能|這)是…(物流|其他部門|別的部門|廠商|合作廠商)…的(責任|問題|錯|疏失)",
        "blame_shifting",
        "「雖然問題出在合作的環節，我們會負起全責，立即為您處理。」",
    ),
    (
        "其他(客人|顧客|客戶|人)都沒(有|)…問題",
        "doubting",
        "「感謝您告訴我們，您的經驗對我們很重要，我們會仔細了解。」",
    ),
    (
        "(您|你)(可能|應該|是不是|恐怕)誤會了",
        "doubting",
        "「如果我沒有理解錯誤，您的意思是……，我們立即為您確認。」",
    ),
    (
        "(可能|應該|恐怕)是(您|你)…(使用|操作|保養)不當",
        "blaming",
        "「為了協助您，想進一步了解您使用時的情形……」",
    ),
    (
        "保證…(絕不|絕對不|永遠不|不)會再(發生|出現)",
        "over_promising",
        "「我們已將此列為重點改善項目，會盡最大努力避免再次發生。」",
    ),
]


def seed_defaults(template_model, phrase_model) -> None:
    for position, (name, channel, subject, body) in enumerate(TEMPLATES):
        template_model.objects.get_or_create(
            name=name,
            defaults={"channel": channel, "subject": subject, "body": body, "position": position},
        )
    for phrase, category, suggestion in AVOID_PHRASES:
        phrase_model.objects.get_or_create(
            phrase=phrase, defaults={"category": category, "suggestion": suggestion}
        )


@transaction.atomic
def replies_defaults_ensure() -> None:
    """The starting templates and avoid-list, keeping any edits; restores deleted entries."""
    from careloop.replies.models import AvoidPhrase, ReplyTemplate

    seed_defaults(ReplyTemplate, AvoidPhrase)
