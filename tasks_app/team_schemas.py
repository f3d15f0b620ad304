"""ninja schemas of the teams API (docs/api.md "Teams")."""

from datetime import datetime

from ninja import Schema
from pydantic import Field


class TeamIn(Schema):
    agency_id: int | None = None
    name: str = Field(min_length=1, max_length=80, pattern=r"\S")
    description: str = Field("", max_length=2000)
    is_open: bool = True


class TeamAgencyOut(Schema):  # not AgencyRef: two apps' schemas of that name share one OpenAPI component
    id: int
    name: str


class TeamOut(Schema):
    id: int
    name: str
    description: str
    is_open: bool
    agency: TeamAgencyOut
    member_count: int = 0
    is_member: bool = False
    is_invited: bool = False


class TeamMemberOut(Schema):
    user_id: int
    display_name: str
    joined_at: datetime

    @staticmethod
    def resolve_display_name(obj: object) -> str:
        return obj.user.shown_name  # type: ignore[attr-defined]

    @staticmethod
    def resolve_joined_at(obj: object) -> datetime:
        return obj.created_at  # type: ignore[attr-defined]


class TeamDetailOut(TeamOut):
    members: list[TeamMemberOut] | None = None  # its agency's staff only


class TeamMembershipOut(Schema):
    team_id: int
    user_id: int
    joined_at: datetime

    @staticmethod
    def resolve_joined_at(obj: object) -> datetime:
        return obj.created_at  # type: ignore[attr-defined]


class TeamInvitationIn(Schema):
    user_id: int | None = None
    email: str | None = Field(None, max_length=254)


class TeamInvitationOut(Schema):
    id: int
    team_id: int
    team_name: str
    user_id: int
    status: str
    created_at: datetime

    @staticmethod
    def resolve_team_name(obj: object) -> str:
        return obj.team.name  # type: ignore[attr-defined]
