"""The error tree in ``dozor.errors``: one root, each outcome error mapped to its host status."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import time
from pathlib import Path

import pytest

import dozor
from dozor import errors
from dozor.errors import DozorError, outcome_status
from dozor.outcome import HostStatus
from dozor.runner.fanout import _raw_outcome

# Errors raised and caught inside one module, never seen outside it.
_INTERNAL = {"dozor.engine.http.HTTPError", "dozor.engine.http.BodyTooLarge"}

OUTCOMES = {
    errors.TransportError: HostStatus.ERROR,
    errors.HostUnreachable: HostStatus.UNREACHABLE,
    errors.ConnectTimeout: HostStatus.TIMEOUT,
    errors.AuthFailed: HostStatus.AUTH_FAILED,
    errors.HostKeyUnknown: HostStatus.HOSTKEY_UNKNOWN,
    errors.HostKeyMismatch: HostStatus.HOSTKEY_MISMATCH,
    errors.ChannelError: HostStatus.ERROR,
    errors.UnixSocketUnavailable: HostStatus.ERROR,
    errors.CommandTimeout: HostStatus.TIMEOUT,
    errors.EngineTimeout: HostStatus.TIMEOUT,
    errors.CollectorError: HostStatus.ERROR,
    errors.DockerUnavailable: HostStatus.DOCKER_UNAVAILABLE,
    errors.ServiceNotFound: HostStatus.ERROR,
    errors.ActionFailed: HostStatus.ERROR,
    errors.Refused: HostStatus.REFUSED,
    errors.GuardRefused: HostStatus.REFUSED,
    errors.CommandRefused: HostStatus.REFUSED,
}
# Errors that are not a host's outcome: an operation that lets one escape ends as an unexpected ``error``.
NOT_OUTCOMES = {
    errors.DozorError, errors.InventoryError, errors.UnknownHostError, errors.ServeError, errors.DuplicateCollector,
    errors.EngineUnavailable, errors.EngineRefused, errors.ShardError, errors.FileLimitTooLow,
    errors.NoiseRefused, errors.NoiseStateCorrupt,
}


def _instance(cls: type[BaseException]) -> BaseException:
    if cls is errors.InventoryError:
        return cls("fleet.toml", [("hosts.a", "bad")])
    if cls in (errors.GuardRefused, errors.CommandRefused):
        return cls("rule", "why")
    if cls is errors.CommandTimeout:
        return cls("too slow", None)
    if cls is errors.EngineRefused:
        return cls("engine answered /x: HTTP 500: why", 500)
    if cls is errors.FileLimitTooLow:
        return cls("why", hosts=1, needed=66, soft=40, hard=40)
    return cls("why")


def test_every_class_in_the_module_is_in_this_test() -> None:
    public = {obj for name, obj in vars(errors).items()
              if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == errors.__name__}
    assert public == set(OUTCOMES) | NOT_OUTCOMES
    assert {c.__name__ for c in public} | {"outcome_status"} == set(errors.__all__)


@pytest.mark.parametrize("cls", sorted(set(OUTCOMES) | NOT_OUTCOMES, key=lambda c: c.__name__))
def test_every_error_subclasses_the_root(cls: type[BaseException]) -> None:
    assert issubclass(cls, DozorError)


@pytest.mark.parametrize(("cls", "status"), OUTCOMES.items(), ids=lambda v: getattr(v, "__name__", str(v)))
def test_outcome_errors_carry_their_status(cls: type[BaseException], status: HostStatus) -> None:
    exc = _instance(cls)
    assert outcome_status(exc) is status
    result = _raw_outcome("h", exc, time.monotonic())
    assert result.status is status and result.reason == str(exc)


@pytest.mark.parametrize("cls", sorted(NOT_OUTCOMES, key=lambda c: c.__name__))
def test_other_errors_are_unexpected_on_a_host(cls: type[BaseException]) -> None:
    exc = _instance(cls)
    assert outcome_status(exc) is None
    result = _raw_outcome("h", exc, time.monotonic())
    assert result.status is HostStatus.ERROR and result.reason == f"{cls.__name__}: {exc}"


def test_foreign_exceptions_are_unexpected_even_with_a_status_attribute() -> None:
    class Odd(Exception):
        status = 404

    assert outcome_status(KeyError("x")) is None
    assert outcome_status(Odd()) is None
    assert _raw_outcome("h", KeyError("x"), time.monotonic()).reason == "KeyError: 'x'"


def test_bad_arguments_stay_value_errors() -> None:
    """The CLI and MCP turn a ValueError into a usage error; these two keep that contract."""
    assert issubclass(errors.UnknownHostError, ValueError)
    assert issubclass(errors.CommandRefused, ValueError)


def test_old_homes_re_export_the_same_classes() -> None:
    from dozor.collectors.base import CollectorError, DockerUnavailable
    from dozor.engine.client import EngineTimeout, EngineUnavailable
    from dozor.inventory.loader import InventoryError
    from dozor.inventory.selector import UnknownHostError
    from dozor.mcp.serving import ServeError
    from dozor.ops.action import ActionFailed
    from dozor.ops.exec_policy import CommandRefused
    from dozor.ops.guard import GuardRefused
    from dozor.runner.fanout import CommandTimeout, Refused
    from dozor.transport.errors import AuthFailed, TransportError

    assert (CollectorError, DockerUnavailable, EngineTimeout, EngineUnavailable, InventoryError, UnknownHostError,
            ServeError, ActionFailed, CommandRefused, GuardRefused, CommandTimeout, Refused, AuthFailed,
            TransportError) == (
        errors.CollectorError, errors.DockerUnavailable, errors.EngineTimeout, errors.EngineUnavailable,
        errors.InventoryError, errors.UnknownHostError, errors.ServeError, errors.ActionFailed,
        errors.CommandRefused, errors.GuardRefused, errors.CommandTimeout, errors.Refused, errors.AuthFailed,
        errors.TransportError)


def test_no_exception_class_is_defined_outside_the_tree() -> None:
    """Every ``class X(...Error/Exception)`` in dozor/ is in dozor.errors, bar the module-internal ones."""
    root = Path(dozor.__file__).parent
    stray = []
    for info in pkgutil.walk_packages([str(root)], prefix="dozor."):
        if info.name in ("dozor.errors", "dozor.__main__"):  # __main__ runs the CLI when imported
            continue
        path = root.joinpath(*info.name.split(".")[1:])
        source = path / "__init__.py" if info.ispkg else path.with_suffix(".py")
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ClassDef) and f"{info.name}.{node.name}" not in _INTERNAL:
                module = importlib.import_module(info.name)
                cls = getattr(module, node.name, None)
                if inspect.isclass(cls) and issubclass(cls, BaseException):
                    stray.append(f"{info.name}.{node.name}")
    assert stray == []


def test_errors_module_sits_at_the_bottom_of_the_import_graph() -> None:
    tree = ast.parse(Path(errors.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in imported if m.split(".")[0] == "dozor"} <= {"dozor.outcome"}
