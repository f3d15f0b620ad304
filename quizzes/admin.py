from django.contrib import admin

from quizzes.models import Attempt, Choice, Question, Quiz


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "tag", "agency", "multiple", "is_active")
    list_filter = ("agency", "tag", "is_active")
    inlines = [ChoiceInline]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "status", "question_count", "points", "passes_paid", "escrow_points")
    list_filter = ("status", "agency")
    # Escrow and status move only through quizzes.services (the ledger follows them).
    readonly_fields = ("status", "escrow_points", "passes_paid", "published_at", "closed_at")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("id", "quiz", "user", "score", "max_score", "passed", "points_awarded", "submitted_at")
    list_filter = ("quiz",)
    readonly_fields = [f.name for f in Attempt._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
