"""Fuzz targets: every parser of a request's input, fed with coverage-guided bytes.

The rule each target asserts: a parser answers with a value or an AppError (the contract's
4xx; the domain's own typed refusals where a parser reports that way: `values.FieldError`,
`csv_rows.HeaderError`), never another exception: any other exception would be a 500.
A target lets every other exception propagate; atheris then reports the input.

Each target takes the fuzzer's bytes. Options (the business's country, whether opt-in is
enabled, the token kind, ...) are read with `FuzzedDataProvider.ConsumeIntInRange`, which
takes its bytes from the END of the input; the rest is the input itself, as the server
receives it (a query string, a body, a header, a CSV file). A seed is therefore the input
followed by its option bytes (`_seed`). Everything here is pure: no I/O, no database.

Besides the rule, two oracles of the contract are checked: a JSON body with a key twice
in one object must be refused (400 Malformed JSON), and the values the list route builds
from its query are naive UTC moments and page numbers in range.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
import traceback
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime
from typing import Any
from urllib.parse import quote_from_bytes

import atheris  # type: ignore[import-untyped]
import orjson
from starlette.datastructures import QueryParams

from clientbook import auth
from clientbook.api.edge import field_names, parse_json_object, request_id_of
from clientbook.app import routes
from clientbook.domain import bulk, csv_rows, listing, merging, representations, values
from clientbook.domain.create import parse_create
from clientbook.domain.model import Client, SourceRecord, matter_display_name
from clientbook.domain.update import force_nullifying, parse_update, plan_update
from clientbook.errors import AppError
from clientbook.service.access import access_of

Target = Callable[[bytes], None]
TARGETS: dict[str, Target] = {}


class RuleBroken(AssertionError):
    """An oracle of the contract failed (the parser answered, but wrongly)."""


def target(function: Target) -> Target:
    TARGETS[function.__name__] = function
    return function


# What the last input was decoded into, shown with a crash (`describe`).
_LAST: dict[str, Any] = {}


def note(**decoded: Any) -> None:
    _LAST.update(decoded)


def describe() -> str:
    return ", ".join(f"{name}={value!r}" for name, value in _LAST.items())


# Options ------------------------------------------------------------------------------

COUNTRIES = ("US", "GB", "IL", "DE", "BR", "IN", "JP", "QQ")
PRINCIPAL_KINDS = ("staff", "app", "directory", "client", "import")
NOW = datetime(2026, 1, 1, 12, 0, 0)
KEY = "fuzz-secret-key-0123456789abcdef0123456789"
ROUTES = routes()
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def _options(fdp: Any) -> int:
    """One option byte (the input's last byte)."""
    option: int = fdp.ConsumeIntInRange(0, 255)
    return option


def _rest(fdp: Any) -> bytes:
    rest: bytes = fdp.ConsumeBytes(fdp.remaining_bytes())
    return rest


def _query(option: int, raw: bytes) -> QueryParams:
    """The query as a route reads it (`Call.query`: `QueryParams(scope["query_string"])`).

    Even option: the bytes are the query string itself. Odd option: one `name=value` a
    line, written literally and percent-encoded here (so a seed reads as it means)."""
    if option % 2 == 0:
        return QueryParams(raw)
    pairs = []
    for line in raw.split(b"\n"):
        name, _, value = line.partition(b"=")
        pairs.append(quote_from_bytes(name, safe="") + "=" + quote_from_bytes(value, safe=""))
    return QueryParams("&".join(pairs).encode("ascii"))


def duplicated_key(raw: bytes) -> str | None:
    """The first key that one object of the JSON text `raw` has twice, if any."""
    found: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for name, _ in items:
            if name in seen and not found:
                found.append(name)
            seen.add(name)
        return {}

    def load() -> None:
        json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=pairs,
            parse_int=lambda _: 0,
            parse_float=lambda _: 0.0,
        )

    try:
        load()
    except RecursionError:  # orjson nests 1024 deep, Python's json less by default
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(20_000)
        try:
            load()
        finally:
            sys.setrecursionlimit(limit)
    return found[0] if found else None


