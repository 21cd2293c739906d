"""The SPARQL 1.1 protocol over HTTP: SELECT with SPARQLWrapper (JSON results as pyoxigraph terms, so remote
rows compare equal to rows from the embedded store), CONSTRUCT and DESCRIBE as triples."""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Sequence
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from ..core.errors import AuthenticationFailed, StoreError
from ..core.namespaces import XSD
from .http import PATH_HINT, USER_AGENT, check_url, credentials_for, http_error, make_opener, network_error, one_line

Term = NamedNode | Literal | BlankNode | Triple


def _sparql_wrapper(endpoint: str, opener: urllib.request.OpenerDirector, timeout: float):  # type: ignore[no-untyped-def]
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    class _Wrapper(SPARQLWrapper):
        """SPARQLWrapper sending its requests through our opener (auth handlers, fractional timeouts)."""

        def _query(self):  # type: ignore[no-untyped-def]
            return opener.open(self._createRequest(), timeout=timeout), self.returnFormat

    wrapper = _Wrapper(endpoint, agent=USER_AGENT)
    wrapper.setReturnFormat(JSON)
    wrapper.setMethod(POST)  # URL-encoded form: no length limit, and every store takes it
    wrapper.setOnlyConneg(True)  # Accept header only: no `format=`/`output=` parameters some stores reject
    return wrapper


def json_term(value: dict[str, Any]) -> Term:
    """A term of SPARQL 1.1 Query Results JSON as a pyoxigraph term."""
    kind = value.get("type")
    text = str(value.get("value", ""))
    if kind == "uri":
        return NamedNode(text)
    if kind == "bnode":
        try:
            return BlankNode(text)
        except ValueError:  # e.g. Virtuoso's "nodeID://b10001": same label, same blank node
            return BlankNode(hashlib.sha1(str(text).encode()).hexdigest())
    if kind in ("literal", "typed-literal"):  # "typed-literal": older Virtuoso
        language = value.get("xml:lang")
        if language:
            return Literal(text, language=language)
        datatype = value.get("datatype")
        if datatype:
            return Literal(text, datatype=NamedNode(datatype))
        return Literal(text)
    if kind == "triple":  # RDF 1.2 / SPARQL-star
        inner = value["value"]
        return Triple(json_term(inner["subject"]), json_term(inner["predicate"]),  # type: ignore[arg-type]
                      json_term(inner["object"]))
    raise ValueError(f"unknown term type {kind!r}")


def json_rows(data: dict[str, Any]) -> tuple[list[str], list[dict[str, Term | None]]]:
    """(variables, rows) of a SPARQL JSON result; an ASK answer is one row of one variable `ask` (as
    `ksst query` shows ASK answers of the embedded store)."""
    if "boolean" in data:
        value = Literal("true" if data["boolean"] else "false", datatype=NamedNode(XSD + "boolean"))
        return ["ask"], [{"ask": value}]
    variables = list(data["head"].get("vars", []))
    rows = [{v: (json_term(b[v]) if v in b else None) for v in variables} for b in data["results"]["bindings"]]
    return variables, rows


RESULTS_JSON = "application/sparql-results+json"
RDF_TYPES = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


