"""HTTP for the remote stages: one `requests` session per store, with basic or digest authentication, retries
of what is safe to send again, and every failure turned into a one-line `RemoteError` that names its cause
(store down, wrong URL, 401, timeout, a connection the store closed while a body was being sent).

Digest authentication and large bodies: a client that sends a body before it knows the store's challenge
sends it twice (once to be refused with 401, once with the answer), and some stores (Virtuoso) close the
connection while the refused body is still arriving, which the client sees as a reset, not as a 401. So the
session first makes a cheap request (`warm`) and every later request carries the digest answer up front.
"""

from __future__ import annotations

import contextlib
import errno
import re
import socket
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from typing import Literal as TypingLiteral

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

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

#: Attempts of a request that is safe to send again (the first included), and the pause before each retry.
ATTEMPTS = 3
BACKOFF = (0.5, 2.0)


def one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _host_port(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB" if n >= 1e3 else f"{n} bytes"


PATH_HINT = "Oxigraph: /query, Fuseki: /DATASET/sparql, Virtuoso: /sparql, GraphDB: /repositories/ID"
PATH_HINTS = {
    "--endpoint": PATH_HINT,
    "--update-endpoint": "Oxigraph: /update, Fuseki: /DATASET/update, Virtuoso: /sparql-auth, "
                         "GraphDB: /repositories/ID/statements",
    "--store-endpoint": "Oxigraph: /store, Fuseki: /DATASET/data, Virtuoso: /sparql-graph-crud-auth, "
                        "GraphDB: /repositories/ID/rdf-graphs/service",
}

# ---------------------------------------------------------------------------------------- store messages

#: Virtuoso refuses a query whose estimated cost is above `MaxQueryCostEstimationTime` ([SPARQL] section of
#: virtuoso.ini) with SQL state 42000 and code SQ200 ("The estimated execution time ... exceeds the limit").
VIRTUOSO_COST = re.compile(r"estimated execution time .{0,80}exceeds the limit", re.IGNORECASE | re.DOTALL)
#: Virtuoso's answers to a request too large for it: SP030 "memory exhausted" (its SPARQL compiler), SP031 "... too
#: long" (the SQL it compiles to); the texts, as SP031 also names other compiler errors.
TOO_LARGE = re.compile(r"memory exhausted|too long|too large|exceeds? the maximum|has exceeded \d+ lines",
                       re.IGNORECASE)
#: A literal the store cannot keep as written (Virtuoso: SR553 "Literal of type xsd:duration can not be created").
LITERAL_REFUSED = re.compile(r"\bSR553\b|Literal of type \S+ can ?not be created", re.IGNORECASE)

COST_HINT = ("Virtuoso refused the query for its estimated cost: raise MaxQueryCostEstimationTime in the "
             "[SPARQL] section of virtuoso.ini (0 for no limit; Debian's default is 400) and restart Virtuoso")
#: Virtuoso's other limits that a load or a saved query meets, by the code of its message.
VIRTUOSO_HINTS = {
    "SR325": "the update was larger than Virtuoso's TransactionAfterImageLimit allows (it rolled it back): raise "
             "it in the [Parameters] section of virtuoso.ini (about 1,500,000,000 bytes for a million triples) "
             "and restart Virtuoso",
    "SR171": "Virtuoso stopped the query at its time limit: raise MaxQueryExecutionTime in the [SPARQL] section "
             "of virtuoso.ini (0 for no limit; Debian's default is 60), or --timeout",
}


def store_hint(body: str) -> str | None:
    """What to change in the store for an error answer whose text we recognise, or None."""
    if VIRTUOSO_COST.search(body):
        return COST_HINT
    return next((hint for code, hint in VIRTUOSO_HINTS.items() if re.search(rf"\b{code}\b", body)), None)


# ----------------------------------------------------------------------------------------- HTTP errors


def http_error(status: int, reason: str, body: str, url: str, what: str, *, credentials: bool,
               option: str = "--endpoint") -> RemoteError:
    error = _http_error_message(status, reason, one_line(body), url, what, credentials=credentials, option=option)
    error.status = status
    return error


def _http_error_message(code: int, reason: str, body: str, url: str, what: str, *, credentials: bool,
                        option: str) -> RemoteError:
    detail = f": {body}" if body else ""
    hint = store_hint(body)
    if hint:
        return StoreError(f"{url} answered HTTP {code} to the {what}{detail}; {hint}")
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
    if code == 413:
        return StoreError(f"{url} refused the {what} as too large (HTTP 413){detail}; raise the store's limit on "
                          f"request bodies")
    if code in (408, 504):
        return StoreTimeout(f"{url} timed out on the {what} (HTTP {code}){detail}; check the store's load "
                            f"or raise --timeout")
    return StoreError(f"{url} answered HTTP {code} {reason} to the {what}{detail}; check the store's log")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (requests → urllib3 → the socket error), outermost first."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [x for x in (getattr(e, "reason", None), e.__cause__, e.__context__, *e.args)
                 if isinstance(x, BaseException)]
    return seen