def _json_body(raw: bytes) -> dict[str, Any]:
    """A body as the use cases get it (`Call.json()`); raises AppError when refused."""
    body = parse_json_object("application/json", raw)
    note(body=body)
    return body


# The list route ----------------------------------------------------------------------


@target
def list_query(data: bytes) -> None:
    """GET /clients: `parse_list_query`, then what the use case computes from it."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    params = _query(option, _rest(fdp))
    country = COUNTRIES[(option >> 1) % len(COUNTRIES)]
    note(params=params.multi_items(), country=country)
    with suppress(AppError):
        query = listing.parse_list_query(params)
        note(query=query)
        since = listing.updated_since(query)
        for moment in (query.updated_from, query.updated_to, since):
            if moment is not None and moment.tzinfo is not None:
                raise RuleBroken(f"moment {moment!r} is not naive UTC")
        if not (1 <= query.page <= listing.MAX_PAGE and 1 <= query.per_page <= 100):
            raise RuleBroken(f"page {query.page} / per_page {query.per_page} out of range")
        if not 0 <= query.offset < 2**63:
            raise RuleBroken(f"offset {query.offset} outside a 64-bit integer")
        term = query.search_term
        if term is not None:
            listing.like_pattern(term)
            if query.search_by == "phone":
                listing.phone_term(term, country=country)


# Bodies ------------------------------------------------------------------------------

CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    " Application/JSON ;x",
    "text/plain",
    "",
    "application/jsonx",
)


@target
def json_body(data: bytes) -> None:
    """`parse_json_object(content_type, raw)`: a dict, or 415 / 400 / 422; and a key given
    twice in any object is refused (400 Malformed JSON), never silently resolved."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    raw = _rest(fdp)
    if option % 8 < len(CONTENT_TYPES):
        content_type = CONTENT_TYPES[option % 8]
    else:  # the Content-Type header is the first line, decoded as the edge does
        header, _, raw = raw.partition(b"\n")
        content_type = header.decode("latin-1")
    note(content_type=content_type, raw=raw)
    with suppress(AppError):
        body = parse_json_object(content_type, raw)
        if not isinstance(body, dict):
            raise RuleBroken(f"parse_json_object returned {type(body).__name__}")
        twice = duplicated_key(raw)
        if twice is not None:
            raise RuleBroken(f"a body naming {twice!r} twice was accepted (400 expected)")


@target
def create(data: bytes) -> None:
    """POST /clients: the body, `parse_create`, and the response built from its result."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    opt_in_enabled = bool(option & 1)
    kind = PRINCIPAL_KINDS[(option >> 1) % len(PRINCIPAL_KINDS)]
    country = COUNTRIES[(option >> 4) % len(COUNTRIES)]
    raw = _rest(fdp)
    note(raw=raw, kind=kind, opt_in_enabled=opt_in_enabled, country=country)
    with suppress(AppError):
        new = parse_create(
            _json_body(raw), principal_kind=kind, opt_in_enabled=opt_in_enabled, country=country
        )
        note(new=new)
        csv_rows.dedupe_key(new)
        client = Client(
            **{**new.columns, "business_uid": "b" * 16, "id": "c" * 16},
            created_at=NOW,
            updated_at=NOW,
        )
        source = SourceRecord(
            uid="s" * 16,
            name=new.source_name,
            url=new.source_url,
            channel=new.source_channel,
            campaign=new.source_campaign,
        )
        matter_display_name(new.columns["first_name"], new.columns.get("last_name"))
        orjson.dumps({"status": "OK", "data": {"client": representations.create(client, source)}})


STORED = (
    Client(
        business_uid="b" * 16,
        id="c" * 16,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        mobile_phone="+1 212 555 0100",
        normalized_phone="+12125550100",
        phone_digits="12125550100",
        address="1 Main St",
        status="customer",
        tags=["vip"],
        opt_in=True,
        spam=False,
        source="Initiated by staff",
        source_url="https://example.com",
        custom_field1="one",
        custom_field2="two",
        custom_field3="three",
        staff_id="s" * 16,
        created_at=NOW,
        updated_at=NOW,
    ),
    Client(business_uid="b" * 16, id="d" * 16, first_name="Bo", created_at=NOW, updated_at=NOW),
    Client(
        business_uid="b" * 16,
        id="e" * 16,
        first_name="Cy",
        tags=[f"t{i}" for i in range(values.MAX_TAGS)],
        opt_in=False,
        spam=True,
        created_at=NOW,
        updated_at=NOW,
    ),
)


@target
def update(data: bytes) -> None:
    """PUT /clients/{id}: the body, `parse_update`, `plan_update` against a stored client,
    X-Ignored-Fields and the response."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    opt_in_enabled = bool(option & 1)
    stored = STORED[(option >> 1) % len(STORED)]
    country = COUNTRIES[(option >> 3) % len(COUNTRIES)]
    raw = _rest(fdp)
    note(raw=raw, opt_in_enabled=opt_in_enabled, stored=stored.id, country=country)
    with suppress(AppError):
        request = parse_update(_json_body(raw), opt_in_enabled=opt_in_enabled)
        note(request=request)
        changes = plan_update(stored, request, country=country)
        note(changes=changes)
        field_names(request.ignored)
        updated = dataclasses.replace(stored, **changes)
        orjson.dumps({"status": "OK", "data": {"client": representations.update(updated)}})


