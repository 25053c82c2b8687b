"""Typed result records.

How results are made (and why it stays maintainable): the Rust layer
serialises every core result with serde — the exact snake_case JSON of the
HTTP API — converts it to plain dicts and lists, and calls :func:`_build`
with the name of the record class. A record keeps that JSON (``to_dict()``
returns a deep copy, ready for ``json.dumps``) and exposes each field as an
attribute, converted to Python types on first access (then cached):

* fields annotated with another record class (or ``List[...]``/``Optional[...]``
  of one) become those records;
* timestamps (fields named ``at`` or ``*_at``) become aware ``datetime``
  objects; dates listed in ``_dates`` become ``date`` objects;
* everything else (ids, enums, versions as strings, JSON schemas as dicts)
  stays as in the JSON.

Attribute names are the JSON keys, except in the A2A card's records, whose
JSON is camelCase (``_camel = True``): ``card.protocol_version`` reads the
key ``protocolVersion``.

The annotations below are the single description of every record: they
drive the conversion and are what type checkers read. ``tests/test_schema.py``
checks them against the core's JSON Schema (``tests/core_schema.json``):
every field, its type and whether it may be ``None``.
"""

from __future__ import annotations

import copy
import re
import datetime as _dt
from datetime import datetime
from typing import Any, ClassVar, Dict, Generic, List, Literal, Mapping, Optional, Tuple, TypeVar

# The core's enumerations (tests/test_schema.py checks their values against it).
#: Catalog order of ``Market.list`` (``"relevance"`` needs a search query ``q``).
CatalogSort = Literal["popular", "rating", "newest", "trending", "name", "relevance"]
#: Review order of ``Market.reviews``.
ReviewSort = Literal["newest", "stars"]
#: An agent's lifecycle status.
AgentStatus = Literal["draft", "listed", "unlisted", "deprecated", "deleted"]
#: A user's role.
RoleName = Literal["user", "admin"]

__all__ = [
    "CatalogSort",
    "ReviewSort",
    "AgentStatus",
    "RoleName",
    "Record",
    "Page",
    "FieldError",
    "TokenPair",
    "Profile",
    "Registered",
    "SessionInfo",
    "AuditRecord",
    "Message",
    "Skill",
    "ModelSettings",
    "AgentDefinition",
    "AgentDraft",
    "ModerationLock",
    "MyAgent",
    "AgentVersionView",
    "AgentVersion",
    "AgentProvider",
    "AgentCapabilities",
    "AgentSkill",
    "AgentCard",
    "ChatMessage",
    "ChatRequest",
    "ChatResponse",
    "Preview",
    "RatingSummary",
    "RatingDetail",
    "AgentListItem",
    "ReviewAuthor",
    "Review",
    "AgentDetail",
    "InstalledAgent",
    "InstallResult",
    "UsageEvent",
    "DailyUsage",
    "Agent",
]

_REGISTRY: Dict[str, type] = {}
_SECRET = re.compile(r"token|password|secret")
_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")
_WRAPPER = re.compile(r"^(?:Optional|List|typing\.Optional|typing\.List|list)\[(.*)\]$")


def _parse_datetime(text: str) -> Any:
    """RFC 3339 → aware datetime (works on Python 3.9's strict fromisoformat)."""
    m = _TS.match(text)
    if not m:
        return text
    base, frac, tz = m.groups()
    frac = ((frac or "") + "000000")[:6]
    tz = "+00:00" if tz in (None, "Z") else tz
    return datetime.fromisoformat(f"{base}.{frac}{tz}")


def _target(annotation: str) -> Tuple[Optional[str], bool]:
    """(record class name, is_list) named by an annotation string, if any."""
    ann = annotation.replace(" ", "")
    if ann.endswith("|None"):
        ann = ann[: -len("|None")]
    is_list = False
    while True:
        m = _WRAPPER.match(ann)
        if not m:
            break
        if ann.startswith(("List", "typing.List", "list")):
            is_list = True
        ann = m.group(1)
    return ann, is_list


_PLANS: Dict[type, Dict[str, Optional[Tuple[type, bool]]]] = {}


