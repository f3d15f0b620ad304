"""The station page's forms: a new safe house with its opening hours, and a guard's duty shift.
They only parse and check the shape of what was typed; the rules stay in safehouses.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safehouses.models import Equipment, ShiftKind

WEEKDAYS = [
    ("0", _("Mon")),
    ("1", _("Tue")),
    ("2", _("Wed")),
    ("3", _("Thu")),
    ("4", _("Fri")),
    ("5", _("Sat")),
    ("6", _("Sun")),
]


class SafeHouseForm(forms.Form):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    address = forms.CharField(label=_("Address"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    is_24h = forms.BooleanField(label=_("Open 24 hours"), required=False)
    equipment = forms.MultipleChoiceField(
        label=_("Equipment"), choices=Equipment.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Open on"), choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple
    )
    opens = forms.TimeField(label=_("Opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(
        label=_("Closes (before opening: past midnight)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("is_24h") and not (data.get("weekdays") and data.get("opens") and data.get("closes")):
            raise forms.ValidationError(_("Give the days and hours it is open, or tick “Open 24 hours”."))
        return data

    def hours(self) -> list[dict]:
        """The openings for safehouses.services: one per ticked weekday (none when open 24 hours)."""
        data = self.cleaned_data
        if data["is_24h"]:
            return []
        return [{"weekday": int(day), "opens": data["opens"], "closes": data["closes"]} for day in data["weekdays"]]

    def registry_fields(self) -> dict:
        fields = ("name_zh", "name_en", "address", "phone", "lat", "lon", "is_24h", "equipment")
        return {name: self.cleaned_data[name] for name in fields}


class ShiftForm(forms.Form):
    safe_house = forms.TypedChoiceField(label=_("Safe house"), coerce=int)
    guard = forms.TypedChoiceField(label=_("Guard"), coerce=int)
    kind = forms.ChoiceField(label=_("Shift"), choices=ShiftKind.choices)
    starts_at = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("To"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    roll_call_count = forms.IntegerField(label=_("Roll calls"), min_value=0, max_value=12, initial=2)

    def __init__(self, *args: object, houses: list, guards: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["safe_house"].choices = [(house.id, house.name) for house in houses]
        self.fields["guard"].choices = [(guard.id, guard.shown_name) for guard in guards]