@target
def bulk_opt_in(data: bytes) -> None:
    """PUT /clients/bulk: the body, `parse_bulk`, and the not-found check."""
    fdp = atheris.FuzzedDataProvider(data)
    raw = _rest(fdp)
    note(raw=raw)
    with suppress(AppError):
        items = bulk.parse_bulk(_json_body(raw))
        note(items=items)
        found = {item.id for index, item in enumerate(items) if index % 2 == 0}
        bulk.first_missing(items, found)


# Values ------------------------------------------------------------------------------

_TEXT_FIELDS = tuple(values.LIMITS)


def _dates(value: Any) -> None:
    """The list route's date rule, on each of its three parameters."""
    word = value if isinstance(value, str) else str(value)
    for params in (
        {"updated_at[gte]": word},
        {"updated_at[lte]": word},
        {"search_by": "updated_at", "search_term": word},
    ):
        with suppress(AppError):
            query = listing.parse_list_query(params)
            listing.updated_since(query)


def _phones(value: Any, country: str) -> None:
    if isinstance(value, str):
        values.normalized_phone(value, country)
        values.phone_digits(value)
        listing.phone_term(value, country=country)


def _union(value: Any) -> None:
    lists = []
    for part in str(value).split("\n"):
        with suppress(values.FieldError):
            lists.append(values.tags(part))
    values.union_tags(*lists)


@target
def value_rules(data: bytes) -> None:
    """clientbook.domain.values (text, email, status, flags, booleans, tags, phones), the
    list route's dates, and ids (merging.id_list, update's force_nullifying)."""
    fdp = atheris.FuzzedDataProvider(data)
    selector = _options(fdp)
    option = _options(fdp)
    raw = _rest(fdp)
    value: Any = raw.decode("utf-8", "replace")  # as a query or CSV cell arrives
    if option & 1:  # a JSON value, as a body field arrives
        with suppress(orjson.JSONDecodeError):
            value = orjson.loads(raw)
    field = _TEXT_FIELDS[(option >> 1) % len(_TEXT_FIELDS)]
    country = COUNTRIES[(option >> 5) % len(COUNTRIES)]
    rules: tuple[Callable[[], object], ...] = (
        lambda: values.text(field, value),
        lambda: values.email(value),
        lambda: values.status(value),
        lambda: values.flag(value),
        lambda: values.tags(value),
        lambda: values.boolean(value),
        lambda: values.is_clear_request(value),
        lambda: _phones(value, country),
        lambda: _union(value),
        lambda: _dates(value),
        lambda: merging.id_list(value if isinstance(value, str) else None),
        lambda: force_nullifying(value),
    )
    rule = selector % len(rules)
    note(rule=rule, value=value, field=field, country=country)
    with suppress(AppError, values.FieldError):
        rules[rule]()


# Merges ------------------------------------------------------------------------------


