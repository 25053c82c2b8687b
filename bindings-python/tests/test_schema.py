"""The Python types follow the core's JSON Schema (issue 9 item 3).

``core_schema.json`` is ``agentmart_core::schema::components()``, kept equal
to the core by ``tests/core_schema.rs`` (``cargo test --workspace``). Here
every component is compared with what Python says about it:

* answer types with the record classes of ``agentmart._types``: the same
  fields (JSON keys), the same type (str / int / float / bool / datetime /
  date / list / nested record / any JSON) and ``Optional`` exactly when the
  core may send ``null`` or leave the key out;
* request types with the keyword parameters of the methods in
  ``_native.pyi`` (``aio.pyi`` is generated from it and checked by
  ``test_stubs.py``): the same names, required exactly when the core requires
  them, and enumerations typed with their ``Literal`` alias;
* enumerations with the ``Literal`` aliases of ``_types.py`` (``agentmart.CatalogSort``
  …, which the stubs and the FastAPI example use) and, for
  ``ErrorCode``, with the exception classes of ``agentmart._errors``.

Every component must be claimed by one of these checks or listed in
``NOT_IN_PYTHON`` with the reason, so a new core type cannot slip past
either. The ``test_the_check_*`` tests doctor a copy of the schema to prove
each comparison fails when the two sides drift.
"""

from __future__ import annotations

import ast
import copy
import datetime as _dt
import json
import typing
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

import agentmart
from agentmart import _errors, _types

HERE = Path(__file__).resolve().parent
STUB = HERE.parent / "python" / "agentmart" / "_native.pyi"
SCHEMA: Dict[str, Any] = json.loads((HERE / "core_schema.json").read_text())

# Record class → core component, where the names differ.
RECORD_COMPONENT = {
    "AgentDraft": "AgentDraftView",
    "AgentVersionView": "VersionView",
    "Review": "ReviewView",
}
# Records that are not a core request or answer type.
RECORDS_NOT_IN_SCHEMA = {"Message": "the notifier's message (agentmart_core::Message), not a service answer"}
# Components that serve as answers in their request form (see core/src/schema.rs):
# `required` there lists what a request must send, not what an answer carries.
BOTH_WAYS = {"AgentDefinition", "Skill", "ModelSettings"}

# Enumeration component → its Literal alias in _types.py.
LITERALS = {"CatalogSort": "CatalogSort", "ReviewSort": "ReviewSort", "AgentStatus": "AgentStatus", "Role": "RoleName"}


class Call(typing.NamedTuple):
    """A stub method that takes request components as keyword parameters."""

    components: Tuple[str, ...]
    # Parameters that are not fields of the components (principal, path, ...).
    other: Tuple[str, ...] = ()
    # Component field → parameter name, where they differ.
    renamed: Mapping[str, str] = {}


CLIENT = "ClientInfo"
REQUEST_CALLS: Dict[Tuple[str, str], Call] = {
    ("Auth", "register"): Call(("RegisterRequest", CLIENT)),
    ("Auth", "login"): Call(("LoginRequest", CLIENT)),
    ("Auth", "refresh"): Call((CLIENT,), other=("refresh_token",)),
    ("Auth", "request_password_reset"): Call((CLIENT,), other=("email",)),
    ("Auth", "principal_for_external"): Call(("ExternalIdentity",)),
    ("Auth", "my_audit"): Call(("PageRequest",), other=("principal",)),
    ("Agents", "preview"): Call(("PreviewRequest",), other=("principal", "agent")),
    ("Agents", "publish"): Call(("PublishRequest",), other=("principal", "agent")),
    ("Agents", "set_status"): Call(("StatusChange",), other=("principal", "agent")),
    ("Market", "list"): Call(("ListAgents",), other=("viewer",)),
    ("Market", "install"): Call(("InstallRequest",), other=("principal", "agent")),
    ("Market", "rate"): Call(("RateRequest",), other=("principal", "agent")),
    ("Market", "reviews"): Call(("ListReviews",), other=("agent",)),
    ("Market", "my_installs"): Call(("PageRequest",), other=("principal",)),
    ("Market", "record_usage"): Call(("UsageRequest",), other=("principal", "agent")),
    ("Market", "usage"): Call(("UsageQuery",), other=("principal", "agent"), renamed={"from": "from_date", "to": "to_date"}),
    ("Admin", "audit"): Call(
        ("AuditFilter", "PageRequest"), other=("principal",), renamed={"from": "from_time", "to": "to_time"}
    ),
    ("Admin", "update_user"): Call(("AdminUserUpdate",), other=("principal", "user_id")),
    ("Admin", "moderate_agent"): Call(("Moderation",), other=("principal", "agent")),
}

