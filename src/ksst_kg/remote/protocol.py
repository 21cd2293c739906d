"""The SPARQL 1.1 protocol over HTTP: SELECT and ASK (JSON results as pyoxigraph terms, so remote rows compare
equal to rows from the embedded store, whatever lexical form the store chose), CONSTRUCT and DESCRIBE as triples.

Queries go as a URL-encoded form in a POST (no length limit, and every store takes it), the graphs as
`default-graph-uri` parameters, the answer format by the Accept header only (no `format=` parameter, which
some stores reject).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from ..core.errors import StoreError
from ..core.namespaces import XSD
from .http import PATH_HINT, Credentials, Http, check_url, credentials_for, one_line

Term = NamedNode | Literal | BlankNode | Triple

RESULTS_JSON = "application/sparql-results+json"
RDF_TYPES = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
BOOLEAN = XSD + "boolean"
#: xsd:boolean's lexical forms, each as its canonical one (Virtuoso answers 1 and 0).
CANONICAL_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}


def json_term(value: dict[str, Any]) -> Term:
    """A term of SPARQL 1.1 Query Results JSON as a pyoxigraph term; an xsd:boolean in its canonical form."""
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
        if datatype == BOOLEAN:
            text = CANONICAL_BOOLEANS.get(text.strip(), text)
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
        answer = data["boolean"]
        if isinstance(answer, str):  # some stores write "true" or 1
            answer = CANONICAL_BOOLEANS.get(answer.strip().lower()) == "true"
        value = Literal("true" if answer else "false", datatype=NamedNode(BOOLEAN))
        return ["ask"], [{"ask": value}]
    variables = list(data["head"].get("vars", []))
    rows = [{v: (json_term(b[v]) if v in b else None) for v in variables} for b in data["results"]["bindings"]]
    return variables, rows


def send_query(http: Http, endpoint: str, query: str, *, default_graphs: Sequence[str], accept: str) -> tuple[
        bytes, str]:
    """POST a query as a form; (body, content type) of the answer, or a one-line RemoteError."""
    check_url(endpoint, "--endpoint")
    form = [("query", query)] + [("default-graph-uri", str(g)) for g in default_graphs]
    response = http.request("POST", endpoint, data=form, headers={"Accept": accept}, what="query")
    return response.content, response.headers.get("Content-Type", "")


def select_rows(http: Http, endpoint: str, query: str, *, default_graphs: Sequence[str] = ()) -> tuple[
        list[str], list[dict[str, Term | None]]]:
    raw, _ = send_query(http, endpoint, query, default_graphs=default_graphs, accept=RESULTS_JSON)
    try:
        return json_rows(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(f"{endpoint} did not answer with SPARQL JSON results; check that --endpoint is the "
                         f"store's SPARQL query endpoint ({PATH_HINT})") from None


def construct_triples(http: Http, endpoint: str, query: str, *, default_graphs: Sequence[str] = ()) -> list[Triple]:
    raw, content_type = send_query(http, endpoint, query, default_graphs=default_graphs, accept=RDF_TYPES)
    rdf_format = RdfFormat.from_media_type(content_type.split(";")[0].strip()) if content_type else None
    if rdf_format is None:
        raise StoreError(f"{endpoint} answered a CONSTRUCT with {content_type or 'no content type'}, not RDF; "
                         f"check that --endpoint is the store's SPARQL query endpoint ({PATH_HINT})")
    try:
        return [q.triple for q in parse(raw, format=rdf_format)]
    except SyntaxError as exc:
        raise StoreError(f"{endpoint} answered with {content_type} that does not parse ({one_line(str(exc))}); "
                         f"check the store") from None


def _session(credentials: Credentials | None, timeout: float) -> Http:
    return Http(credentials, timeout=timeout)


def construct(endpoint: str, query: str, *, default_graphs: list[str], user: str | None = None,
              password: str | None = None, timeout: float = 30.0, auth: str = "auto") -> list[Triple]:
    """Run a CONSTRUCT or DESCRIBE on a SPARQL endpoint; the triples of its answer (as pyoxigraph parses
    them, so that they compare equal to the embedded store's)."""
    http = _session(credentials_for(user, password, auth), timeout)
    try:
        return construct_triples(http, endpoint, query, default_graphs=default_graphs)
    finally:
        http.close()


def select(endpoint: str, query: str, *, default_graphs: list[str], user: str | None = None,
           password: str | None = None, timeout: float = 30.0,
           auth: str = "auto") -> tuple[list[str], list[dict[str, Term | None]]]:
    """Run a SELECT (or ASK) on a SPARQL endpoint; (variable names, rows of pyoxigraph terms or None).

    `default_graphs` go as `default-graph-uri` protocol parameters, so the query's default graph is their
    merge (as with pyoxigraph's `default_graph=[...]`). Failures raise a `RemoteError` (a `KsstError`).
    """
    http = _session(credentials_for(user, password, auth), timeout)
    try:
        return select_rows(http, endpoint, query, default_graphs=default_graphs)
    finally:
        http.close()
