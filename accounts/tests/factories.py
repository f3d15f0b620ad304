import factory
from allauth.account.models import EmailAddress

from accounts.models import Agency, AgencyKind, Grid, GridLevel, PickupPoint, User
from core.geo import box_ring


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-9")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):  # noqa: N805
        """allauth holds the address as verified (staff roles need it) unless email_verified=False."""
        if create and extracted is not False:
            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.POLICE_STATION


box = box_ring  # kept for the tests that import it from here


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    name = factory.Sequence(lambda n: f"Grid {n}")
    code = factory.Sequence(lambda n: f"grid-{n}")
    level = GridLevel.COMMUNITY
    boundary = factory.LazyFunction(lambda: box(26.0, 119.2, 26.2, 119.4))


class PickupPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PickupPoint

    name = factory.Sequence(lambda n: f"Pickup {n}")
    address = "1 Test Road"
    lat = 26.08
    lon = 119.30