# Components Python has no type of its own for, and why.
NOT_IN_PYTHON = {
    "AgentId": "ids are str",
    "AuditId": "ids are str",
    "ReviewId": "ids are str",
    "SessionId": "ids are str",
    "UserId": "ids are str",
    "SemVer": "versions are str",
    "MimeType": "MIME types are str (the core checks the allow-list)",
    "AgentRef": 'agents are named by their "owner/slug" path (a str)',
    "CreateAgent": "Agents.create(principal, slug, **definition): the keywords go to the core's deserializer as they are",
    "DraftPatch": "Agents.update_draft(principal, agent, **changes): the keywords go to the core as they are",
    "ProfilePatch": "Auth.update_profile(principal, **changes): the keywords go to the core as they are",
}


# ---------------------------------------------------------------- descriptions

Desc = Any  # "str" | "int" | "float" | "bool" | "datetime" | "date" | "any" | ("list", Desc) | ("record", name)


def describe_schema(schema: Mapping[str, Any], prop: Any) -> Tuple[bool, Desc]:
    """(may be null, shape) of a property schema."""
    if prop is True or not isinstance(prop, dict):
        return True, "any"
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o != {"type": "null"}]
        nullable = len(options) < len(prop["anyOf"])
        if len(options) == 1:
            inner_nullable, desc = describe_schema(schema, options[0])
            return nullable or inner_nullable, desc
        return True, "any"
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = schema[name]
        if "properties" in target:
            return False, ("record", name)
        return describe_schema(schema, {k: v for k, v in target.items() if k not in ("enum", "description")})
    kinds = prop.get("type")
    if kinds is None:
        return True, "any"  # `{}`: any JSON value, null included
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    if len(kinds) != 1:
        return True, "any"
    kind = kinds[0]
    if kind == "string":
        return nullable, {"date-time": "datetime", "date": "date"}.get(prop.get("format", ""), "str")
    if kind == "array":
        return nullable, ("list", describe_schema(schema, prop.get("items", True))[1])
    if kind == "object":
        return nullable, "any"
    return nullable, {"integer": "int", "number": "float", "boolean": "bool"}[kind]


def describe_python(annotation: Any) -> Tuple[bool, Desc]:
    """(Optional, shape) of a record annotation."""
    if annotation is Any:
        return True, "any"
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Union:
        rest = [a for a in args if a is not type(None)]
        inner = describe_python(rest[0])[1] if len(rest) == 1 else "any"
        return len(rest) < len(args), inner
    if typing.get_origin(annotation) is list:
        return False, ("list", describe_python(args[0])[1])
    if typing.get_origin(annotation) is dict:
        return False, "any"
    if isinstance(annotation, type) and issubclass(annotation, _types.Record):
        return False, ("record", component_of(annotation.__name__))
    simple = {str: "str", int: "int", float: "float", bool: "bool", _dt.datetime: "datetime", _dt.date: "date"}
    return False, simple.get(annotation, f"unknown {annotation!r}")


def component_of(record: str) -> str:
    return RECORD_COMPONENT.get(record, record)


def records() -> Dict[str, type]:
    """Every record class, by name (the registry `_build` uses)."""
    return {name: cls for name, cls in _types._REGISTRY.items() if not name.startswith("_")}


def record_fields(cls: type) -> Dict[str, Tuple[str, Any]]:
    """JSON key → (attribute name, annotation) of a record class."""
    hints = typing.get_type_hints(cls, globalns=vars(_types))  # records are re-exported with __module__ "agentmart"
    return {
        cls._json_key(name): (name, hint)  # type: ignore[attr-defined]
        for name, hint in hints.items()
        if not name.startswith("_")
    }


# ---------------------------------------------------------------- comparisons


def record_problems(schema: Mapping[str, Any]) -> List[str]:
    problems = []
    for name, cls in records().items():
        if name in RECORDS_NOT_IN_SCHEMA:
            continue
        comp_name = component_of(name)
        comp = schema.get(comp_name)
        if comp is None or "properties" not in comp:
            problems.append(f"record {name}: no object component {comp_name} in the core schema")
            continue
        fields = record_fields(cls)
        required = set(comp.get("required", []))
        for key, prop in comp["properties"].items():
            if key not in fields:
                problems.append(f"record {name}: core field {comp_name}.{key} is not annotated in _types.py")
                continue
            attr, hint = fields[key]
            core_null, core_desc = describe_schema(schema, prop)
            core_optional = core_null or (key not in required and comp_name not in BOTH_WAYS)
            py_optional, py_desc = describe_python(hint)
            if core_desc != py_desc:
                problems.append(f"record {name}.{attr}: Python type {py_desc!r}, core {comp_name}.{key} {core_desc!r}")
            if core_optional != py_optional:
                problems.append(
                    f"record {name}.{attr}: Optional in Python is {py_optional}, "
                    f"but the core {'may omit or null it' if core_optional else 'always sends a value'}"
                )
        for key, (attr, _) in fields.items():
            if key not in comp["properties"]:
                problems.append(f"record {name}.{attr}: the core type {comp_name} has no field {key!r}")
    return problems


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text())