def _camel_key(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _plan(cls: type) -> Dict[str, Optional[Tuple[type, bool]]]:
    """Per class, once: every annotated field → (record class, is_list) or None."""
    plan = _PLANS.get(cls)
    if plan is None:
        fields: Dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            own = klass.__dict__.get("__annotations__", {})
            fields.update({k: str(v) for k, v in own.items() if not k.startswith("_")})
        plan = {}
        for name, annotation in fields.items():
            target, is_list = _target(annotation)
            record_cls = _REGISTRY.get(target or "")
            plan[name] = (record_cls, is_list) if record_cls is not None else None
        _PLANS[cls] = plan
    return plan


class Record:
    """A result from agentmart: read fields as attributes; ``to_dict()`` gives the JSON form.

    Records are immutable and compare equal when their type and data are equal.
    """

    __slots__ = ("_data", "_values")
    _dates: ClassVar[Tuple[str, ...]] = ()
    # True when the JSON keys are the camelCase forms of the attribute names.
    _camel: ClassVar[bool] = False

    @classmethod
    def _json_key(cls, name: str) -> str:
        """The JSON key of the attribute ``name``."""
        return _camel_key(name) if cls._camel else name

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def __init__(self, data: Mapping[str, Any]) -> None:
        # Cheap: fields are converted on first access, then cached.
        object.__setattr__(self, "_data", data if type(data) is dict else dict(data))
        object.__setattr__(self, "_values", {})

    def __getattr__(self, name: str) -> Any:
        values: Dict[str, Any] = object.__getattribute__(self, "_values")
        try:
            return values[name]
        except KeyError:
            pass
        data: Dict[str, Any] = object.__getattribute__(self, "_data")
        plan = _plan(type(self))
        key = self._json_key(name)
        if key in data:
            value = self._convert(name, data[key], plan.get(name))
        elif name in plan:
            value = None  # an optional field the core left out
        else:
            raise AttributeError(f"{type(self).__name__!s} has no field {name!r}")
        values[name] = value
        return value

    def _convert(self, name: str, value: Any, nested: Optional[Tuple[type, bool]]) -> Any:
        if value is None:
            return None
        if nested is not None:
            cls, is_list = nested
            if is_list and isinstance(value, list):
                return [cls(v) if isinstance(v, dict) else v for v in value]
            if isinstance(value, dict):
                return cls(value)
            return value
        if isinstance(value, str):
            if name == "at" or name.endswith("_at"):
                return _parse_datetime(value)
            if name in self._dates:
                try:
                    return _dt.date.fromisoformat(value)
                except ValueError:
                    return value
        return value

    def _fields(self) -> List[str]:
        plan = _plan(type(self))
        keys = {self._json_key(name) for name in plan}
        return list(plan) + [k for k in self._data if k not in keys]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} records are read-only")

    def __getitem__(self, name: str) -> Any:
        """``record["field"]`` is ``record.field`` (handy for error lists)."""
        return self.__getattr__(name)

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self._fields()))

    def to_dict(self) -> Dict[str, Any]:
        """The record as JSON-compatible data: the same shape as the HTTP API."""
        return copy.deepcopy(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and type(other) is type(self) and other._data == self._data

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(sorted(self._data))))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={'<redacted>' if _SECRET.search(k) and isinstance(v, str) else repr(v)}"
            for k, v in ((k, getattr(self, k)) for k in self._fields())
        )
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> Any:
        return (type(self), (self._data,))


T = TypeVar("T")


class Page(Generic[T]):
    """One page of a list: ``items`` and the ``next_cursor`` to pass back (``None`` at the end)."""

    __slots__ = ("items", "next_cursor", "_data")

    def __init__(self, items: List[T], next_cursor: Optional[str], data: Dict[str, Any]) -> None:
        self.items = items
        self.next_cursor = next_cursor
        self._data = data

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def to_dict(self) -> Dict[str, Any]:
        """``{"items": [...], "next_cursor": ...}`` in the HTTP API's JSON form."""
        return copy.deepcopy(self._data)

    def __repr__(self) -> str:
        return f"Page(items={self.items!r}, next_cursor={self.next_cursor!r})"


