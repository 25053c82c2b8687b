# Type stubs of the compiled module agentmart._native (bindings-python/src).
# tests/test_stubs.py checks them against the compiled module: every class,
# method, property and parameter here exists there, and vice versa.
# After editing, regenerate aio.pyi: python scripts/gen_aio_stub.py

import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from ._types import AgentStatus as AgentStatus
from ._types import CatalogSort as CatalogSort
from ._types import ReviewSort as ReviewSort
from ._types import RoleName as RoleName
from ._types import (
    Agent,
    AgentCard,
    AgentDetail,
    AgentDraft,
    AgentListItem,
    AgentVersion,
    AgentVersionView,
    AuditRecord,
    DailyUsage,
    InstalledAgent,
    InstallResult,
    Message,
    MyAgent,
    Page,
    Preview,
    Profile,
    Registered,
    Review,
    SessionInfo,
    TokenPair,
    UsageEvent,
)

__version__: str

DateLike = Union[datetime.date, str]
DateTimeLike = Union[datetime.datetime, str]

def supported_store_schemes() -> List[str]: ...

class Principal:
    @property
    def user_id(self) -> str: ...
    @property
    def session_id(self) -> Optional[str]: ...
    @property
    def role(self) -> str: ...
    @property
    def is_admin(self) -> bool: ...

