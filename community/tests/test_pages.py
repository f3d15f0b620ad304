"""The community pages render for who may see them, in both languages, and the CSV export."""

from django.test import Client

from accounts.services import grid_membership_add
from community import selectors, services
from community.models import Membership


def _client(user, language="zh-hans"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_my_groups_and_the_group_page_for_a_member_in_chinese_and_english(town):
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    services.post_create(reader=reader, author=town.member, text="@officer 楼道有焦味", request=True)

    mine = _client(town.member).get("/groups/")
    page = _client(town.member).get(f"/groups/{town.group.id}/")
    english = _client(town.member, "en").get(f"/groups/{town.group.id}/")

    assert mine.status_code == 200
    assert "我的群组" in mine.content.decode()
    assert "楼道有焦味" in mine.content.decode()
    assert page.status_code == 200
    assert "便民服务" in page.content.decode()
    assert "Service directory" in english.content.decode()
    assert town.member.email not in page.content.decode()


def test_another_community_and_strangers_get_404_for_the_group_page(town):
    assert _client(town.other_member).get(f"/groups/{town.group.id}/").status_code == 404
    assert _client(town.other_staff).get(f"/groups/{town.group.id}/").status_code == 404
    assert Client().get(f"/groups/{town.group.id}/").status_code == 302  # to log in


def test_staff_pages_and_the_numbers_csv(town, make_user):
    reader = selectors.group_reader(user=town.member, group_id=town.group.id)
    services.post_create(reader=reader, author=town.member, text="Broken lamp", request=True)
    centre = make_user(display_name="Centre")
    grid_membership_add(user=centre, grid=town.district)

    inbox = _client(town.officer).get("/staff/groups/")
    roster = _client(town.duty).get("/staff/groups/roster/")
    broadcasts = _client(centre).get("/staff/groups/broadcasts/")
    numbers = _client(centre).get("/staff/groups/numbers/")
    moderation = _client(town.officer).get(f"/staff/groups/{town.group.id}/moderation/")
    csv = _client(centre, "en").get("/staff/groups/numbers.csv")

    assert [r.status_code for r in (inbox, roster, broadcasts, numbers, moderation)] == [200] * 5
    assert "Broken lamp" in inbox.content.decode()
    assert 'data-testid="cg-shift-form"' in roster.content.decode()
    assert "加入值班表" in roster.content.decode()
    assert _client(town.member).get("/staff/groups/numbers/").status_code == 403
    assert _client(town.member).get(f"/staff/groups/{town.group.id}/moderation/").status_code == 404
    lines = csv.content.decode("utf-8-sig").splitlines()
    header = "level,id,name,requests,responded,resolved,median_respond_minutes,median_resolve_minutes"
    assert lines[0] == f"{header},answered_24h_share,rated,satisfaction"
    assert lines[1] == f"group,{town.group.id},{town.east.name},1,0,0,,,0.0,0,"


def test_a_resident_in_no_group_joins_their_communitys_from_the_page(town, make_user):
    client = Client()
    resident = make_user(display_name="New Neighbour")
    client.force_login(resident)

    page = client.get("/groups/").content.decode()
    joined = client.post("/groups/join/", {"group": town.group.id})
    again = client.post("/groups/join/", {"group": town.other_group.id})

    assert 'data-testid="group-join-form"' in page
    assert (joined.status_code, joined["Location"]) == (302, f"/groups/{town.group.id}/")
    assert (again.status_code, again["Location"]) == (302, "/groups/")  # refused: one community group
    assert list(Membership.objects.filter(user=resident).values_list("group_id", flat=True)) == [town.group.id]
    assert 'data-testid="group-join-form"' not in client.get("/groups/").content.decode()