def _stored(uid: str, index: int) -> Client:
    """A stored client for a merge: some fields empty, tags to unite (up to 100 each)."""
    return Client(
        business_uid="b" * 16,
        id=uid,
        first_name=None if index % 2 else f"n{index}",
        email=None if index % 3 else f"{index}@example.com",
        mobile_phone=None if index % 2 == 0 else "+1 212 555 0100",
        tags=[f"t{index}-{n}" for n in range(len(uid) % (values.MAX_TAGS + 1))],
        opt_in=None if index % 2 else True,
    )


@target
def merge_params(data: bytes) -> None:
    """merges/possible_merge_master and merges/merge_clients: their query parameters, the
    matter check and what the master takes from its sources."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    params = _query(option, _rest(fdp))
    note(params=params.multi_items())
    with suppress(AppError):
        merging.parse_candidates(params)
    with suppress(AppError):
        request = merging.parse_merge(params)
        note(request=request)
        merging.check_matters(request, {uid: len(uid) % 3 for uid in request.all_ids})
        clients = [_stored(uid, index) for index, uid in enumerate(request.all_ids)]
        merging.merge_changes(clients[0], clients[1:])


# CSV import --------------------------------------------------------------------------


@target
def csv_import(data: bytes) -> None:
    """`clientbook clients import`: the file read as csv_io reads it, the header rule,
    then each row's body (`row_body`) through the POST rules and the dedupe key."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    opt_in_enabled = bool(option & 1)
    country = COUNTRIES[(option >> 1) % len(COUNTRIES)]
    raw = _rest(fdp)
    note(raw=raw, opt_in_enabled=opt_in_enabled, country=country)
    try:
        text = raw.decode("utf-8-sig")  # csv_io: not UTF-8 -> TransferError, nothing read
    except UnicodeDecodeError:
        return
    try:  # csv_io._count_rows: the whole file once, before any row is used
        reader = csv.DictReader(io.StringIO(text, newline=""))
        csv_rows.check_header(reader.fieldnames)
        sum(1 for _ in reader)
    except (csv.Error, csv_rows.HeaderError):  # TransferError: the file is refused
        return
    for cells in csv.DictReader(io.StringIO(text, newline="")):  # csv_io._import_batch
        row: dict[str | None, Any] = dict(cells)
        if row.pop(None, None):
            continue  # more cells than columns: the row is rejected
        body = csv_rows.row_body({str(name): cell for name, cell in row.items()})
        note(body=body)
        with suppress(AppError):
            new = parse_create(
                body, principal_kind="import", opt_in_enabled=opt_in_enabled, country=country
            )
            csv_rows.duplicate_reason(csv_rows.dedupe_key(new))


# The edge: tokens, request ids, paths ------------------------------------------------


@target
def auth_header(data: bytes) -> None:
    """Authorization and X-On-Behalf-Of: `bearer_token`, `auth.decode`, `access_of`.
    Odd option: the input is the claims of a token signed here with the server's key, so
    the claim checks after the signature are reached."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    raw = _rest(fdp)
    first, newline, second = raw.partition(b"\n")
    on_behalf_of = second.decode("latin-1") if newline else None
    with suppress(AppError):
        if option % 2:
            try:
                claims = orjson.loads(first)
            except orjson.JSONDecodeError:
                return
            if not isinstance(claims, dict):
                return
            token = auth._encode(claims, KEY)
            note(claims=claims, on_behalf_of=on_behalf_of)
        else:
            authorization = first.decode("latin-1")  # a header value, as Call reads it
            note(authorization=authorization, on_behalf_of=on_behalf_of)
            token = auth.bearer_token(authorization)
        record = auth.decode(token, key=KEY)
        note(record=record)
        access_of(record, on_behalf_of)


@target
def edge_routing(data: bytes) -> None:
    """The route table (`resolve`, `template`) on any method and path, X-Request-Id, and
    X-Ignored-Fields' encoding of any field name."""
    fdp = atheris.FuzzedDataProvider(data)
    option = _options(fdp)
    raw = _rest(fdp)
    if option % 8 < len(HTTP_METHODS):
        method = HTTP_METHODS[option % 8]
    else:
        line, _, raw = raw.partition(b"\n")
        method = line.decode("latin-1")
    path = raw.decode("utf-8", "replace")  # the ASGI path: percent-decoded UTF-8
    note(method=method, path=path)
    ROUTES.resolve(method, path)
    ROUTES.template(path)
    request_id = request_id_of({"headers": [(b"x-request-id", raw)]})
    if not isinstance(request_id, str) or not request_id.isascii():
        raise RuleBroken(f"request id {request_id!r}")
    field_names(path.split("/"))


