"""Who owns a registry stream: the app's own id (``owner=``) or the registry's cookie."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

__all__ = ("OwnerCookie",)


@dataclass(frozen=True, slots=True)
class OwnerCookie:
    """Reads a request's owner and sets the cookie on the answer that created a new one."""

    name: str

    def owner(self, request: Request, owner: str | None) -> str | None:
        """``owner`` if the app gave one, else the cookie's value (None when absent)."""
        return owner if owner is not None else request.cookies.get(self.name)

    def owner_for(self, request: Request, owner: str | None) -> tuple[str, str | None]:
        """The owner of a new stream, and the cookie value to set when it is new."""
        known = self.owner(request, owner)
        if known:
            return known, None
        new = secrets.token_urlsafe(18)
        return new, new

    def html(self, html: str, request: Request, new_owner: str | None) -> Response:
        """``html`` as a 200 answer that also sets the cookie of a new owner."""
        response = HTMLResponse(html)
        if new_owner is not None:
            secure = request.url.scheme == "https"
            response.set_cookie(self.name, new_owner, httponly=True, samesite="lax", secure=secure)
        return response