def enum_problems(schema: Mapping[str, Any]) -> List[str]:
    problems = []
    for comp, alias in LITERALS.items():
        core = schema.get(comp, {}).get("enum")
        ours = list(typing.get_args(getattr(_types, alias)))
        if core is None:
            problems.append(f"enum {comp}: not an enumeration of the core schema")
        elif ours != core:
            problems.append(f"enum {comp}: core values {core}, agentmart.{alias} = Literal{ours}")
    codes = list(_errors._BY_CODE)
    if sorted(codes) != sorted(schema.get("ErrorCode", {}).get("enum", [])):
        problems.append(f"enum ErrorCode: core codes {schema.get('ErrorCode', {}).get('enum')}, _errors._BY_CODE {codes}")
    return problems


def stub_methods(tree: ast.Module) -> Dict[Tuple[str, str], ast.arguments]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    out[(node.name, item.name)] = item.args
    return out


def parameters(args: ast.arguments) -> Dict[str, Tuple[bool, str]]:
    """Parameter → (has a default, annotation source), `self` left out."""
    out = {}
    positional = args.posonlyargs + args.args
    defaults = [False] * (len(positional) - len(args.defaults)) + [True] * len(args.defaults)
    for arg, has_default in zip(positional, defaults):
        out[arg.arg] = (has_default, ast.unparse(arg.annotation) if arg.annotation else "")
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out[arg.arg] = (default is not None, ast.unparse(arg.annotation) if arg.annotation else "")
    out.pop("self", None)
    return out


def request_problems(schema: Mapping[str, Any], tree: ast.Module) -> List[str]:
    problems = []
    methods = stub_methods(tree)
    alias_of = {f"#/components/schemas/{comp}": alias for comp, alias in LITERALS.items()}
    for (cls, method), call in REQUEST_CALLS.items():
        where = f"{cls}.{method}"
        if (cls, method) not in methods:
            problems.append(f"{where}: not in _native.pyi")
            continue
        params = parameters(methods[(cls, method)])
        expected: Set[str] = set(call.other)
        for comp_name in call.components:
            comp = schema.get(comp_name)
            if comp is None or "properties" not in comp:
                problems.append(f"{where}: no object component {comp_name} in the core schema")
                continue
            required = set(comp.get("required", []))
            for key, prop in comp["properties"].items():
                param = call.renamed.get(key, key)
                expected.add(param)
                if param not in params:
                    problems.append(f"{where}: core field {comp_name}.{key} has no parameter {param!r}")
                    continue
                has_default, annotation = params[param]
                if (key in required) == has_default:
                    problems.append(
                        f"{where}({param}): {'required' if key in required else 'optional'} in {comp_name}, "
                        f"but the parameter {'has' if has_default else 'has no'} default"
                    )
                refs = [o.get("$ref") for o in prop.get("anyOf", [prop]) if isinstance(o, dict)]
                for ref in refs:
                    if ref in alias_of and alias_of[ref] not in annotation:
                        problems.append(f"{where}({param}): typed {annotation!r}, should use the Literal {alias_of[ref]}")
        for param in params:
            if param not in expected:
                problems.append(f"{where}({param}): no such field in {', '.join(call.components)}")
    return problems


def coverage_problems(schema: Mapping[str, Any]) -> List[str]:
    claimed = set(NOT_IN_PYTHON) | set(LITERALS) | {"ErrorCode"}
    claimed |= {component_of(r) for r in records() if r not in RECORDS_NOT_IN_SCHEMA}
    claimed |= {c for call in REQUEST_CALLS.values() for c in call.components}
    claimed |= {"Principal"}  # the native class, see principal_problems
    claimed |= {name for name in schema if name.endswith("Page")}  # agentmart.Page, see page_problems
    return [
        f"component {name}: no Python record, stub parameter or Literal follows it (add one, or list it in NOT_IN_PYTHON)"
        for name in sorted(set(schema) - claimed)
    ]


def principal_problems(schema: Mapping[str, Any], tree: ast.Module) -> List[str]:
    """The native `Principal` class has a property per core field (plus `is_admin`)."""
    props = {
        item.name
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name == "Principal"
        for item in node.body
        if isinstance(item, ast.FunctionDef)
    }
    core = set(schema.get("Principal", {}).get("properties", {}))
    return [f"Principal: core field {f} has no property in _native.pyi" for f in sorted(core - props)] + [
        f"Principal.{p}: not a core field" for p in sorted(props - core - {"is_admin"})
    ]


