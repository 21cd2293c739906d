"""HTTP for the remote stages: the client (urllib with basic and digest authentication), and every failure
turned into a one-line `RemoteError` that says what to check (store down, wrong URL, 401, timeout)."""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from typing import Literal as TypingLiteral

from ..core.errors import (
    AuthenticationFailed,
    BadRequest,
    EndpointNotFound,
    RemoteError,
    StoreError,
    StoreTimeout,
    StoreUnreachable,
    UsageError,
)
from ..core.version import __version__

USER_AGENT = f"ksst-kg/{__version__}"
AuthScheme = TypingLiteral["auto", "basic", "digest"]
AUTH_SCHEMES: tuple[str, ...] = ("auto", "basic", "digest")


def one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _body_of(exc: urllib.error.HTTPError) -> str:
    try:
        return one_line(exc.read().decode("utf-8", "replace"))
    except Exception:  # the body of an error is a courtesy; never fail on it
        return ""


def _host_port(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


PATH_HINT = "Oxigraph: /query, Fuseki: /DATASET/sparql, Virtuoso: /sparql, GraphDB: /repositories/ID"
PATH_HINTS = {
    "--endpoint": PATH_HINT,
    "--update-endpoint": "Oxigraph: /update, Fuseki: /DATASET/update, Virtuoso: /sparql-auth, "
                         "GraphDB: /repositories/ID/statements",
    "--store-endpoint": "Oxigraph: /store, Fuseki: /DATASET/data, Virtuoso: /sparql-graph-crud-auth, "
                        "GraphDB: /repositories/ID/rdf-graphs/service",
}


def http_error(exc: urllib.error.HTTPError, url: str, what: str, *, credentials: bool,
                option: str = "--endpoint") -> RemoteError:
    error = _http_error_message(exc, url, what, credentials=credentials, option=option)
    error.status = exc.code
    return error


def _http_error_message(exc: urllib.error.HTTPError, url: str, what: str, *, credentials: bool,
                        option: str) -> RemoteError:
    code = exc.code
    body = _body_of(exc)
    detail = f": {body}" if body else ""
    if code == 401:
        if credentials:
            return AuthenticationFailed(
                f"{url} refused the credentials (HTTP 401){detail}; check --user and --password, "
                f"and --auth (basic or digest)")
        return AuthenticationFailed(f"{url} needs credentials (HTTP 401); pass --user and --password")
    if code == 403:
        return AuthenticationFailed(
            f"{url} forbids the {what} (HTTP 403){detail}; check that the user has the right to it "
            f"(and that the store is not read-only)")
    if code == 404:
        return EndpointNotFound(f"{url} was not found (HTTP 404); check the path in {option} "
                                f"({PATH_HINTS.get(option, PATH_HINT)})")
    if code == 400:
        return BadRequest(f"{url} rejected the {what} (HTTP 400){detail}; check the {what}")
    if code in (408, 504):
        return StoreTimeout(f"{url} timed out on the {what} (HTTP {code}){detail}; check the store's load "
                            f"or raise --timeout")
    return StoreError(f"{url} answered HTTP {code} {exc.reason} to the {what}{detail}; check the store's log")


def network_error(exc: BaseException, url: str, timeout: float) -> RemoteError:
    """A failure below HTTP (refused, timed out, unknown host, reset) as a one-line message."""
    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError | socket.timeout):
        return StoreTimeout(f"{url} did not answer within {timeout:g} s; check that the store is up and "
                            f"not overloaded, or raise --timeout")
    if isinstance(reason, ConnectionRefusedError):
        return StoreUnreachable(f"cannot connect to {_host_port(url)} (connection refused); check that the "
                                f"store is running and the host and port in the URL")
    if isinstance(reason, socket.gaierror):
        return StoreUnreachable(f"cannot resolve the host of {url}; check the host name in the URL")
    if isinstance(reason, ConnectionError | http.client.HTTPException):
        return StoreUnreachable(f"{_host_port(url)} closed the connection ({type(reason).__name__}); check "
                                f"that the URL points at an HTTP SPARQL service (http:// or https://)")
    if isinstance(reason, OSError):
        text = reason.strerror or str(reason)
        return StoreUnreachable(f"cannot reach {url} ({one_line(text)}); check the URL and the network")
    return StoreUnreachable(f"cannot reach {url} ({one_line(str(reason))}); check the URL")


def check_url(url: str, option: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} {url!r} is not an http:// or https:// URL; check {option}")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise UsageError(f"{option} {url!r} has an invalid port; check {option}") from None


# ------------------------------------------------------------------------------------------ HTTP client


@dataclass(frozen=True)
class Credentials:
    """User and password for HTTP authentication, and how to send them.

    `auto` answers whichever challenge the store sends (basic or digest) and never sends the password
    unasked; `basic` sends it with every request (as GraphDB and Fuseki expect); `digest` answers
    digest challenges only (Virtuoso's `/sparql-auth` and `/sparql-graph-crud-auth`).
    """

    user: str
    password: str
    scheme: AuthScheme = "auto"


def credentials_for(user: str | None, password: str | None, scheme: str = "auto") -> Credentials | None:
    if user is None and password is None:
        return None
    if scheme not in AUTH_SCHEMES:
        raise UsageError(f"unknown authentication scheme {scheme!r}; use one of {', '.join(AUTH_SCHEMES)}")
    return Credentials(user or "", password or "", scheme)  # type: ignore[arg-type]


def _root(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def make_opener(credentials: Credentials | None, urls: Iterable[str]) -> urllib.request.OpenerDirector:
    """A urllib opener that authenticates with `credentials` against every host of `urls`."""
    handlers: list[urllib.request.BaseHandler] = []
    if credentials is not None:
        manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
        roots = sorted({_root(u) for u in urls})
        manager.add_password(None, roots, credentials.user, credentials.password,
                             is_authenticated=credentials.scheme == "basic")
        if credentials.scheme in ("auto", "digest"):
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        if credentials.scheme in ("auto", "basic"):
            handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
    opener = urllib.request.build_opener(*handlers)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    return opener


def send(opener: urllib.request.OpenerDirector, request: urllib.request.Request, *, timeout: float,
          what: str, credentials: bool, option: str) -> tuple[int, bytes, str]:
    """Send `request`; (status, body, content type), or a RemoteError naming what to check."""
    url = request.full_url.split("?", 1)[0]
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise http_error(exc, url, what, credentials=credentials, option=option) from None
    except ValueError as exc:  # urllib's auth handlers on a scheme they do not know
        raise AuthenticationFailed(f"{url} asks for authentication ksst cannot answer ({one_line(str(exc))}); "
                                   f"check --auth") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise network_error(exc, url, timeout) from None