def _build(kind: str, data: Any) -> Any:
    """Wraps core JSON in records (called from Rust): ``Name``, ``list:Name`` or ``page:Name``."""
    if kind.startswith("list:"):
        cls = _REGISTRY[kind[5:]]
        return [cls(item) for item in data]
    if kind.startswith("page:"):
        cls = _REGISTRY[kind[5:]]
        return Page([cls(item) for item in data["items"]], data.get("next_cursor"), data)
    return _REGISTRY[kind](data)


class FieldError(Record):
    """One failing field of a validation error (or a publish warning)."""

    field: str
    code: str
    message: str


class TokenPair(Record):
    """Tokens of a session. ``expires_in`` is the access token's life in seconds."""

    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str


class Profile(Record):
    """A user's public profile (``role`` is ``"user"`` or ``"admin"``)."""

    id: str
    email: Optional[str]
    email_verified: bool
    handle: str
    display_name: Optional[str]
    bio: Optional[str]
    avatar_url: Optional[str]
    role: str
    created_at: datetime


class Registered(Record):
    """A new account and the tokens of its first session."""

    user: Profile
    tokens: TokenPair


class SessionInfo(Record):
    """An active session; ``current`` marks the caller's own."""

    id: str
    created_at: datetime
    last_used_at: datetime
    user_agent: Optional[str]
    ip: Optional[str]
    current: bool


class AuditRecord(Record):
    """One entry of the audit trail."""

    id: str
    at: datetime
    actor: Optional[str]
    subject: Optional[str]
    action: str
    target: Optional[str]
    ip: Optional[str]
    details: Any


class Message(Record):
    """A password-reset or verification message for the notifier (``kind``:
    ``password_reset`` or ``email_verification``)."""

    to: str
    kind: str
    token: str
    link: str
    created_at: datetime


class Skill(Record):
    """A skill an agent declares."""

    id: str
    name: str
    description: str
    tags: List[str]
    examples: List[str]


class ModelSettings(Record):
    """Which model an agent asks, and how."""

    name: str
    temperature: Optional[float]
    max_tokens: Optional[int]


class _AgentFields(Record):
    """The fields of a definition that every view of it shares (not a result itself)."""

    name: str
    tagline: str
    description: str
    skills: List[Skill]
    input_modes: List[str]
    output_modes: List[str]
    input_schema: Optional[Dict[str, Any]]
    output_schema: Optional[Dict[str, Any]]
    conversation_starters: List[str]
    model: Optional[ModelSettings]
    category: Optional[str]
    tags: List[str]
    icon_url: Optional[str]
    documentation_url: Optional[str]


class AgentDefinition(_AgentFields):
    """What an agent is: the fields of a draft or a version."""

    system_prompt: str


class AgentDraft(AgentDefinition):
    """An agent's editable draft, with what still blocks publishing in ``warnings``."""

    id: str
    owner: str
    slug: str
    status: str
    status_message: Optional[str]
    latest_version: Optional[str]
    warnings: List[FieldError]
    created_at: datetime
    updated_at: datetime


class ModerationLock(Record):
    """An administrator's moderation of an agent: the owner cannot change its status."""

    locked_by_admin: bool
    at: datetime
    reason: Optional[str]


class MyAgent(Record):
    """One of the caller's agents."""

    id: str
    owner: str
    slug: str
    name: str
    status: str
    status_message: Optional[str]
    moderation: Optional[ModerationLock]
    latest_version: Optional[str]
    created_at: datetime
    updated_at: datetime


class AgentVersionView(_AgentFields):
    """A published version as others see it (``system_prompt`` only for owner and admins)."""

    system_prompt: Optional[str]
    agent_id: str
    owner: str
    slug: str
    version: str
    changelog: Optional[str]
    published_at: datetime


class AgentVersion(Record):
    """A published version with its full definition (for installers)."""

    agent_id: str
    version: str
    definition: AgentDefinition
    changelog: Optional[str]
    published_at: datetime
    published_by: str


class AgentProvider(Record):
    """The A2A card's provider."""

    organization: str
    url: str


