"""Request validation against Google's published discovery documents.

Sheets and Docs are served by Google's "One Platform" front end, which binds query parameters
and the JSON body to protobuf messages and rejects what does not fit: an unknown query parameter,
an unknown body field, a value of the wrong type or outside an enum. The error messages use the
proto field path in snake_case (``'requests[0].update_cells'``). Drive v3 is an older front end
that ignores unknown parameters and fields, so for Drive only known query parameters are checked.

The documents live next to this module in ``discovery/`` and are loaded on first use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from syncer.emulator.core import Emulator, Request, Response, google_error

DISCOVERY_DIR = Path(__file__).with_name("discovery")
DISCOVERY_FILES = {
    "sheets": "sheets.v4.json",
    "docs": "docs.v1.json",
    "drive": "drive.v3.json",
    "gmail": "gmail.v1.json",
}
PROTO_PACKAGES = {"sheets": "google.apps.sheets.v4", "docs": "google.apps.docs.v1"}

#: APIs whose front end rejects unknown query parameters and body fields.
#: Gmail is served by the same front end (its errors name proto fields: "Invalid value at
#: 'draft.message.raw' (TYPE_BYTES)"); where the evidence is thin, the stricter side.
STRICT_APIS = frozenset({"sheets", "docs", "gmail"})

#: Query parameters Sheets requires although the discovery document does not mark them.
EXTRA_REQUIRED = {
    "sheets.spreadsheets.values.update": ("valueInputOption",),
    "sheets.spreadsheets.values.append": ("valueInputOption",),
}

#: Methods whose body is bound to a named field of the proto request (``body: "data"``).
BODY_FIELD = {
    "sheets.spreadsheets.values.update": "data",
    "sheets.spreadsheets.values.append": "data",
}

#: Proto enum names that are not the capitalised parameter name.
ENUM_TYPE_NAMES = {
    "majorDimension": "Dimension",
    "dimension": "Dimension",
    "responseValueRenderOption": "ValueRenderOption",
    "responseDateTimeRenderOption": "DateTimeRenderOption",
}

SCALAR_TYPE_NAMES = {
    "int32": "TYPE_INT32",
    "int64": "TYPE_INT64",
    "uint32": "TYPE_UINT32",
    "uint64": "TYPE_UINT64",
    "double": "TYPE_DOUBLE",
    "float": "TYPE_FLOAT",
    "boolean": "TYPE_BOOL",
    "string": "TYPE_STRING",
}


class InvalidRequest(Exception):
    """A request that Google would refuse with 400; ``field`` is the offending proto path."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def response(self) -> Response:
        response = google_error(400, self.message)
        violation = {"description": self.message}
        if self.field:
            violation = {"field": self.field, **violation}
        response.body["error"]["details"] = [
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}
        ]
        return response


@dataclass(frozen=True)
class DiscoveryMethod:
    api: str
    id: str  # e.g. "sheets.spreadsheets.values.update"
    http_method: str
    patterns: tuple[re.Pattern[str], ...]  # over the request path as sent
    literal_length: int  # how specific the template is: longer wins among matches
    parameters: dict[str, Any]
    request_schema: str | None
    scopes: tuple[str, ...]  # OAuth scopes any one of which allows the call

    @property
    def name(self) -> str:
        """The id without the API prefix: "spreadsheets.values.update"."""
        return self.id.split(".", 1)[1]


@dataclass(frozen=True)
class MethodMatch:
    method: DiscoveryMethod
    path_params: dict[str, str]


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _template_regex(template: str) -> tuple[re.Pattern[str], int]:
    parts: list[str] = []
    literal = 0
    for piece in re.split(r"(\{\+?[A-Za-z_]+\})", template):
        if piece.startswith("{"):
            name = piece.strip("{}+")
            pattern = ".+?" if piece.startswith("{+") else "[^/]+?"
            parts.append(f"(?P<{name}>{pattern})")
        else:
            parts.append(re.escape(piece))
            literal += len(piece)
    return re.compile("".join(parts)), literal


def _walk_methods(resources: dict[str, Any]) -> list[dict[str, Any]]:
    methods: list[dict[str, Any]] = []
    for resource in resources.values():
        methods.extend(resource.get("methods", {}).values())
        methods.extend(_walk_methods(resource.get("resources", {})))
    return methods