def network_error(exc: BaseException, url: str, timeout: float, *, sent: int = 0, attempts: int = 1,
                  credentials: bool = False) -> RemoteError:
    """A failure below HTTP (refused, timed out, unknown host, reset) as a one-line message naming its cause.

    `sent` is the size of the request body: a store that closes the connection while a large body arrives
    has a reason that is not the URL (a size limit, a restart, a proxy), and the message says so."""
    causes = _causes(exc)
    times = f" ({attempts} attempts)" if attempts > 1 else ""
    if any(isinstance(c, requests.Timeout | TimeoutError | socket.timeout) for c in causes):
        return StoreTimeout(f"{url} did not answer within {timeout:g} s; check that the store is up and "
                            f"not overloaded, or raise --timeout")
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return StoreUnreachable(f"cannot connect to {_host_port(url)} (connection refused){times}; check that "
                                f"the store is running and the host and port in the URL")
    if any(isinstance(c, socket.gaierror) for c in causes) or any(
            "NameResolution" in type(c).__name__ for c in causes):
        return StoreUnreachable(f"cannot resolve the host of {url}; check the host name in the URL")
    if any(isinstance(c, requests.exceptions.SSLError) for c in causes):
        return StoreUnreachable(f"the TLS handshake with {_host_port(url)} failed ({one_line(str(exc))}); check "
                                f"http:// or https:// in the URL and the store's certificate")
    closed = [c for c in causes if isinstance(c, ConnectionError) or (
        isinstance(c, OSError) and c.errno in (errno.EPIPE, errno.ECONNRESET, errno.ECONNABORTED))
        or type(c).__name__ in ("RemoteDisconnected", "ProtocolError", "BadStatusLine")]
    if closed:
        kind = type(next((c for c in causes if isinstance(c, OSError | ConnectionError)), closed[0])).__name__
        if sent >= 64_000:
            auth = ("; ksst authenticates before sending a body, so it is not the credentials" if credentials
                    else "")
            return StoreUnreachable(
                f"{_host_port(url)} closed the connection while a request of {size_text(sent)} was being sent "
                f"({kind}){times}; check the store's log and its limit on request size (a proxy's too){auth}")
        return StoreUnreachable(f"{_host_port(url)} closed the connection ({kind}){times}; check that the store "
                                f"is running, that it speaks HTTP at this URL (http:// or https://), and its log")
    reason = next((c for c in causes if isinstance(c, OSError)), exc)
    text = (reason.strerror if isinstance(reason, OSError) else None) or str(reason)
    return StoreUnreachable(f"cannot reach {url} ({one_line(text)}); check the URL and the network")


def check_url(url: str, option: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} {url!r} is not an http:// or https:// URL; check {option}")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise UsageError(f"{option} {url!r} has an invalid port; check {option}") from None


# ------------------------------------------------------------------------------------------ credentials


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


