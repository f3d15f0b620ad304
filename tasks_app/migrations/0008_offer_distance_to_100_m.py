# Issue 13: staff see an on-call volunteer's distance to the nearest 100 m, never to the metre.
# New offers are kept rounded (services.dispatch.offer_distance_rounded); this rounds the old ones.

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Round


def round_offer_distances(apps, schema_editor):
    DispatchOffer = apps.get_model("tasks_app", "DispatchOffer")
    DispatchOffer.objects.update(distance_m=Round(F("distance_m") / 100.0) * 100.0)


class Migration(migrations.Migration):

    dependencies = [
        ("tasks_app", "0007_checkin_conflicts_and_claim_tally"),
    ]

    operations = [
        migrations.RunPython(round_offer_distances, migrations.RunPython.noop),
    ]