@cache
def load_document(api: str) -> dict[str, Any]:
    with (DISCOVERY_DIR / DISCOVERY_FILES[api]).open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


@cache
def methods() -> tuple[DiscoveryMethod, ...]:
    found: list[DiscoveryMethod] = []
    for api in DISCOVERY_FILES:
        document = load_document(api)
        prefix = "/" + document["servicePath"]
        for raw in _walk_methods(document["resources"]):
            templates = {prefix + raw["path"], prefix + raw.get("flatPath", raw["path"])}
            simple_upload = raw.get("mediaUpload", {}).get("protocols", {}).get("simple", {})
            if "path" in simple_upload:
                templates.add(simple_upload["path"])
            compiled = [_template_regex(template) for template in sorted(templates)]
            found.append(
                DiscoveryMethod(
                    api=api,
                    id=raw["id"],
                    http_method=raw["httpMethod"],
                    patterns=tuple(pattern for pattern, _ in compiled),
                    literal_length=max(length for _, length in compiled),
                    parameters={**document.get("parameters", {}), **raw.get("parameters", {})},
                    request_schema=raw.get("request", {}).get("$ref"),
                    scopes=tuple(raw.get("scopes", ())),
                )
            )
    return tuple(found)


def find_method(request: Request) -> MethodMatch | None:
    """The discovery method a request calls, or None for a path no discovery document has."""
    best: MethodMatch | None = None
    for method in methods():
        if method.http_method != request.method:
            continue
        for pattern in method.patterns:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if best is None or method.literal_length > best.method.literal_length:
                params = {key: unquote(value) for key, value in match.groupdict().items()}
                best = MethodMatch(method, params)
    return best


def _enum_type(api: str, name: str) -> str:
    type_name = ENUM_TYPE_NAMES.get(name, name[:1].upper() + name[1:])
    return f"type.googleapis.com/{PROTO_PACKAGES.get(api, api)}.{type_name}"


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _check_query_value(api: str, name: str, spec: dict[str, Any], raw: str) -> None:
    field = snake_case(name)
    kind = spec.get("type", "string")
    if "enum" in spec and raw not in spec["enum"]:
        raise InvalidRequest(
            f"Invalid value at '{field}' ({_enum_type(api, name)}), {_shown(raw)}", field
        )
    if kind == "boolean" and raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidRequest(f"Invalid value at '{field}' (TYPE_BOOL), {_shown(raw)}", field)
    if kind == "integer" and not re.fullmatch(r"-?\d+", raw):
        type_name = SCALAR_TYPE_NAMES.get(spec.get("format", "int32"), "TYPE_INT32")
        raise InvalidRequest(f"Invalid value at '{field}' ({type_name}), {_shown(raw)}", field)


def check_query(match: MethodMatch, request: Request) -> None:
    method = match.method
    strict = method.api in STRICT_APIS
    for name, values in request.query.items():
        spec = method.parameters.get(name)
        if spec is None or spec.get("location") == "path":
            if strict:
                raise InvalidRequest(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message."
                )
            continue
        if len(values) > 1 and not spec.get("repeated") and strict:
            raise InvalidRequest(
                f"Invalid JSON payload received. Duplicate query parameter '{name}'."
            )
        for raw in values:
            _check_query_value(method.api, name, spec, raw)
    required = [
        name
        for name, spec in method.parameters.items()
        if spec.get("required") and spec.get("location") == "query"
    ]
    required.extend(EXTRA_REQUIRED.get(method.id, ()))
    for name in required:
        if name not in request.query:
            raise InvalidRequest(f"'{name}' is required but not specified")