class Agentmart:
    @staticmethod
    def open(
        store_url: str,
        *,
        jwt_secret: Union[str, bytes, None] = None,
        config: Optional[Mapping[str, Any]] = None,
        notifier: Optional[Callable[[Message], object]] = None,
    ) -> Agentmart: ...
    @property
    def auth(self) -> Auth: ...
    @property
    def agents(self) -> Agents: ...
    @property
    def market(self) -> Market: ...
    @property
    def admin(self) -> Admin: ...
    @property
    def backend(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def ping(self) -> None: ...
    def flush(self) -> None: ...
    def sweep(self, batch: int = 1000) -> Dict[str, int]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Agentmart: ...
    def __exit__(self, *_args: object) -> bool: ...

class Auth:
    def register(
        self,
        email: str,
        password: str,
        *,
        handle: Optional[str] = None,
        display_name: Optional[str] = None,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
        client_key: Optional[str] = None,
    ) -> Registered: ...
    def login(
        self,
        email: str,
        password: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
        client_key: Optional[str] = None,
    ) -> TokenPair:
        """Starts a session. Pass ``ip`` or ``client_key`` (login throttling keys
        clients by them): without either, raises ``ValidationError`` (code
        ``validation_failed``, field ``client``, code ``required``)."""
    def refresh(
        self,
        refresh_token: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
        client_key: Optional[str] = None,
    ) -> TokenPair:
        """Rotates a refresh token. Pass ``ip`` or ``client_key``: without
        either, raises ``ValidationError`` (field ``client``, code ``required``)."""
    def authenticate(self, access_token: str) -> Principal: ...
    def logout(self, principal: Principal) -> None: ...
    def logout_all(self, principal: Principal) -> None: ...
    def sessions(self, principal: Principal) -> List[SessionInfo]: ...
    def revoke_session(self, principal: Principal, session_id: str) -> None: ...
    def change_password(self, principal: Principal, current_password: str, new_password: str) -> None: ...
    def profile(self, principal: Principal) -> Profile: ...
    def update_profile(
        self,
        principal: Principal,
        **changes: Optional[str],
    ) -> Profile: ...
    def delete_account(self, principal: Principal, password: str) -> None: ...
    def request_password_reset(
        self,
        email: str,
        *,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
        client_key: Optional[str] = None,
    ) -> None:
        """Sends a password-reset message (nothing for unknown emails). Pass
        ``ip`` or ``client_key``: without either, raises ``ValidationError``
        (field ``client``, code ``required``)."""
    def reset_password(self, token: str, new_password: str) -> None: ...
    def request_email_verification(self, principal: Principal) -> None: ...
    def verify_email(self, token: str) -> None: ...
    def request_email_change(self, principal: Principal, new_email: str, password: str) -> None: ...
    def confirm_email_change(self, token: str) -> None: ...
    def principal_for_external(
        self,
        external_id: str,
        *,
        handle: Optional[str] = None,
        display_name: Optional[str] = None,
        email: Optional[str] = None,
    ) -> Principal: ...
    def principal_for_user(self, user_id: str) -> Principal: ...
    def jwks(self) -> Dict[str, Any]: ...
    def my_audit(
        self, principal: Principal, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[AuditRecord]: ...

class Agents:
    def create(self, principal: Principal, slug: str, **definition: Any) -> AgentDraft: ...
    def my_agents(self, principal: Principal) -> List[MyAgent]: ...
    def draft(self, principal: Principal, agent: str) -> AgentDraft: ...
    def update_draft(self, principal: Principal, agent: str, **changes: Any) -> AgentDraft: ...
    def preview(self, principal: Principal, agent: str, *, input: Optional[str] = None) -> Preview: ...
    def publish(
        self, principal: Principal, agent: str, version: str, *, changelog: Optional[str] = None
    ) -> AgentVersionView: ...
    def versions(self, agent: str, *, viewer: Optional[Principal] = None) -> List[AgentVersionView]: ...
    def version(self, agent: str, version: str, *, viewer: Optional[Principal] = None) -> AgentVersionView: ...
    def card(
        self, agent: str, *, version: Optional[str] = None, viewer: Optional[Principal] = None
    ) -> AgentCard: ...
    def set_status(
        self, principal: Principal, agent: str, status: AgentStatus, *, status_message: Optional[str] = None
    ) -> MyAgent: ...
    def delete(self, principal: Principal, agent: str) -> None: ...
    def installed_definition(self, principal: Principal, agent: str) -> AgentVersion: ...

class Market:
    def list(
        self,
        *,
        viewer: Optional[Principal] = None,
        q: Optional[str] = None,
        category: Optional[str] = None,
        tag: Optional[str] = None,
        input_mode: Optional[str] = None,
        output_mode: Optional[str] = None,
        owner: Optional[str] = None,
        sort: Optional[CatalogSort] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[AgentListItem]: ...
    def detail(self, agent: str, *, viewer: Optional[Principal] = None) -> AgentDetail: ...
    def install(self, principal: Principal, agent: str, *, version: Optional[str] = None) -> InstallResult: ...
    def uninstall(self, principal: Principal, agent: str) -> None: ...
    def uninstall_by_id(self, principal: Principal, agent_id: str) -> None: ...
    def my_installs(
        self, principal: Principal, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[InstalledAgent]: ...
    def rate(
        self,
        principal: Principal,
        agent: str,
        stars: int,
        *,
        title: Optional[str] = None,
        body: Optional[str] = None,
    ) -> Review: ...
    def delete_rating(self, principal: Principal, agent: str) -> None: ...
    def reviews(
        self,
        agent: str,
        *,
        sort: Optional[ReviewSort] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[Review]: ...
    def record_usage(
        self,
        principal: Principal,
        agent: str,
        *,
        event: Optional[str] = None,
        units: Optional[int] = None,
        occurred_at: Optional[DateTimeLike] = None,
    ) -> UsageEvent: ...
    def usage(
        self,
        principal: Principal,
        agent: str,
        *,
        from_date: Optional[DateLike] = None,
        to_date: Optional[DateLike] = None,
    ) -> List[DailyUsage]: ...

class Admin:
    def audit(
        self,
        principal: Principal,
        *,
        actor: Optional[str] = None,
        subject: Optional[str] = None,
        action: Optional[str] = None,
        target: Optional[str] = None,
        from_time: Optional[DateTimeLike] = None,
        to_time: Optional[DateTimeLike] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[AuditRecord]: ...
    def update_user(
        self,
        principal: Principal,
        user_id: str,
        *,
        disabled: Optional[bool] = None,
        role: Optional[RoleName] = None,
    ) -> Profile: ...
    def set_role_by_email(self, email: str, role: RoleName) -> Profile: ...
    def moderate_agent(
        self, principal: Principal, agent: str, status: AgentStatus, *, status_message: Optional[str] = None
    ) -> Agent: ...
    def delete_review(self, principal: Principal, review_id: str) -> None: ...
