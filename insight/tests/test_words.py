"""词频分析 on a fixed corpus: local place names stay whole through the user dictionary; names, phone
numbers, plates and ID numbers never reach the counts; only terms in at least k tips are shown."""

from collections import Counter

import jieba
import pytest

from insight import words

CORPUS = [
    "三坊七巷南后街有人飞线充电，楼道堆物，电话13812345678",
    "南后街的电动车飞线充电很危险，车主张伟，车牌闽A·12345",
    "东街口有人冒充客服刷单，联系人李娜 0591-87654321",
    "南后街群租房飞线充电，房东陈建国，身份证350102199001011234",
    "西湖公园门口黑车拉客，闽AD12345，司机手机138 1234 5678",
    "东街口冒充客服骗依伯的钱，对方QQ 123456789",
]


def test_local_place_names_stay_whole_through_the_user_dictionary() -> None:
    # jieba alone splits 南后街 into 南后 + 街; our dictionary of Gulou names keeps it whole
    assert "南后街" not in set(jieba.lcut("南后街有人飞线充电"))
    assert words.tip_terms("南后街有人飞线充电") == {"南后街", "飞线充电"}
    assert words.tip_terms("三坊七巷衣锦坊门口有依伯摔倒") == {"三坊七巷", "衣锦坊", "依伯", "摔倒"}


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("电话13812345678", "13812345678"),
        ("手机138 1234 5678", "1234"),
        ("打+86 138-1234-5678", "5678"),
        ("座机0591-87654321", "87654321"),
        ("车牌闽A·12345", "12345"),
        ("车牌闽a12345", "12345"),
        ("新能源闽AD12345", "AD12345"),
        ("身份证350102199001011234", "350102199001011234"),
        ("身份证35010219900101123X", "35010219900101123X"),
        ("邮箱zhang.wei@example.com", "example"),
        ("QQ 123456789", "123456789"),
    ],
)
def test_scrub_blanks_numbers_plates_and_addresses(text: str, secret: str) -> None:
    assert secret not in words.scrub(text)


def test_a_name_a_phone_number_and_a_plate_never_appear_in_the_counts() -> None:
    counts = words.term_counts(CORPUS)
    text = " ".join(counts)
    for secret in ("张伟", "李娜", "陈建国", "138", "1234", "5678", "0591", "闽A", "12345", "3501", "QQ"):
        assert secret not in text, secret
    assert not set("张伟李娜陈建国") & set(text)  # no fragment of a name either (车主 + 张伟, not 车 + 主张 + 伟)
    # and the place names and what people report are counted once per tip
    assert counts["南后街"] == 3
    assert counts["飞线充电"] == 3
    assert counts["东街口"] == 2
    assert counts["冒充客服"] == 2
    assert counts["三坊七巷"] == 1
    # stop words are not terms
    assert "有人" not in counts
    assert "门口" not in counts


def test_only_terms_in_at_least_k_tips_are_shown_with_the_change_since_the_previous_period() -> None:
    current = words.term_counts(CORPUS)
    previous = Counter({"南后街": 2, "东街口": 1})
    rows = words.top_terms(current, previous, k=2, limit=10)
    assert rows == [
        {"term": "南后街", "tips": 3, "previous": 2, "change": 1},
        {"term": "飞线充电", "tips": 3, "previous": None, "change": None},
        {"term": "东街口", "tips": 2, "previous": None, "change": None},  # 1 tip before: under k, not shown
        {"term": "冒充客服", "tips": 2, "previous": None, "change": None},
    ]
    assert [row["term"] for row in words.top_terms(current, previous, k=3, limit=10)] == ["南后街", "飞线充电"]
    assert words.top_terms(current, previous, k=4, limit=10) == []
    assert len(words.top_terms(current, previous, k=1, limit=3)) == 3