def page_problems(schema: Mapping[str, Any]) -> List[str]:
    slots = set(agentmart.Page.__slots__) - {"_data"}
    return [
        f"component {name}: fields {sorted(comp.get('properties', {}))}, agentmart.Page has {sorted(slots)}"
        for name, comp in schema.items()
        if name.endswith("Page") and set(comp.get("properties", {})) != slots
    ]


def all_problems(schema: Mapping[str, Any]) -> List[str]:
    tree = stub_tree()
    return (
        record_problems(schema)
        + enum_problems(schema)
        + request_problems(schema, tree)
        + principal_problems(schema, tree)
        + page_problems(schema)
        + coverage_problems(schema)
    )


# ---------------------------------------------------------------- the tests


def test_python_types_follow_the_core_schema() -> None:
    problems = all_problems(SCHEMA)
    assert not problems, "Python and the core disagree:\n" + "\n".join(problems)


def doctored(edit: Any) -> Dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    edit(schema)
    return schema


def test_the_check_sees_a_field_added_to_a_core_answer() -> None:
    def edit(s: Dict[str, Any]) -> None:
        s["Profile"]["properties"]["pronouns"] = {"type": ["string", "null"]}
        s["Profile"]["required"].append("pronouns")

    assert "record Profile: core field Profile.pronouns is not annotated in _types.py" in all_problems(doctored(edit))


def test_the_check_sees_a_python_field_the_core_lacks() -> None:
    def edit(s: Dict[str, Any]) -> None:
        del s["SessionInfo"]["properties"]["user_agent"]

    problems = all_problems(doctored(edit))
    assert "record SessionInfo.user_agent: the core type SessionInfo has no field 'user_agent'" in problems


def test_the_check_sees_type_and_optionality_drift() -> None:
    def edit(s: Dict[str, Any]) -> None:
        s["TokenPair"]["properties"]["expires_in"] = {"type": "string"}
        s["Profile"]["properties"]["handle"] = {"type": ["string", "null"]}
        s["AgentCard"]["properties"]["iconUrl"] = {"type": "string"}
        s["AgentCard"]["required"].append("iconUrl")

    problems = all_problems(doctored(edit))
    assert "record TokenPair.expires_in: Python type 'int', core TokenPair.expires_in 'str'" in problems
    assert "record Profile.handle: Optional in Python is False, but the core may omit or null it" in problems
    assert "record AgentCard.icon_url: Optional in Python is True, but the core always sends a value" in problems


def test_the_check_sees_enum_drift() -> None:
    # The drift this check was written for: `relevance` was missing in Python.
    def edit(s: Dict[str, Any]) -> None:
        s["CatalogSort"]["enum"].append("shiny")
        s["ErrorCode"]["enum"].append("teapot")

    problems = all_problems(doctored(edit))
    assert any(p.startswith("enum CatalogSort: core values") and "shiny" in p for p in problems), problems
    assert any(p.startswith("enum ErrorCode:") for p in problems), problems


def test_the_check_sees_request_drift() -> None:
    def edit(s: Dict[str, Any]) -> None:
        s["LoginRequest"]["properties"]["otp"] = {"type": "string"}
        s["LoginRequest"]["required"].append("otp")
        del s["ListAgents"]["properties"]["tag"]
        s["RateRequest"]["required"].append("title")

    problems = all_problems(doctored(edit))
    assert "Auth.login: core field LoginRequest.otp has no parameter 'otp'" in problems
    assert "Market.list(tag): no such field in ListAgents" in problems
    assert "Market.rate(title): required in RateRequest, but the parameter has default" in problems


def test_the_check_sees_a_new_component() -> None:
    def edit(s: Dict[str, Any]) -> None:
        s["Organization"] = {"type": "object", "properties": {"id": {"type": "string"}}}
        s["Principal"]["properties"]["org_id"] = {"type": "string"}

    problems = all_problems(doctored(edit))
    assert any(p.startswith("component Organization: no Python record") for p in problems), problems
    assert "Principal: core field org_id has no property in _native.pyi" in problems


def test_card_records_read_the_camel_case_json() -> None:
    card = agentmart.AgentCard(
        {"protocolVersion": "0.3.0", "defaultInputModes": ["text/plain"], "skills": [{"id": "s", "inputModes": None}]}
    )
    assert card.protocol_version == "0.3.0"
    assert card.default_input_modes == ["text/plain"]
    assert card.skills[0].id == "s" and card.skills[0].input_modes is None
    assert card.documentation_url is None
    assert "protocolVersion" not in dir(card) and "protocol_version" in dir(card)
