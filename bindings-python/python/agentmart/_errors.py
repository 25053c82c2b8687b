"""Exceptions raised by agentmart: one class per core error code.

Every exception derives from :class:`AgentmartError` and carries ``.code``,
the core's stable snake_case code (the same string as in the HTTP API).
The code → class mapping lives in ``_BY_CODE`` below, and nowhere else.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Type

from ._types import FieldError

__all__ = [
    "AgentmartError",
    "MalformedRequest",
    "ValidationError",
    "Unauthenticated",
    "InvalidCredentials",
    "TokenExpired",
    "TokenInvalid",
    "TokenReused",
    "Forbidden",
    "ModerationLocked",
    "NotFound",
    "Conflict",
    "EmailTaken",
    "HandleTaken",
    "SlugTaken",
    "VersionExists",
    "PayloadTooLarge",
    "RateLimited",
    "InternalError",
    "Unavailable",
]


class AgentmartError(Exception):
    """Base class of every agentmart error.

    Attributes:
        code: the core's error code, e.g. ``"token_reused"``.
        message: a human-readable explanation (English, no internals).
        errors: the failing fields (only :class:`ValidationError` has any).
        retry_after: seconds to wait (only :class:`RateLimited` has one).
    """

    code: str = "internal"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        errors: Optional[List[FieldError]] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.errors: List[FieldError] = list(errors or [])
        self.retry_after: Optional[float] = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class MalformedRequest(AgentmartError):
    """Unparsable input: a bad id, an unknown enum value, a bad cursor."""

    code = "malformed_request"


class ValidationError(AgentmartError):
    """One or more fields break a rule; see ``.errors`` (field, code, message)."""

    code = "validation_failed"


class Unauthenticated(AgentmartError):
    """No usable credentials. Base of the other authentication failures."""

    code = "unauthenticated"


class InvalidCredentials(Unauthenticated):
    """Wrong email or password (the same answer for both)."""

    code = "invalid_credentials"


class TokenExpired(Unauthenticated):
    """An access or one-time token past its life."""

    code = "token_expired"


class TokenInvalid(Unauthenticated):
    """A bad signature, wrong audience, or an ended session."""

    code = "token_invalid"


class TokenReused(Unauthenticated):
    """A rotated refresh token came back; the whole session was revoked."""

    code = "token_reused"


class Forbidden(AgentmartError):
    """Authenticated but not allowed."""

    code = "forbidden"


class ModerationLocked(Forbidden):
    """An administrator moderated the agent; only an administrator can change its status."""

    code = "moderation_locked"


class NotFound(AgentmartError):
    """Absent, or not visible to this caller."""

    code = "not_found"


class Conflict(AgentmartError):
    """The current state does not allow the operation. Base of the *taken* errors."""

    code = "conflict"


class EmailTaken(Conflict):
    """The email is already registered."""

    code = "email_taken"


class HandleTaken(Conflict):
    """The handle is already taken."""

    code = "handle_taken"


class SlugTaken(Conflict):
    """The owner already has an agent with this slug."""

    code = "slug_taken"


class VersionExists(Conflict):
    """This version was already published."""

    code = "version_exists"


class PayloadTooLarge(AgentmartError):
    """A body over the limit (raised by adapters)."""

    code = "payload_too_large"


class RateLimited(AgentmartError):
    """Too many attempts; wait ``.retry_after`` seconds."""

    code = "rate_limited"


class InternalError(AgentmartError):
    """Anything unexpected (including a panic inside the Rust core)."""

    code = "internal"


class Unavailable(AgentmartError):
    """Storage down, or the handle was closed; retryable for the former."""

    code = "unavailable"


_BY_CODE: Dict[str, Type[AgentmartError]] = {
    cls.code: cls
    for cls in (
        MalformedRequest,
        ValidationError,
        Unauthenticated,
        InvalidCredentials,
        TokenExpired,
        TokenInvalid,
        TokenReused,
        Forbidden,
        ModerationLocked,
        NotFound,
        Conflict,
        EmailTaken,
        HandleTaken,
        SlugTaken,
        VersionExists,
        PayloadTooLarge,
        RateLimited,
        InternalError,
        Unavailable,
    )
}


def _from_core(
    code: str, message: str, errors: List[Dict[str, str]], retry_after: Optional[float]
) -> AgentmartError:
    """Builds the exception for a core error (called from Rust)."""
    cls = _BY_CODE.get(code, AgentmartError)
    return cls(
        message,
        code=code,
        errors=[FieldError(e) for e in errors],
        retry_after=retry_after,
    )
