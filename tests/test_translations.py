"""The zh-Hans catalogue is complete and compiled: every marked string has a translation."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_marked_string_is_translated_into_chinese() -> None:
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert len(catalogue.translated_entries()) > 50
    assert missing == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_source() -> None:
    source = polib.pofile(str(LOCALE / "django.po"))
    compiled = polib.mofile(str(LOCALE / "django.mo"))
    compiled_ids = {entry.msgid for entry in compiled}
    assert {entry.msgid for entry in source.translated_entries()} <= compiled_ids
