"""Noticing when a notebook replaced what the checks rely on.

:func:`snapshot` runs once, when ``grader`` is first imported (the locked opening
cell, before any student cell).  It records the objects the checks use: torch
and NumPy functions, tensor methods, builtins, and every function of the
grader's own modules (the reference and hidden checks are imported eagerly when
grading, so they are recorded too).  :func:`tampered` lists what differs now:
an attribute rebound to another object, a function whose code was swapped, or a
grader function defined outside the grader package.
"""
from __future__ import annotations

import builtins
import importlib
import os
import sys
import types
from typing import Any

import numpy as np
import torch

__all__ = ["snapshot", "tampered"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_WATCHED: list[tuple[Any, str, tuple[str, ...]]] = [
    (torch, "torch", ("allclose", "isclose", "equal", "isfinite", "isnan", "abs", "where", "argsort",
                      "zeros_like", "full_like", "ones_like", "randn", "rand", "randint", "tensor",
                      "as_tensor", "manual_seed", "Generator", "Tensor", "float32", "float64",
                      "sigmoid", "tanh", "relu", "erf", "exp", "cat", "stack", "no_grad", "enable_grad")),
    (torch.autograd, "torch.autograd", ("grad", "backward")),
    (torch.nn.functional, "torch.nn.functional", ("relu", "leaky_relu", "prelu", "elu", "selu", "gelu",
                                                  "silu", "sigmoid", "tanh", "softmax", "log_softmax")),
    (torch.Tensor, "torch.Tensor", ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__sub__",
                                    "__add__", "__mul__", "__truediv__", "__abs__", "__bool__", "__float__",
                                    "__getitem__", "abs", "all", "any", "sum", "mean", "max", "min", "item",
                                    "tolist", "to", "cpu", "clone", "detach", "reshape", "view", "numel",
                                    "double", "float", "backward", "requires_grad_")),
    (np, "numpy", ("allclose", "isclose", "array_equal", "isfinite", "abs", "asarray", "array")),
    (np.testing, "numpy.testing", ("assert_allclose", "assert_array_equal")),
    (builtins, "builtins", ("isinstance", "type", "float", "int", "bool", "abs", "sum", "min", "max",
                            "len", "print", "round", "getattr", "callable", "__import__")),
]

_TRUSTED_PREFIXES = ("grader.checks", "grader.reference", "grader.hidden")
#: The harness itself, imported by the snapshot so that it has a baseline.
_HARNESS = ("report", "guard", "call", "compare", "gradcheck", "harness")
_LIBRARY_DIRS = tuple({os.path.abspath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
_snap: dict[str, Any] | None = None


def _grader_functions() -> dict[str, Any]:
    """Every function (and its code) defined at the top level of the trusted grader modules."""
    found: dict[str, Any] = {}
    for modname, mod in list(sys.modules.items()):
        if not isinstance(mod, types.ModuleType) or not modname.startswith(_TRUSTED_PREFIXES):
            continue
        for attr, obj in list(vars(mod).items()):
            fn = getattr(obj, "__wrapped__", obj)
            if isinstance(fn, types.FunctionType):
                found[f"{modname}.{attr}"] = (obj, fn.__code__)
    return found


def snapshot() -> None:
    """Record the objects the checks rely on.  Only the first call counts."""
    global _snap
    if _snap is not None:
        return
    for name in _HARNESS:
        importlib.import_module(f"grader.checks.{name}")
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        for name in ("grader.reference", "grader.hidden"):
            try:  # the student bundle has neither package: nothing to record then
                pkg = importlib.import_module(name)
            except ImportError:
                continue
            for sub in getattr(pkg, "TOPICS", ()):
                try:
                    importlib.import_module(f"{name}.{sub}")
                except ImportError:  # a topic not written yet: its checks cannot run anyway
                    continue
    snap: dict[str, Any] = {}
    for owner, label, names in _WATCHED:
        for name in names:
            if hasattr(owner, name):
                snap[f"{label}.{name}"] = getattr(owner, name)
    snap.update(_grader_functions())
    _snap = snap


def _current(key: str) -> Any:
    for owner, label, names in _WATCHED:
        prefix = label + "."
        if key.startswith(prefix) and key[len(prefix):] in names:
            return getattr(owner, key[len(prefix):], None)
    modname, _, attr = key.rpartition(".")
    mod = sys.modules.get(modname)
    obj = getattr(mod, attr, None)
    fn = getattr(obj, "__wrapped__", obj)
    return obj, getattr(fn, "__code__", None)


def tampered() -> list[str]:
    """Names of the watched objects that were replaced since the snapshot (empty: all fine)."""
    if _snap is None:
        snapshot()
    assert _snap is not None
    bad = [key for key, old in _snap.items() if not _unchanged(_current(key), old)]
    # Modules imported after the snapshot have no baseline: their functions must at
    # least come from files on disk (ours or a library's), not from a notebook cell.
    for key, (obj, code) in _grader_functions().items():
        if key not in _snap and not _on_disk(code.co_filename):
            bad.append(key)
    for modname in list(sys.modules):
        mod = sys.modules[modname]
        if modname.startswith(_TRUSTED_PREFIXES) and not _from_package(mod):
            bad.append(modname)
    return sorted(set(bad))


def _unchanged(now: Any, old: Any) -> bool:
    # Identity only: a stand-in object could make == say anything.
    if isinstance(old, tuple) and isinstance(now, tuple):
        return len(now) == len(old) and all(a is b for a, b in zip(now, old))
    return now is old


def _on_disk(filename: str) -> bool:
    path = os.path.abspath(filename)
    return path.startswith(_PKG_DIR) or path.startswith(_LIBRARY_DIRS)


def _from_package(mod: Any) -> bool:
    path = getattr(mod, "__file__", None)
    return isinstance(path, str) and os.path.abspath(path).startswith(_PKG_DIR)