# Running them ------------------------------------------------------------------------


def signature(error: BaseException) -> str:
    """What identifies one bug: the exception's type and where it was raised (its
    innermost frame in clientbook when there is one)."""
    frames = list(traceback.extract_tb(error.__traceback__))
    if not isinstance(error, RuleBroken):  # an oracle is named by its line here
        frames = [f for f in frames if "/clientbook/" in f.filename] or frames
    frames = [f for f in frames if f.lineno is not None] or frames
    if not frames:
        return type(error).__name__
    path = frames[-1].filename
    if "/clientbook/" in path:
        where = "clientbook/" + path.rsplit("/clientbook/", 1)[1]
    else:
        where = path.rsplit("/", 1)[-1]
    return f"{type(error).__name__} at {where}:{frames[-1].lineno}"


def short_traceback(error: BaseException, *, head: int = 6, tail: int = 12) -> str:
    """The traceback, its middle cut when it is long (a recursion)."""
    frames = traceback.extract_tb(error.__traceback__)
    lines = ["Traceback (most recent call last):\n"]
    if len(frames) > head + tail:
        cut = len(frames) - head - tail
        lines += traceback.format_list(frames[:head])
        lines.append(f"  ... {cut} frames ...\n")
        lines += traceback.format_list(frames[-tail:])
    else:
        lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)


def entry(name: str, known: Iterable[str] = (), report: str | None = None) -> Target:
    """The function atheris calls: the target, with crashes whose signature is in `known`
    let through (a long run goes on past a bug already found), and the first new crash
    written to `report` (JSON: signature, input, decoded input, traceback) before it
    propagates to atheris."""
    function = TARGETS[name]
    skip = frozenset(known)

    def one(data: bytes) -> None:
        _LAST.clear()
        try:
            function(data)
        except Exception as error:
            sig = signature(error)
            if sig in skip:
                return
            if report is not None:
                record = {
                    "target": name,
                    "signature": sig,
                    "input": data.hex(),
                    "input_repr": repr(data),
                    "decoded": describe(),
                    "traceback": short_traceback(error),
                }
                with open(report, "w", encoding="utf-8") as handle:
                    json.dump(record, handle)
            raise

    return one


# Seeds -------------------------------------------------------------------------------


def _seed(body: bytes | str, *options: int) -> bytes:
    """An input whose options are read in the order given (each from the end)."""
    raw = body.encode() if isinstance(body, str) else body
    return raw + bytes(reversed(options))


# The ends of the datetime range, with offsets that move them past years 1-9999 in UTC.
EDGE_MOMENTS = (
    "0001-01-01T00:00+01:00",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01",
    "9999-12-31T23:59-01:00",
    "9999-12-31T23:59:59-00:01",
    "9999-12-31T23:59:59.999999-23:59",
    "9999-12-31",
    "2026-02-30",
    "2026-01-01 10:00z",
)
HUGE = ("1e400", "-1e400", "123456789012345678901234567890", "-123456789012345678901234567890")
ODD_TEXT = (
    b"",
    b"\x00",
    b"a\x00b",
    b"\xed\xa0\x80",  # a lone surrogate, as raw (invalid UTF-8) bytes
    b"\xff\xfe",
    b" \t\n",
    "\u00e9\u2028\U0001f600".encode(),
)
JSON_ODD = (
    '"\\ud800"',
    '"\\udfff"',
    '"\\ud800\\udc00"',
    '"\\u0000"',
    '""',
    '"   "',
    "null",
    "true",
    "0",
    "1.0",
    "[]",
    "{}",
    *HUGE,
)


def _line_query(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"{name}={value}" for name, value in pairs)


