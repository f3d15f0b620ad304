"""The issue's personas on every community endpoint: a member, a member of another community, the
officer, the station's duty staff, another station's staff, an anonymous visitor. Exact answers;
a refused call changes nothing."""

import pytest

from community import selectors, services
from community.models import Membership, Post, Reply, Request

PERSONAS = ("member", "other_member", "officer", "duty", "other_staff", "anonymous")
NF, UN, FB, OTHER = 404, 401, 403, 409

# endpoint → answer per persona, in PERSONAS order
MATRIX = {
    "read_posts": (200, NF, 200, 200, NF, UN),
    "post": (201, NF, 201, FB, NF, UN),
    "reply": (201, NF, 201, 201, NF, UN),
    "resolve": (NF, NF, 200, 200, NF, UN),
    "rate": (200, NF, NF, NF, NF, UN),
    "forward": (NF, NF, 201, 201, NF, UN),
    "join": (200, OTHER, 200, 200, 200, UN),  # a resident of another community's group
}


def _call(name: str, town, client, request: Request):
    group = town.group.id
    return {
        "read_posts": lambda: client.get(f"/groups/{group}/posts"),
        "post": lambda: client.post(f"/groups/{group}/posts", {"text": "hello"}),
        "reply": lambda: client.post(f"/posts/{request.post_id}/replies", {"text": "seen"}),
        "resolve": lambda: client.post(f"/requests/{request.id}/resolve", {"note": "done"}),
        "rate": lambda: client.post(f"/requests/{request.id}/rate", {"stars": 4}),
        "forward": lambda: client.post(f"/requests/{request.id}/forward"),
        "join": lambda: client.post(f"/groups/{group}/join"),
    }[name]()


def _state() -> tuple:
    return (
        Post.objects.count(),
        Reply.objects.count(),
        Membership.objects.count(),
        list(Request.objects.values_list("status", "stars", "tip_id")),
    )


@pytest.mark.parametrize(("endpoint", "persona"), [(e, p) for e in MATRIX for p in PERSONAS])
def test_each_persona_gets_exactly_its_answer(town, api_as, endpoint, persona):
    # given the member's open request (resolved first for rating)
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    post = services.post_create(reader=reader, author=town.member, text="@officer a stray dog", request=True)
    request = Request.objects.get(post=post)
    if endpoint == "rate":
        services.request_resolve(request=request, by=town.officer)
    before = _state()

    # when the persona calls the endpoint
    user = None if persona == "anonymous" else getattr(town, persona)
    response = _call(endpoint, town, api_as(user), request)

    # then the answer is the matrix's, and a refusal changed nothing
    expected = MATRIX[endpoint][PERSONAS.index(persona)]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert _state() == before
        assert (
            response.json()["code"]
            == {NF: "not_found", UN: "not_authenticated", FB: "forbidden", OTHER: "not_your_community"}[expected]
        )
