"""What services accept: pydantic inputs that check every field at the boundary."""

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from deskterm.domain.core.text import BODY_MAX, TITLE_MAX, single_line
from deskterm.domain.core.vocabulary import (
    Channel,
    Criticality,
    Level,
    LifecycleStatus,
    PendingReason,
    ResolutionCode,
    TicketKind,
    TicketStatus,
)
from deskterm.services.core.errors import InvalidInput


def _title(value: str) -> str:
    value = single_line(value)
    if not value:
        raise ValueError("a title is required: say in a few words what is wrong")
    if len(value) > TITLE_MAX:
        raise ValueError(f"a title is at most {TITLE_MAX} characters (this one has {len(value)})")
    return value


def _name(value: str) -> str:
    value = single_line(value)
    if not value:
        raise ValueError("a name is required")
    if len(value) > 120:
        raise ValueError(f"a name is at most 120 characters (this one has {len(value)})")
    return value


def _body(value: str) -> str:
    if len(value) > BODY_MAX:
        raise ValueError(f"the text is at most {BODY_MAX} characters (this one has {len(value)})")
    return value.strip("\n")


def _text(value: str) -> str:
    value = _body(value)
    if not value.strip():
        raise ValueError("some text is required")
    return value


Title = Annotated[str, AfterValidator(_title)]
Text = Annotated[str, AfterValidator(_text)]
Name = Annotated[str, AfterValidator(_name)]
Body = Annotated[str, AfterValidator(_body)]
OptionalName = Annotated[str, AfterValidator(_name)] | None


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True)


class LogIncident(Command):
    """Log a call: an incident, or a service request with ``kind=request``."""

    title: Title
    caller: Name
    impact: Level
    urgency: Level
    kind: TicketKind = TicketKind.INCIDENT
    channel: Channel = Channel.PHONE
    description: Body = ""
    category: OptionalName = None
    service: OptionalName = None
    ci: OptionalName = None
    group: OptionalName = None


class UpdateTicket(Command):
    """Change fields of a ticket; only fields given are touched.

    ``expected_version`` is the version the agent saw; a newer ticket is a conflict.
    ``assignee=""`` unassigns.
    """

    ref: str
    expected_version: int | None = Field(default=None, ge=1)
    status: TicketStatus | None = None
    reason: PendingReason | None = None
    assignee: str | None = None
    group: OptionalName = None
    impact: Level | None = None
    urgency: Level | None = None
    resolution_code: ResolutionCode | None = None
    resolution: Body | None = None
    title: Title | None = None
    description: Body | None = None
    category: str | None = None
    service: OptionalName = None
    ci: OptionalName = None
    major: bool | None = None
    workaround: Body | None = None
    parent: str | None = None

    @model_validator(mode="after")
    def _paired(self) -> "UpdateTicket":
        if self.reason is not None and self.status is None:
            raise ValueError("a pending reason goes with --status pending")
        has_resolution = self.resolution_code is not None or self.resolution is not None
        if has_resolution and self.status is not TicketStatus.RESOLVED:
            raise ValueError("resolving needs --status resolved with a resolution code and text")
        return self


class AddNote(Command):
    ref: str
    body: Text
    public: bool = False
    channel: Channel | None = None
    minutes: int = Field(default=0, ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _not_empty(self) -> "AddNote":
        if self.channel is not None and not self.public:
            raise ValueError("a channel goes with a public update (--public)")
        return self


class AddContact(Command):
    name: Name
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40)
    organisation: OptionalName = None
    vip: bool = False


class AddService(Command):
    name: Name
    owner: str | None = None
    support_group: OptionalName = None
    criticality: Criticality = Criticality.MEDIUM
    lifecycle_status: LifecycleStatus = LifecycleStatus.OPERATIONAL
    business_description: Body | None = None
    technical_description: Body | None = None


class AddCI(Command):
    name: Name
    ci_type: Name
    services: list[Name] = []
    owner_group: OptionalName = None


C = TypeVar("C", bound=Command)


def validate(cls: type[C], **data: Any) -> C:
    """Build a command; the first problem becomes one InvalidInput sentence naming the field."""
    try:
        return cls(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if where:
            raise InvalidInput(f"{where.replace('_', ' ')}: {msg}", field=where) from None
        raise InvalidInput(msg) from None