class BodyChecker:
    """Checks a JSON value against a discovery schema the way the proto JSON parser does."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.schemas: dict[str, Any] = load_document(api)["schemas"]

    def _message_type(self, ref: str) -> str:
        return f"type.googleapis.com/{PROTO_PACKAGES.get(self.api, self.api)}.{ref}"

    def _invalid(self, path: str, type_name: str, value: Any) -> InvalidRequest:
        return InvalidRequest(f"Invalid value at '{path}' ({type_name}), {_shown(value)}", path)

    def check(self, value: Any, schema: dict[str, Any], path: str, name: str = "") -> None:
        if value is None:
            return  # JSON null means "not set" for every proto field
        if "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(value, dict):
                raise self._invalid(path, self._message_type(ref), value)
            self._check_object(value, self.schemas[ref], path)
            return
        kind = schema.get("type", "any")
        if kind == "any":
            return
        if kind == "object":
            if not isinstance(value, dict):
                raise self._invalid(path, "type.googleapis.com/google.protobuf.Struct", value)
            if "additionalProperties" in schema:
                for key, item in value.items():
                    self.check(item, schema["additionalProperties"], f"{path}[{key}]", name)
            else:
                self._check_object(value, schema, path)
            return
        if kind == "array":
            self._check_array(value, schema, path, name)
            return
        self._check_scalar(value, schema, path, name)

    def _check_array(self, value: Any, schema: dict[str, Any], path: str, name: str) -> None:
        items = schema.get("items", {})
        if not isinstance(value, list):
            if items.get("type") in ("any", "array"):
                type_name = "type.googleapis.com/google.protobuf.ListValue"
            elif "$ref" in items:
                type_name = self._message_type(items["$ref"])
            else:
                type_name = SCALAR_TYPE_NAMES.get(
                    items.get("format", items.get("type", "string")), "TYPE_STRING"
                )
            raise self._invalid(path, type_name, value)
        for index, item in enumerate(value):
            self.check(item, items, f"{path}[{index}]", name)

    def _check_object(self, value: dict[str, Any], schema: dict[str, Any], path: str) -> None:
        properties = schema.get("properties", {})
        for key, item in value.items():
            spec = properties.get(key)
            if spec is None:
                where = f" at '{path}'" if path else ""
                raise InvalidRequest(
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                    "Cannot find field.",
                    path,
                )
            child = f"{path}.{snake_case(key)}" if path else snake_case(key)
            self.check(item, spec, child, key)

    def _check_scalar(self, value: Any, schema: dict[str, Any], path: str, name: str) -> None:
        kind = schema.get("type")
        if "enum" in schema:
            known = isinstance(value, str) and value in schema["enum"]
            numbered = isinstance(value, int) and not isinstance(value, bool)
            if not (known or (numbered and 0 <= value < len(schema["enum"]))):
                raise self._invalid(path, _enum_type(self.api, name), value)
            return
        if kind == "string":
            ok = isinstance(value, str)
            if schema.get("format") in ("int64", "uint64"):
                ok = ok or (isinstance(value, int) and not isinstance(value, bool))
            type_name = SCALAR_TYPE_NAMES.get(schema.get("format", "string"), "TYPE_STRING")
        elif kind == "integer":
            ok = (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None
            )
            type_name = SCALAR_TYPE_NAMES.get(schema.get("format", "int32"), "TYPE_INT32")
        elif kind == "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok or value in ("NaN", "Infinity", "-Infinity")
            type_name = SCALAR_TYPE_NAMES.get(schema.get("format", "double"), "TYPE_DOUBLE")
        elif kind == "boolean":
            ok = isinstance(value, bool)
            type_name = "TYPE_BOOL"
        else:
            return
        if not ok:
            raise self._invalid(path, type_name, value)


def check_body(match: MethodMatch, request: Request) -> None:
    method = match.method
    if method.request_schema is None or method.api not in STRICT_APIS or not request.body:
        return
    try:
        body = json.loads(request.body)
    except ValueError:
        raise InvalidRequest("Invalid JSON payload received. Unexpected token.") from None
    checker = BodyChecker(method.api)
    checker.check(body, {"$ref": method.request_schema}, BODY_FIELD.get(method.id, ""))


def validate(request: Request) -> Response | None:
    """A 400 response for a request Google would refuse, or None to let it through."""
    match = find_method(request)
    if match is None:
        return None
    try:
        check_query(match, request)
        check_body(match, request)
    except InvalidRequest as invalid:
        return invalid.response()
    return None


class DiscoveryValidator:
    """An emulator before-hook that refuses requests that do not fit the discovery documents."""

    def __init__(self) -> None:
        self.rejected: list[tuple[str, str]] = []  # (method id, message) of each refusal

    @classmethod
    def install(cls, emulator: Emulator) -> DiscoveryValidator:
        validator = cls()
        emulator.before.append(validator.before_hook)
        return validator

    def before_hook(self, request: Request) -> Response | None:
        response = validate(request)
        if response is not None:
            match = find_method(request)
            method_id = match.method.id if match else ""
            self.rejected.append((method_id, response.body["error"]["message"]))
        return response
