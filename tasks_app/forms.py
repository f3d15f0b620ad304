"""The agency's task form on /staff/tasks/ (desktop)."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks_app.models import Category


def _soon() -> str:
    start = timezone.localtime() + timedelta(hours=1)
    return start.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def _later() -> str:
    end = timezone.localtime() + timedelta(hours=3)
    return end.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class TaskForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    address = forms.CharField(label=_("Meeting point"), max_length=200)
    lat = forms.FloatField(
        label=_("Latitude"), min_value=-90, max_value=90, initial=lambda: settings.FUBI_DISTRICT_CENTER[0]
    )
    lon = forms.FloatField(
        label=_("Longitude"), min_value=-180, max_value=180, initial=lambda: settings.FUBI_DISTRICT_CENTER[1]
    )
    radius_m = forms.IntegerField(label=_("Geofence radius (m)"), min_value=20, max_value=5000, initial=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput(), initial=_soon)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeLocalInput(), initial=_later)
    headcount = forms.IntegerField(label=_("People needed"), min_value=1, max_value=1000, initial=5)
    points = forms.IntegerField(label=_("Points per person"), min_value=1, max_value=100_000, initial=100)
    min_minutes = forms.IntegerField(label=_("Minimum minutes on site"), min_value=0, max_value=1440, initial=60)
    auto_approve = forms.BooleanField(label=_("Approve automatically"), required=False)
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    def __init__(self, *args: object, agencies: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(agency.id, agency.name) for agency in agencies]
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0].id
