"""The staff's forms on /staff/quizzes/ (desktop): a question for the bank and a quiz."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Grid, PickupPoint
from rewards.models import Reward, RewardKind
from tasks_app.models import Team

CHOICES = 4  # the form's choice rows; the API takes 2 to 6


class QuestionForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int)
    tag = forms.CharField(label=_("Tag (the scam it teaches)"), max_length=60)
    text = forms.CharField(label=_("Question"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    text_en = forms.CharField(
        label=_("Question (English)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    multiple = forms.BooleanField(label=_("Multiple choice"), required=False)
    explanation = forms.CharField(label=_("Explanation"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    explanation_en = forms.CharField(
        label=_("Explanation (English)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(agency.pk, agency.name) for agency in agencies]
        for n in range(1, CHOICES + 1):
            self.fields[f"choice_{n}"] = forms.CharField(
                label=_("Choice %(n)d") % {"n": n}, max_length=300, required=n <= 2
            )
            self.fields[f"choice_{n}_en"] = forms.CharField(label=_("English"), max_length=300, required=False)
            self.fields[f"correct_{n}"] = forms.BooleanField(label=_("Right"), required=False)

    def choice_rows(self) -> list[tuple]:
        return [(self[f"choice_{n}"], self[f"choice_{n}_en"], self[f"correct_{n}"]) for n in range(1, CHOICES + 1)]

    def choices(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {"text": data[f"choice_{n}"], "text_en": data[f"choice_{n}_en"], "correct": data[f"correct_{n}"]}
            for n in range(1, CHOICES + 1)
            if data.get(f"choice_{n}")
        ]

    def fields_for_service(self) -> dict[str, Any]:
        names = ("tag", "text", "text_en", "multiple", "explanation", "explanation_en")
        return {name: self.cleaned_data[name] for name in names}


class QuizForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=120)
    title_en = forms.CharField(label=_("Title (English)"), max_length=120, required=False)
    tags = forms.MultipleChoiceField(label=_("Draw from the tags"), widget=forms.CheckboxSelectMultiple)
    question_count = forms.IntegerField(label=_("Questions per attempt"), min_value=1, max_value=50, initial=5)
    points_per_question = forms.IntegerField(label=_("Marks per question"), min_value=1, max_value=1000, initial=20)
    pass_score = forms.IntegerField(label=_("Pass score"), min_value=0, max_value=50_000, initial=60)
    time_limit_s = forms.IntegerField(label=_("Time limit (seconds)"), min_value=10, max_value=86_400, initial=300)
    points = forms.IntegerField(label=_("Points for a pass"), min_value=0, max_value=100_000, initial=20)
    paid_places = forms.IntegerField(label=_("Passes paid at most"), min_value=0, max_value=100_000, initial=100)
    max_attempts = forms.IntegerField(label=_("Attempts per citizen"), min_value=1, max_value=100, initial=3)
    grid = forms.ModelChoiceField(label=_("Only for this grid"), queryset=Grid.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Only for this team"), queryset=Team.objects.none(), required=False)
    prize_reward = forms.ModelChoiceField(
        label=_("Prize for full marks"), queryset=Reward.objects.none(), required=False
    )
    prize_pickup_point = forms.ModelChoiceField(
        label=_("Prize pickup point"), queryset=PickupPoint.objects.none(), required=False
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    def __init__(self, *args: Any, agencies: list[Agency], tags: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(agency.pk, agency.name) for agency in agencies]
        self.fields["tags"].choices = [(tag, tag) for tag in tags]
        self.fields["grid"].queryset = Grid.objects.order_by("depth", "name")
        self.fields["team"].queryset = Team.objects.filter(agency__in=agencies).order_by("name")
        self.fields["prize_reward"].queryset = Reward.objects.available().filter(kind=RewardKind.PHYSICAL)
        self.fields["prize_reward"].label_from_instance = lambda reward: reward.shown_name  # the page's language
        self.fields["prize_pickup_point"].queryset = PickupPoint.objects.filter(is_active=True)

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("title", "title_en", "tags", "question_count", "points_per_question", "pass_score")
        fields = {name: data[name] for name in names}
        fields.update({name: data[name] for name in ("time_limit_s", "points", "paid_places", "max_attempts")})
        for name in ("grid", "team", "prize_reward", "prize_pickup_point"):
            fields[f"{name}_id"] = data[name].pk if data.get(name) else None
        return fields
