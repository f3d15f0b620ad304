# Place codes (issue 13): a code is a validated slug and belongs to one grid, the innermost grid
# containing its point. The data step re-derives that grid for every existing code, so codes made
# through the admin with a grid that does not contain their point belong where their tips go.

import django.core.validators
from django.db import migrations, models

from core.geo import point_in_ring, ring_area_deg2


def assign_innermost_grid(apps, schema_editor):
    PlaceCode = apps.get_model("tips", "PlaceCode")
    Grid = apps.get_model("accounts", "Grid")
    for place in PlaceCode.objects.all().iterator():
        candidates = Grid.objects.filter(
            min_lat__lte=place.lat, max_lat__gte=place.lat, min_lon__lte=place.lon, max_lon__gte=place.lon
        )
        inside = [grid for grid in candidates if point_in_ring(place.lat, place.lon, grid.boundary)]
        if not inside:
            continue  # outside every grid: it keeps the grid it has
        grid = max(inside, key=lambda g: (g.depth, -ring_area_deg2(g.boundary)))
        if grid.pk != place.grid_id:
            PlaceCode.objects.filter(pk=place.pk).update(grid=grid)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_user_session'),
        ('tips', '0005_reward_four_eyes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='placecode',
            name='code',
            field=models.SlugField(max_length=40, unique=True, validators=[django.core.validators.MinLengthValidator(3), django.core.validators.RegexValidator('^[a-z0-9]+(?:-[a-z0-9]+)*\\Z', 'Use lowercase letters, digits and single hyphens (school-gate-2).')], verbose_name='code'),
        ),
        migrations.RunPython(assign_innermost_grid, migrations.RunPython.noop),
    ]
