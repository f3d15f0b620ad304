"""Known places of the district, for address search without a geocoder (the agency's task form).

Each app registers where its named places are (PLACE_SOURCES, from its AppConfig.ready): grids
(their centre), safe houses, door plates. `known_places()` answers them as one plain list that a
page embeds, so the search works offline and sends nothing to an outside service.
"""

from collections.abc import Callable, Iterable
from typing import TypedDict


class Place(TypedDict):
    name: str
    kind: str  # what the place is, already in the reader's language
    lat: float
    lon: float


PLACE_SOURCES: list[Callable[[], Iterable[Place]]] = []
MAX_PLACES = 2000  # a page's worth: a district's grids, safe houses and door plates


def known_places() -> list[Place]:
    """Every registered place, named, at most MAX_PLACES, sorted by name."""
    places: list[Place] = []
    for source in PLACE_SOURCES:
        places.extend(source())
        if len(places) >= MAX_PLACES:
            break
    return sorted(places[:MAX_PLACES], key=lambda place: place["name"])