def _send_query(opener: urllib.request.OpenerDirector, endpoint: str, query: str, *, default_graphs: Sequence[str],
                timeout: float, credentials: bool, accept: str, form: str) -> tuple[bytes, str]:
    """Send a query with SPARQLWrapper; (body, content type) of the answer, or a one-line RemoteError."""
    from SPARQLWrapper import SELECT, TURTLE
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    check_url(endpoint, "--endpoint")
    wrapper = _sparql_wrapper(endpoint, opener, timeout)
    if form != SELECT:
        wrapper.setReturnFormat(TURTLE)  # an RDF format for an RDF answer (our Accept header is what is sent)
    with warnings.catch_warnings():  # its guess at the query type is not ours to report; the store judges
        warnings.simplefilter("ignore", RuntimeWarning)
        wrapper.setQuery(query)
    # SPARQLWrapper guesses the query form from the text, and can be misled by a comment ("describes",
    # "insert"): the caller knows the form and the answer it wants, whatever it guessed
    wrapper.queryType = form
    wrapper.addCustomHttpHeader("Accept", accept)
    for graph in default_graphs:
        wrapper.addDefaultGraph(str(graph))
    try:
        response = wrapper.query().response
        try:
            return response.read(), response.headers.get("Content-Type", "")
        finally:
            response.close()
    except urllib.error.HTTPError as exc:
        raise http_error(exc, endpoint, "query", credentials=credentials) from None
    except ValueError as exc:
        raise AuthenticationFailed(f"{endpoint} asks for authentication ksst cannot answer "
                                   f"({one_line(str(exc))}); check --auth") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise network_error(exc, endpoint, timeout) from None
    except SPARQLWrapperException as exc:
        raise StoreError(f"{endpoint}: {one_line(str(exc))}; check the endpoint and the query") from None


def select_rows(opener: urllib.request.OpenerDirector, endpoint: str, query: str, *, default_graphs: Sequence[str],
            timeout: float, credentials: bool) -> tuple[list[str], list[dict[str, Term | None]]]:
    from SPARQLWrapper import SELECT

    raw, _ = _send_query(opener, endpoint, query, default_graphs=default_graphs, timeout=timeout,
                         credentials=credentials, accept=RESULTS_JSON, form=SELECT)
    try:
        return json_rows(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(f"{endpoint} did not answer with SPARQL JSON results; check that --endpoint is the "
                         f"store's SPARQL query endpoint ({PATH_HINT})") from None


def construct(endpoint: str, query: str, *, default_graphs: list[str], user: str | None = None,
              password: str | None = None, timeout: float = 30.0, auth: str = "auto") -> list[Triple]:
    """Run a CONSTRUCT or DESCRIBE on a SPARQL endpoint; the triples of its answer (as pyoxigraph parses
    them, so that they compare equal to the embedded store's)."""
    from SPARQLWrapper import CONSTRUCT

    credentials = credentials_for(user, password, auth)
    raw, content_type = _send_query(make_opener(credentials, [endpoint]), endpoint, query,
                                    default_graphs=default_graphs, timeout=timeout,
                                    credentials=credentials is not None, accept=RDF_TYPES, form=CONSTRUCT)
    rdf_format = RdfFormat.from_media_type(content_type.split(";")[0].strip()) if content_type else None
    if rdf_format is None:
        raise StoreError(f"{endpoint} answered a CONSTRUCT with {content_type or 'no content type'}, not RDF; "
                         f"check that --endpoint is the store's SPARQL query endpoint ({PATH_HINT})")
    try:
        return [q.triple for q in parse(raw, format=rdf_format)]
    except SyntaxError as exc:
        raise StoreError(f"{endpoint} answered with {content_type} that does not parse ({one_line(str(exc))}); "
                         f"check the store") from None


def select(endpoint: str, query: str, *, default_graphs: list[str], user: str | None = None,
           password: str | None = None, timeout: float = 30.0,
           auth: str = "auto") -> tuple[list[str], list[dict[str, Term | None]]]:
    """Run a SELECT (or ASK) on a SPARQL endpoint; (variable names, rows of pyoxigraph terms or None).

    `default_graphs` go as `default-graph-uri` protocol parameters, so the query's default graph is their
    merge (as with pyoxigraph's `default_graph=[...]`). Failures raise a `RemoteError` (a `KsstError`).
    """
    credentials = credentials_for(user, password, auth)
    opener = make_opener(credentials, [endpoint])
    return select_rows(opener, endpoint, query, default_graphs=default_graphs, timeout=timeout,
                   credentials=credentials is not None)


# ------------------------------------------------------------------------------------------- endpoints
