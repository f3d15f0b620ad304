# ruff: noqa: E501 - the demo bank keeps each text on one line, as it reads
"""Demo quiz (docs/api.md, quizzes): the demo police station's anti-fraud question bank and a published
quiz of five questions drawn from it, with points for a pass and a prize for full marks at the demo
pickup point. Idempotent: questions are found by their text, the quiz by its title."""

from typing import Any

from django.db import transaction

from quizzes import services
from quizzes.models import Question, Quiz, QuizStatus

# tag, question (zh, en), multiple, explanation (zh, en), choices [(zh, en, correct)]
BANK: list[tuple[str, tuple[str, str], bool, tuple[str, str], list[tuple[str, str, bool]]]] = [
    (
        "冒充客服",
        ("自称“电商客服”来电，说你的订单异常要退款，让你开通“备用金”并转账，应该怎么办？",
         "A caller says they are an online shop's customer service: your order failed, and to get a refund you must open a loan and transfer money. What do you do?"),
        False,
        ("真客服退款原路退回，从不要求转账或贷款。挂断后通过官方 App 核实。",
         "Real refunds go back the way you paid; no shop asks you to borrow or transfer money. Hang up and check in the official app."),
        [("按对方指引操作，尽快拿到退款", "Follow the caller's steps to get the refund quickly", False),
         ("挂断电话，通过官方 App 或官方电话核实", "Hang up and check through the official app or number", True),
         ("把验证码告诉对方以便核实身份", "Tell them the verification code so they can confirm it is you", False)],
    ),
    (
        "刷单返利",
        ("网上招聘“刷单兼职”，先垫付小额就返佣金，后面要求垫付更多，这是？",
         "An online 'order-brushing' job pays a small commission first, then asks you to advance more money. What is it?"),
        False,
        ("刷单本身违法，先给小甜头再让你越投越多，是最常见的诈骗之一。",
         "Order brushing is illegal; a small first payout to make you pay in more is one of the commonest scams."),
        [("正规兼职，可以继续做", "A real part-time job, keep going", False),
         ("刷单返利诈骗，立即停止并报警", "An order-brushing scam: stop and call the police", True),
         ("再投一笔把本钱赚回来", "Pay once more to win your money back", False)],
    ),
    (
        "冒充公检法",
        ("“公安局”来电说你涉嫌洗钱，要求把钱转到“安全账户”配合调查，正确的是？",
         "A 'police officer' calls: you are suspected of money laundering and must move your money to a 'safe account'. What is true?"),
        False,
        ("公检法机关不会电话办案，更没有“安全账户”。可拨打 110 核实。",
         "Police, prosecutors and courts never handle cases by phone, and there is no 'safe account'. Call 110 to check."),
        [("公安机关有“安全账户”，应配合转账", "The police have safe accounts; transfer to cooperate", False),
         ("公检法不会要求转账到“安全账户”，这是诈骗", "No authority asks you to move money to a 'safe account': it is a scam", True),
         ("先转一半，再去派出所问", "Transfer half first, then ask at the police station", False)],
    ),
    (
        "虚假投资",
        ("以下哪些是虚假投资理财诈骗的常见特征？（多选）",
         "Which are common signs of a fake investment scam? (several answers)"),
        True,
        ("承诺高额稳赚、拉进“导师群”、要求下载陌生 App 都是虚假投资的典型套路。",
         "Promised high sure returns, 'mentor' chat groups and unknown apps to download are the typical tricks of fake investments."),
        [("承诺“稳赚不赔”的高收益", "Promises of high returns with no risk", True),
         ("被拉进“投资导师”群", "Being added to an 'investment mentor' group", True),
         ("要求下载陌生投资 App", "Being asked to install an unknown investment app", True),
         ("在银行柜台办理定期存款", "A fixed deposit at a bank counter", False)],
    ),
    (
        "网络贷款",
        ("办理“无抵押低息贷款”前，对方要求先交“保证金”“解冻费”，应该？",
         "Before a 'no-collateral, low-interest loan', they ask for a deposit or an 'unfreezing fee'. You should:"),
        False,
        ("正规贷款放款前不收任何费用，先交钱的贷款都是诈骗。",
         "Real lenders charge nothing before paying out; a loan you must pay for first is a scam."),
        [("交钱，毕竟利息很低", "Pay: the interest is low after all", False),
         ("拒绝付款，放款前收费的贷款是诈骗", "Refuse: a loan that charges before paying out is a scam", True),
         ("先交一半试试", "Pay half to try", False)],
    ),
    (
        "冒充熟人",
        ("“领导”或“老同学”加你微信，说急需用钱让你转账，应该？",
         "Your 'boss' or an 'old classmate' adds you on WeChat and urgently asks you to transfer money. You should:"),
        False,
        ("冒充熟人借钱先加好友再开口，务必打电话或当面核实。",
         "Impostors add you as a friend, then ask for money: always call them or check in person."),
        [("马上转账，不要耽误", "Transfer at once, do not delay", False),
         ("打电话或当面核实对方身份", "Call them or check in person who it is", True)],
    ),
]  # fmt: skip

QUIZ_TITLE = ("防范电信网络诈骗大闯关", "Beat the phone and internet scams")


@transaction.atomic
def seed(ctx: dict[str, Any]) -> None:
    agency = ctx["agency"]
    for tag, (text, text_en), multiple, (explanation, explanation_en), choices in BANK:
        if Question.objects.filter(agency=agency, text=text).exists():
            continue
        services.question_create(
            agency=agency,
            fields={
                "tag": tag,
                "text": text,
                "text_en": text_en,
                "multiple": multiple,
                "explanation": explanation,
                "explanation_en": explanation_en,
            },
            choices=[{"text": zh, "text_en": en, "correct": right} for zh, en, right in choices],
        )
    quiz = Quiz.objects.filter(agency=agency, title=QUIZ_TITLE[0]).first()
    if quiz is None:
        prize = ctx.get("reward_physical")
        quiz = services.quiz_create(
            agency=agency,
            actor=ctx["users"]["agency@example.com"],
            fields={
                "title": QUIZ_TITLE[0],
                "title_en": QUIZ_TITLE[1],
                "tags": [row[0] for row in BANK],
                "question_count": 5,
                "points_per_question": 20,
                "pass_score": 60,
                "time_limit_s": 300,
                "points": 20,
                "paid_places": 1000,
                "max_attempts": 3,
                "prize_reward_id": prize.pk if prize else None,
                "prize_pickup_point_id": ctx["pickup_point"].pk if prize else None,
            },
        )
    if quiz.status == QuizStatus.DRAFT:
        quiz = services.quiz_publish(quiz=quiz, actor=ctx["users"]["agency@example.com"])
    ctx["quiz"] = quiz