def _seeds() -> dict[str, dict[str, bytes]]:
    seeds: dict[str, dict[str, bytes]] = {name: {} for name in TARGETS}

    def add(name: str, *inputs: bytes) -> None:
        for data in inputs:
            seeds[name][f"seed-{len(seeds[name]):03d}"] = data

    # list_query: odd option = one literal `name=value` a line.
    for moment in EDGE_MOMENTS:
        for name in ("updated_at[gte]", "updated_at[lte]"):
            add("list_query", _seed(_line_query([(name, moment)]), 1))
        add(
            "list_query",
            _seed(_line_query([("search_by", "updated_at"), ("search_term", moment)]), 1),
        )
    add(
        "list_query",
        _seed(b"updated_at%5Bgte%5D=0001-01-01T00:00%2B01:00&page=2", 0),
        _seed(b"updated_at%5Blte%5D=9999-12-31T23:59-01:00&per_page=100", 0),
        _seed(b"search_term=%ED%A0%80&search_term=%00", 0),
        _seed(b"page=1&page=2&per_page=&phone_exists=TRUE", 0),
        _seed(b"", 0),
        _seed(_line_query([("search_by", "phone"), ("search_term", "+1 212 555 0100")]), 1),
        _seed(_line_query([("search_by", "email"), ("search_term", "a%_\\b")]), 1),
        _seed(_line_query([("phone_exists", "0"), ("page", "10000000")]), 1),
    )
    for number in (*HUGE, "", "-1", "0", "0100", "\u0661"):
        add("list_query", _seed(_line_query([("page", number), ("per_page", number)]), 1))
    for text in ODD_TEXT:
        add("list_query", _seed(b"search_term=" + text + b"\nsearch_by=uid", 1))

    # json_body: option 0 = application/json.
    bodies = (
        '{"a": 1, "a": 2}',
        '{"first_name": "Ada", "first_name": ""}',
        '{"x": {"a": 1, "a": 2}}',
        '{"clients": [{"id": "a", "opt_in": true, "opt_in": false}]}',
        '{"a": 1, "\\u0061": 2}',
        '{"\\ud800": 1}',
        '{"a": "\\ud800"}',
        '{"a": "\\u0000"}',
        '{"a": 1e400}',
        '{"a": 123456789012345678901234567890}',
        "",
        "{}",
        "[]",
        "null",
        '"text"',
        "\ufeff{}",
        "[" * 1100 + "]" * 1100,
        '{"a":' * 600 + "1" + "}" * 600,
    )
    for body in bodies:
        add("json_body", _seed(body, 0))
    add("json_body", _seed(b'{"a": "\xed\xa0\x80"}', 0), _seed(b"{\x00}", 0))
    add("json_body", _seed(b"application/json; charset=latin-1\n{}", 7))
    add("json_body", _seed(b"\xff\xfe\n{}", 7), _seed('{"a": 1}', 3))

    # create and update: a body and one option byte.
    fields = (
        "first_name", "last_name", "email", "phone", "mobile_phone", "address", "tags",
        "opt_in", "opt_in_transactional_sms", "spam", "status", "staff_id", "source_url",
        "custom_field1", "force_nullifying",
    )  # fmt: skip
    full = {
        "first_name": " Ada ",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "mobile_phone": "+1 212 555 0100",
        "address": "1 Main St",
        "tags": "vip, VIP, ,b",
        "opt_in": "1",
        "opt_in_transactional_sms": True,
        "spam": 0,
        "status": "customer",
        "source_name": "web",
        "source_url": "https://example.com",
        "source_channel": "c",
        "source_campaign": "k",
        "staff_id": "s" * 16,
    }
    for name in ("create", "update"):
        add(name, _seed(json.dumps(full), 1), _seed(json.dumps(full), 0))
        add(name, _seed('{"first_name": "Ada", "first_name": ""}', 1))
        add(name, _seed('{"first_name": "Ada", "phone": "1", "mobile_phone": null}', 1))
        many = ",".join(f"t{n}" for n in range(101))
        add(name, _seed('{"first_name": "Ada", "tags": "' + many + '"}', 1))
        add(name, _seed('{"first_name": "Ada", "email": "a@b"}', 1))
        add(name, _seed('{"mobile_phone": "", "force_nullifying": "true"}', 1))
        add(name, _seed(b'{"first_name": "\xed\xa0\x80"}', 1))
        for field in fields:
            for odd in JSON_ODD:
                add(name, _seed('{"first_name": "Ada", "' + field + '": ' + odd + "}", 1))

    # bulk
    add(
        "bulk_opt_in",
        _seed('{"clients": [{"id": "a", "opt_in": true}, {"id": "b", "opt_in": "0"}]}'),
        _seed('{"clients": [{"id": "a", "opt_in": true}, {"id": "a", "opt_in": 1}]}'),
        _seed('{"clients": [{"id": "a", "opt_in": true, "opt_in": 1e400}]}'),
        _seed('{"clients": [{"id": "a", "opt_in": 123456789012345678901234567890}]}'),
        _seed('{"clients": [{"id": "\\ud800", "opt_in": "true"}]}'),
        _seed('{"clients": [{"id": "\\u0000", "opt_in": 1.0}, 1, null, []]}'),
        _seed('{"clients": {}}'),
        _seed('{"clients": null}'),
        _seed(""),
    )

    # values: selector byte, then option byte (odd = a JSON value).
    for rule in range(12):
        for text in ODD_TEXT:
            add("value_rules", _seed(text, rule, 0))
        for odd in JSON_ODD:
            add("value_rules", _seed(odd, rule, 1))
    for moment in EDGE_MOMENTS:
        add("value_rules", _seed(moment, 9, 0))
    for phone in ("+1 212 555 0100", "+972-50-123-4567", "0044 20 7946 0958", "+" + "9" * 49):
        add("value_rules", _seed(phone, 7, 0), _seed(phone, 7, 6 << 5))
    for address in ("ada@example.com", "a@b", "\u00e9@xn--80ak6aa92e.com", "a@[127.0.0.1]"):
        add("value_rules", _seed(address, 1, 0))
    hundred = ",".join(f"t{n}" for n in range(100))
    add("value_rules", _seed(hundred + "\n" + hundred.replace("t", "u"), 8, 0))

    # merges
    add(
        "merge_params",
        _seed(_line_query([("client_ids", "a,b, a,,c")]), 1),
        _seed(_line_query([("to_client_uid", "a"), ("from_client_uids", "b,c")]), 1),
        _seed(_line_query([("to_client_uid", "a"), ("from_client_uids", "b,a")]), 1),
        _seed(_line_query([("to_client_uid", " "), ("from_client_uids", "")]), 1),
        _seed(_line_query([("client_ids", ",".join(str(n) for n in range(101)))]), 1),
        _seed(b"to_client_uid=%00&from_client_uids=%ED%A0%80,x", 0),
        _seed(b"to_client_uid=aaaa&from_client_uids=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,c", 0),
    )

    # csv
    for text in (
        b"first_name,email\nAda,ada@example.com\nBo,\n",
        b'\xef\xbb\xbffirst_name,tags,opt_in_transactional_sms\nAda,"a,b",TRUE\n',
        b"first_name,first_name\nA,B\n",
        b"email\na@b.c\n",
        b"first_name,last_name\nA,B,C\nD\n",
        b'first_name\n"unterminated\n',
        b"first_name\nA\x00B\n",
        b"first_name\n\xed\xa0\x80\n",
        b"",
        b"first_name,opt_in\nAda,1e400\nBo,123456789012345678901234567890\n",
        b"first_name,mobile_phone\r\nAda,+1 212 555 0100\r\n",
    ):
        add("csv_import", _seed(text, 1))

    # tokens: even option = the Authorization header; odd = claims signed here.
    claims = {
        "iss": "clientbook",
        "aud": "platform",
        "sub": "s",
        "kind": "staff",
        "business_uid": "b",
        "iat": 1_700_000_000,
        "exp": 4_000_000_000,
        "jti": "j",
    }
    add("auth_header", _seed(json.dumps(claims), 1), _seed(json.dumps(claims) + "\nb", 1))
    wrong: tuple[tuple[str, object], ...] = (
        ("exp", 1e300), ("exp", "x"), ("exp", -1), ("iat", 1e300), ("kind", None),
        ("aud", ["platform", "client"]), ("sub", 1), ("nbf", 4e9),
    )  # fmt: skip
    for claim, bad in wrong:
        add("auth_header", _seed(json.dumps({**claims, claim: bad}), 1))
    huge = json.dumps(claims).replace("4000000000", "123456789012345678901234567890")
    add("auth_header", _seed(huge, 1))
    add(
        "auth_header",
        _seed(json.dumps({**claims, "kind": "directory", "directory_uid": "d"}) + "\nb", 1),
        _seed(b"Bearer a.b.c", 0),
        _seed(b"bearer  eyJhbGciOiJub25lIn0.e30.", 0),
        _seed(b"Bearer \x00\nx", 0),
        _seed(b"Basic abc", 0),
        _seed(b"", 0),
    )

    # the route table
    for path in (
        "/platform/v1/clients",
        "/platform/v1/clients/bulk",
        "/platform/v1/clients/abc",
        "/platform/v1/clients/merges/merge_clients",
        "/docs/assets/../../etc/passwd",
        "/platform/v1/clients/\x00",
    ):
        for method in range(len(HTTP_METHODS)):
            add("edge_routing", _seed(path, method))
    add("edge_routing", _seed(b"GET\x00\n/health", 7), _seed(b"/\xed\xa0\x80", 0))
    return seeds