class AgentCapabilities(Record):
    """The A2A card's capabilities."""

    _camel = True

    streaming: bool
    push_notifications: bool


class AgentSkill(Record):
    """A skill in A2A form."""

    _camel = True

    id: str
    name: str
    description: str
    tags: List[str]
    examples: Optional[List[str]]  # left out of the card (None) when the skill has none
    input_modes: Optional[List[str]]
    output_modes: Optional[List[str]]


class AgentCard(Record):
    """An A2A agent card (``to_dict()`` is the card's JSON)."""

    _camel = True

    name: str
    description: str
    url: str
    version: str
    protocol_version: str
    provider: AgentProvider
    capabilities: AgentCapabilities
    default_input_modes: List[str]
    default_output_modes: List[str]
    skills: List[AgentSkill]
    documentation_url: Optional[str]
    icon_url: Optional[str]


class ChatMessage(Record):
    """One message of a model request."""

    role: str
    content: str


class ChatRequest(Record):
    """The request a preview would send to a model."""

    model: str
    messages: List[ChatMessage]
    temperature: Optional[float]
    max_tokens: Optional[int]
    response_format: Optional[Dict[str, Any]]


class ChatResponse(Record):
    """A model's answer."""

    content: str
    model: Optional[str]


class Preview(Record):
    """What the draft would look like and send."""

    card: AgentCard
    chat_request: ChatRequest
    warnings: List[FieldError]
    model_response: Optional[ChatResponse]


class RatingSummary(Record):
    """Mean stars and number of ratings."""

    mean: float
    count: int


class RatingDetail(Record):
    """Mean, count and the 1–5 star histogram."""

    mean: float
    count: int
    histogram: List[int]


class AgentListItem(Record):
    """An agent in a catalog page."""

    id: str
    owner: str
    slug: str
    name: str
    tagline: str
    category: Optional[str]
    tags: List[str]
    input_modes: List[str]
    output_modes: List[str]
    latest_version: Optional[str]
    install_count: int
    rating: RatingSummary
    updated_at: datetime
    status: str
    status_message: Optional[str]


class ReviewAuthor(Record):
    """Who wrote a review."""

    handle: str
    display_name: Optional[str]


class Review(Record):
    """A rating with its optional review text."""

    id: str
    user: ReviewAuthor
    stars: int
    title: Optional[str]
    body: Optional[str]
    version: Optional[str]
    created_at: datetime
    updated_at: datetime


class AgentDetail(Record):
    """Everything the marketplace shows about one agent."""

    id: str
    owner: str
    slug: str
    name: str
    tagline: str
    description: str
    category: Optional[str]
    tags: List[str]
    skills: List[Skill]
    input_modes: List[str]
    output_modes: List[str]
    conversation_starters: List[str]
    icon_url: Optional[str]
    documentation_url: Optional[str]
    latest_version: Optional[str]
    install_count: int
    rating: RatingDetail
    usage_30d: int
    status: str
    status_message: Optional[str]
    created_at: datetime
    updated_at: datetime
    published_at: Optional[datetime]
    installed: Optional[bool]
    my_rating: Optional[Review]


class InstalledAgent(Record):
    """One of the caller's installs."""

    agent: AgentListItem
    pinned_version: Optional[str]
    installed_at: datetime
    updated_at: datetime
    deleted: bool


class InstallResult(Record):
    """``created`` is False when the agent was already installed."""

    created: bool
    install: InstalledAgent


class UsageEvent(Record):
    """A recorded usage event."""

    agent_id: str
    user_id: str
    event: str
    units: int
    occurred_at: datetime


class DailyUsage(Record):
    """Usage of one agent on one UTC day."""

    _dates = ("date",)

    date: _dt.date
    events: int
    units: int
    users: int


class Agent(Record):
    """An agent's stored state (from moderation)."""

    id: str
    owner_id: str
    slug: str
    status: str
    status_message: Optional[str]
    latest_version: Optional[str]
    created_at: datetime
    updated_at: datetime
    published_at: Optional[datetime]
    moderation: Optional[ModerationLock]
