"""The .pyi stubs match the compiled module, so they cannot drift."""

from __future__ import annotations

import ast
import inspect
import pathlib
import subprocess
import sys
from typing import Dict, List, Tuple

import agentmart
from agentmart import _native, aio

PKG = pathlib.Path(agentmart.__file__).resolve().parent
ROOT = pathlib.Path(__file__).resolve().parent.parent
KINDS = {
    "posonly": inspect.Parameter.POSITIONAL_ONLY,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "vararg": inspect.Parameter.VAR_POSITIONAL,
    "kwonly": inspect.Parameter.KEYWORD_ONLY,
    "kwarg": inspect.Parameter.VAR_KEYWORD,
}


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> List[Tuple[str, object]]:
    a = fn.args
    out = [(p.arg, KINDS["posonly"]) for p in a.posonlyargs] + [(p.arg, KINDS["args"]) for p in a.args]
    if a.vararg:
        out.append((a.vararg.arg, KINDS["vararg"]))
    out += [(p.arg, KINDS["kwonly"]) for p in a.kwonlyargs]
    if a.kwarg:
        out.append((a.kwarg.arg, KINDS["kwarg"]))
    return [p for p in out if p[0] not in ("self", "cls")]


def _stub(path: pathlib.Path) -> ast.Module:
    return ast.parse(path.read_text())


def _members(cls: ast.ClassDef) -> Dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_native_stub_matches_the_module() -> None:
    tree = _stub(PKG / "_native.pyi")
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    runtime_public = {n for n in dir(_native) if not n.startswith("_")}
    assert runtime_public == set(classes) | set(functions), "stub and module disagree on public names"

    for name, node in classes.items():
        cls = getattr(_native, name)
        stub_members = _members(node)
        public = {n for n in dir(cls) if not n.startswith("_")}
        stub_public = {n for n in stub_members if not n.startswith("_")}
        assert public == stub_public, f"{name}: module {sorted(public ^ stub_public)} differ"
        for member, fn in stub_members.items():
            attr = inspect.getattr_static(cls, member)
            is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)
            if is_property:
                assert inspect.isdatadescriptor(attr), f"{name}.{member} should be a property"
                continue
            runtime_fn = getattr(cls, member)
            sig = inspect.signature(runtime_fn)
            got = [(p.name, p.kind) for p in sig.parameters.values() if p.name not in ("self", "cls", "$self")]
            assert got == _params(fn), f"{name}.{member}: runtime {got} != stub {_params(fn)}"
            # Defaults: a stub default of None means the runtime default is None too.
            for p_stub, p_rt in zip(fn.args.kwonlyargs, [p for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY]):
                assert p_rt.default is None or p_rt.default is inspect.Parameter.empty, (name, member, p_stub.arg)

    for name, fn in functions.items():
        sig = inspect.signature(getattr(_native, name))
        assert [(p.name, p.kind) for p in sig.parameters.values()] == _params(fn)


def test_aio_stub_matches_the_module_and_is_generated() -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_aio_stub.py"), "--check"], check=True)
    tree = _stub(PKG / "aio.pyi")
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    assert set(classes) == set(aio.__all__)
    for name, node in classes.items():
        cls = getattr(aio, name)
        stub_public = {n for n in _members(node) if not n.startswith("_")}
        stub_public |= {
            n.target.id for n in node.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
        }
        runtime_public = {n for n in dir(cls) if not n.startswith("_")}
        if name == "AsyncAgentmart":
            runtime_public |= {"auth", "agents", "market", "admin"}  # instance attributes
        assert runtime_public == stub_public, f"{name}: {sorted(runtime_public ^ stub_public)}"


def test_package_exports_and_typing_marker() -> None:
    assert (PKG / "py.typed").exists()
    for name in agentmart.__all__:
        assert hasattr(agentmart, name), name
    records = [getattr(agentmart, n) for n in agentmart.__all__]
    for obj in records:
        if isinstance(obj, type) and issubclass(obj, agentmart.Record):
            assert obj.__doc__, f"{obj.__name__} needs a docstring"


def test_every_result_kind_named_in_rust_is_a_record_class() -> None:
    import re

    from agentmart import _types

    kinds = set()
    for src in (ROOT / "src").rglob("*.rs"):
        kinds |= set(re.findall(r'record\(py, "([^"]+)"', src.read_text()))
    assert len(kinds) > 15
    for kind in kinds - {"json"}:
        name = kind.split(":", 1)[-1]
        assert name in _types._REGISTRY, f"Rust returns `{kind}` but agentmart._types has no class {name}"
        assert name in agentmart.__all__, f"{name} is not exported from agentmart"