class AutoAuth(AuthBase):
    """Answers the first challenge with its own scheme (digest or basic), then sends that answer up front.

    Nothing is sent before the store asks; once it has asked, every request carries the answer (digest with
    the store's nonce, as `HTTPDigestAuth` does after its first 401), so no large body is refused for want of it.
    """

    def __init__(self, user: str, password: str) -> None:
        self.digest = HTTPDigestAuth(user, password)
        self.basic = HTTPBasicAuth(user, password)
        self.chosen: AuthBase | None = None

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.chosen is not None:
            return self.chosen(r)
        r.register_hook("response", self.handle_401)
        return r

    def handle_401(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        if r.status_code != 401:
            return r
        challenge = r.headers.get("www-authenticate", "").lower()
        if challenge.startswith("digest") or (", digest" in challenge):
            self.chosen = self.digest
            self.digest.init_per_thread_state()
            self.digest._thread_local.num_401_calls = 1
            self.digest._thread_local.pos = None
            return self.digest.handle_401(r, **kwargs)
        if "basic" in challenge:
            self.chosen = self.basic
            r.content  # noqa: B018  (read, so the connection can be used again)
            r.close()
            again = r.request.copy()
            self.basic(again)
            answer: requests.Response = r.connection.send(again, **kwargs)
            answer.history.append(r)
            answer.request = again
            return answer
        return r


def _auth(credentials: Credentials | None) -> AuthBase | None:
    if credentials is None:
        return None
    if credentials.scheme == "basic":
        return HTTPBasicAuth(credentials.user, credentials.password)
    if credentials.scheme == "digest":
        return HTTPDigestAuth(credentials.user, credentials.password)
    return AutoAuth(credentials.user, credentials.password)


# ------------------------------------------------------------------------------------------ HTTP client

Body = bytes | list[tuple[str, str]] | dict[str, str] | None


class Http:
    """One store's HTTP session: credentials, timeout, retries; answers or one-line `RemoteError`s.

    `warm` is a cheap request made before the first request with a body (and again before a retry), so that
    an authenticated store's challenge is known and large bodies go out with their credentials."""

    def __init__(self, credentials: Credentials | None = None, *, timeout: float = 60.0,
                 attempts: int = ATTEMPTS, pause: Callable[[float], None] = time.sleep) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.pause = pause
        self.session = requests.Session()
        self.session.auth = _auth(credentials)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.trust_env = False  # no proxy or .netrc credentials picked up from the environment
        self.warm: Callable[[], None] | None = None
        self.warmed = False
        self.server = ""  # the Server header of the last answer (which store this is)

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, url: str, *, data: Body = None, params: Sequence[tuple[str, str]] = (),
                headers: Mapping[str, str] | None = None, what: str, option: str = "--endpoint",
                retry: bool = True, ok: Sequence[int] = ()) -> requests.Response:
        """Send; the answer (2xx, or a status listed in `ok`), else a RemoteError saying what to check.

        `retry`: the request may be sent again after a lost connection or an HTTP 503 (a query, a PUT, a
        body whose triples are no worse for arriving twice); a retry first renews the authentication."""
        if data is not None and not self.warmed and self.warm is not None:
            self.warmed = True
            self.warm()
        size = len(data) if isinstance(data, bytes) else 0
        attempts = self.attempts if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self.session.request(method, url, data=data, params=list(params) or None,
                                                headers=dict(headers or {}), timeout=self.timeout,
                                                allow_redirects=True)
            except requests.exceptions.InvalidURL as exc:
                raise UsageError(f"{option} {url!r} is not a valid URL ({one_line(str(exc))})") from None
            except ValueError as exc:  # an auth scheme requests cannot answer
                raise AuthenticationFailed(f"{url} asks for authentication ksst cannot answer "
                                           f"({one_line(str(exc))}); check --auth") from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                causes = _causes(exc)
                final = any(isinstance(c, requests.Timeout | TimeoutError | ConnectionRefusedError) for c in causes)
                if attempt < attempts and not final:  # a reset or a dropped connection: worth another try
                    self._before_retry(attempt)
                    continue
                raise network_error(exc, url, self.timeout, sent=size, attempts=attempt,
                                    credentials=self.credentials is not None) from None
            except requests.RequestException as exc:
                raise network_error(exc, url, self.timeout, sent=size, attempts=attempt,
                                    credentials=self.credentials is not None) from None
            self.server = response.headers.get("Server", "")
            if response.status_code < 300 or response.status_code in ok:
                return response
            if response.status_code == 503 and attempt < attempts:
                self._before_retry(attempt, response.headers.get("Retry-After"))
                continue
            if response.status_code == 401 and self.credentials is not None:
                mismatch = _scheme_mismatch(self.credentials.scheme, response.headers.get("WWW-Authenticate", ""))
                if mismatch:
                    raise AuthenticationFailed(f"{url} {mismatch}", 401)
            raise http_error(response.status_code, response.reason or "", _text(response), url, what,
                             credentials=self.credentials is not None, option=option)
        raise AssertionError("unreachable")  # pragma: no cover

    def _before_retry(self, attempt: int, retry_after: str | None = None) -> None:
        wait = BACKOFF[min(attempt, len(BACKOFF)) - 1]
        if retry_after and retry_after.isdigit():
            wait = min(float(retry_after), 30.0)
        self.pause(wait)
        if self.warm is not None and self.credentials is not None:
            # a fresh challenge (the old nonce may have expired with the connection); the retry says what is wrong
            with contextlib.suppress(RemoteError):
                self.warm()


def _scheme_mismatch(scheme: str, challenge: str) -> str | None:
    """What is wrong when the store asks for another scheme than --auth answers, or None."""
    asked = challenge.split(" ", 1)[0].strip().lower()
    if scheme in ("basic", "digest") and asked in ("basic", "digest") and asked != scheme:
        return (f"asks for {asked} authentication, which --auth {scheme} does not answer; check --auth "
                f"({asked}, or auto for whichever the store asks)")
    if asked and asked not in ("basic", "digest"):
        return f"asks for authentication ksst cannot answer ({asked}); check --auth and the store's settings"
    return None


def _text(response: requests.Response) -> str:
    """The body of an error answer (a courtesy: never fails), as text."""
    try:
        return response.content[:4000].decode("utf-8", "replace")
    except Exception:
        return ""
