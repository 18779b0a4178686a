"""API tokens: who is calling, and whether they may change data.

Tokens come from `EPROF_API_TOKENS` as `name:token[:read]`, comma-separated. The name is what
the audit log records; the token itself is compared in constant time (on sha256 digests, so
neither its content nor its length leaks through timing) and never stored, logged or echoed.
A `read` token may read; any other may also upload, profile and submit batches.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Literal

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from eprof.kernel.contract import Contract
from eprof.kernel.errors import ConfigError

Scope = Literal["read", "write"]
OPEN_PRINCIPAL = "open-loopback"
"""Who the audit log names when the service runs without tokens (allowed on loopback only)."""
MIN_TOKEN_CHARS = 16

bearer = HTTPBearer(auto_error=False, description="an API token from EPROF_API_TOKENS")


class Principal(Contract):
    name: str
    scope: Scope


class ApiToken(Contract):
    principal: Principal
    digest: bytes


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def parse_tokens(value: SecretStr | None) -> list[ApiToken]:
    """Tokens from the setting; a malformed entry is named by position, never by its content."""
    if value is None or not value.get_secret_value().strip():
        return []
    tokens: list[ApiToken] = []
    for position, entry in enumerate(value.get_secret_value().split(","), start=1):
        parts = entry.strip().split(":")
        if len(parts) not in (2, 3) or not parts[0] or (len(parts) == 3 and parts[2] not in ("read", "write")):
            raise ConfigError(f"EPROF_API_TOKENS entry {position}: expected name:token or name:token:read")
        if len(parts[1]) < MIN_TOKEN_CHARS:
            raise ConfigError(f"EPROF_API_TOKENS entry {position} ({parts[0]}): token shorter than {MIN_TOKEN_CHARS} characters")
        scope: Scope = "read" if len(parts) == 3 and parts[2] == "read" else "write"
        tokens.append(ApiToken(principal=Principal(name=parts[0], scope=scope), digest=_digest(parts[1])))
    names = [t.principal.name for t in tokens]
    if len(set(names)) != len(names):
        raise ConfigError("EPROF_API_TOKENS: token names must be unique (the audit log identifies callers by name)")
    return tokens


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, tokens: list[ApiToken]) -> None:
    """An open service (no tokens) is refused anywhere but loopback."""
    if not tokens and not is_loopback(host):
        raise ConfigError(f"refusing to serve on {host} without API tokens; set EPROF_API_TOKENS (name:token,...) or use 127.0.0.1")


class Authenticator:
    def __init__(self, tokens: list[ApiToken]):
        self.tokens = tokens

    @property
    def open(self) -> bool:
        return not self.tokens

    def identify(self, token: str) -> Principal | None:
        """Every configured token is compared, so timing does not tell which one nearly matched."""
        digest = _digest(token)
        found = None
        for candidate in self.tokens:
            if hmac.compare_digest(candidate.digest, digest):
                found = candidate.principal
        return found


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    auth: Authenticator = request.app.state.service.auth
    if auth.open:
        principal = Principal(name=OPEN_PRINCIPAL, scope="write")
    else:
        principal = auth.identify(credentials.credentials) if credentials else None
        if principal is None:
            message = "invalid API token" if credentials else "missing API token: send Authorization: Bearer <token>"
            raise HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
    request.state.principal = principal.name
    return principal


async def reader(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    return _authenticate(request, credentials)


async def writer(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    principal = _authenticate(request, credentials)
    if principal.scope != "write":
        raise HTTPException(403, f"token {principal.name!r} is read-only; this request changes data")
    return principal
