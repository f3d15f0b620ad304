"""词频分析: the words people use in their tips, counted without ever counting who or where exactly.

Each tip's description is first scrubbed (`scrub`): phone numbers (the `phonenumbers` matcher for
China plus patterns for mobile and landline forms it may miss), licence plates (闽A·12345, 闽A12345,
闽AD12345), ID-card numbers (18 or 15 digits), e-mail addresses, links and any other run of 5 or
more digits (bank cards, QQ numbers) become a space. The rest is segmented by jieba with part-of-
speech tags (`jieba.posseg`), using our own dictionary of local terms (data/userdict.txt: Fuzhou and
Gulou place names, Fuzhou words such as 依伯 and 厝边, the tips' own vocabulary such as 飞线充电)
and a stop-word list (data/stopwords.txt). Person names (tags nr, nrfg, nrt) are dropped, as are
numbers, punctuation, pronouns, particles, Latin fragments and one-character tokens.

A term is counted once per tip (document frequency): "in how many tips" is what k-anonymity needs,
and a term in fewer than k tips is never shown.
"""

import re
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import phonenumbers

DATA = Path(__file__).resolve().parent / "data"
USER_DICT = DATA / "userdict.txt"
STOP_WORDS = DATA / "stopwords.txt"

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Patterns run before segmentation; each match becomes a space (order: the longest shapes first).
SCRUB_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE),  # links
    re.compile(rf"[{PROVINCES}]\s*[A-Z]\s*[·•・.\-]?\s*[A-Z0-9]{{4,6}}[挂学警港澳]?", re.IGNORECASE),  # plates
    re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])"),  # ID card, 18 characters
    re.compile(r"(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9])"),  # mobile, spaced or not
    re.compile(r"(?<![0-9])0\d{2,3}[\s-]?\d{7,8}(?![0-9])"),  # landline with area code (0591-87654321)
    re.compile(r"\d[\d\s-]{3,}\d"),  # any other run of 5+ digits (bank cards, QQ numbers, 15-digit IDs)
]
# Part-of-speech tags kept (first letter): nouns, verbs, adjectives, idioms, fixed phrases,
# abbreviations, place words. Person names (nr...) are removed even though they start with n.
KEPT_TAGS = ("n", "v", "a", "i", "l", "j", "s")
CJK = re.compile(r"[\u4e00-\u9fff]")

_lock = threading.Lock()
_segmenter: Any = None
_stop_words: frozenset[str] | None = None


def scrub(text: str) -> str:
    """The text with phone numbers, plates, ID numbers, e-mails, links and long digit runs blanked."""
    for pattern in SCRUB_PATTERNS:  # plates first: the phone matcher would take a plate's digits alone
        text = pattern.sub(" ", text)
    spans = [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(text, "CN", leniency=phonenumbers.Leniency.POSSIBLE)
    ]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def stop_words() -> frozenset[str]:
    global _stop_words
    if _stop_words is None:
        lines = STOP_WORDS.read_text(encoding="utf-8").splitlines()
        _stop_words = frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return _stop_words


def segmenter() -> Any:
    """jieba's part-of-speech tokenizer with our user dictionary, made once per process (about 1 s)."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                import jieba
                import jieba.posseg

                jieba.setLogLevel(60)  # jieba logs every dictionary load at DEBUG/INFO
                tokenizer = jieba.Tokenizer()
                tokenizer.load_userdict(str(USER_DICT))
                _segmenter = jieba.posseg.POSTokenizer(tokenizer)
    return _segmenter


def tip_terms(text: str) -> set[str]:
    """The distinct terms of one tip's description, scrubbed, names and stop words left out."""
    stops = stop_words()
    terms = set()
    for word, flag in segmenter().cut(scrub(text or "")):
        word = word.strip()
        if len(word) < 2 or word in stops or not CJK.search(word):
            continue
        if flag.startswith("nr") or not flag.startswith(KEPT_TAGS):
            continue
        terms.add(word)
    return terms


def term_counts(texts: Iterable[str]) -> Counter:
    """In how many of these texts each term appears (a term counts once per text)."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(tip_terms(text))
    return counts


def top_terms(current: Counter, previous: Counter, *, k: int, limit: int) -> list[dict[str, Any]]:
    """Terms in at least k tips, most frequent first, with their count in the previous period.

    The previous count (and the change) is given only when it too reached k; otherwise null.
    """
    rows = []
    for term, tips in current.items():
        if tips < k:
            continue
        before = previous.get(term, 0)
        known = before >= k
        rows.append(
            {
                "term": term,
                "tips": tips,
                "previous": before if known else None,
                "change": tips - before if known else None,
            }
        )
    rows.sort(key=lambda row: (-row["tips"], row["term"]))
    return rows[:limit]