SEEDS = _seeds()

# libFuzzer dictionaries: words that take a mutation many steps to find.
_FIELDS = (
    "first_name", "last_name", "email", "phone", "mobile_phone", "address", "tags",
    "opt_in", "opt_in_transactional_sms", "spam", "status", "staff_id", "source_name",
    "source_url", "source_channel", "source_campaign", "custom_field1", "custom_field2",
    "custom_field3", "force_nullifying", "created_at", "updated_at", "clients", "id",
)  # fmt: skip
_JSON_WORDS = (
    *(f'"{name}"' for name in _FIELDS),
    *JSON_ODD,
    "lead", "customer", "loyal", "inactive", "false", '"1"', '"0"', '"true"', '"false"',
    "\\u", "\\ud800", "\\udc00", "\\u0000", "e400", ",", ":", "{", "}", "[", "]",
)  # fmt: skip
_QUERY_WORDS = (
    "search_term=", "search_by=", "updated_at[gte]=", "updated_at[lte]=",
    "updated_at%5Bgte%5D=", "updated_at%5Blte%5D=", "phone_exists=", "page=",
    "per_page=", "email", "uid", "phone", "updated_at", "T23:59:59", "+01:00", "-00:01",
    "%2B", "Z", "0001-01-01", "9999-12-31", ".999999", "client_ids=", "to_client_uid=",
    "from_client_uids=", "&", "\n", ",", "%00", "%ED%A0%80", *HUGE,
)  # fmt: skip
DICTIONARIES: dict[str, tuple[str, ...]] = {
    "list_query": _QUERY_WORDS,
    "json_body": _JSON_WORDS,
    "create": _JSON_WORDS,
    "update": _JSON_WORDS,
    "bulk_opt_in": _JSON_WORDS,
    "value_rules": (*_JSON_WORDS, *_QUERY_WORDS, "@", "example.com", "+1 212 555 0100"),
    "merge_params": _QUERY_WORDS,
    "csv_import": (*_FIELDS, ",", '"', "\r\n", "\n", "\ufeff", "TRUE", "1e400"),
    "auth_header": (
        *_JSON_WORDS,
        "Bearer ",
        '"iss"',
        '"aud"',
        '"sub"',
        '"kind"',
        '"iat"',
        '"exp"',
        '"jti"',
        '"nbf"',
        '"business_uid"',
        '"directory_uid"',
        '"clientbook"',
        '"platform"',
        '"client"',
        '"staff"',
        '"app"',
        '"directory"',
    ),
    "edge_routing": (
        "/platform/v1/clients",
        "/bulk",
        "/merges/",
        "merge_clients",
        "possible_merge_master",
        "/docs/assets/",
        "/health",
        "/ready",
        "/metrics",
        "openapi.json",
        "%",
        "/",
    ),
}
