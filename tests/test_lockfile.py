"""The lock files hold what pyproject.toml asks for (issue 11.9): `make lock` after every
change to its dependencies, or this fails (in `make test` and in CI)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = PROJECT["dependencies"]
DEV = PROJECT["optional-dependencies"]["dev"]
LOCKS = {"requirements.lock": RUNTIME, "requirements-dev.lock": RUNTIME + DEV}
FIX = "run `make lock` (see the README) and commit both lock files"

_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
_DIRECT = re.compile(r"^forum \(.*pyproject\.toml\)$")


@dataclass
class Pin:
    version: str
    hashes: int = 0
    direct: bool = False
    via: list[str] = field(default_factory=list)


def _read_lock(name: str) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for raw in (REPO / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if entry := _ENTRY.match(raw):
            current = pins[canonicalize_name(entry.group(1))] = Pin(entry.group(2))
        elif current and line.startswith("--hash=sha256:"):
            current.hashes += 1
        elif current and line.startswith("#"):
            via = line.lstrip("#").strip().removeprefix("via").strip()
            if via:
                current.via.append(via)
                current.direct |= bool(_DIRECT.match(via))
    return pins


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_of_pyproject_is_locked_within_its_range(lock):
    pins = _read_lock(lock)
    for text in LOCKS[lock]:
        req = Requirement(text)
        pin = pins.get(canonicalize_name(req.name))
        assert pin is not None, f"{req.name} is not in {lock}: {FIX}"
        assert req.specifier.contains(pin.version, prereleases=True), (
            f"{lock} pins {req.name}=={pin.version}, outside {req.specifier}: {FIX}"
        )
        assert pin.direct, f"{lock} does not list {req.name} as asked for by pyproject: {FIX}"


@pytest.mark.parametrize("lock", LOCKS)
def test_nothing_is_locked_for_a_requirement_pyproject_no_longer_has(lock):
    wanted = {canonicalize_name(Requirement(text).name) for text in LOCKS[lock]}
    stale = sorted(name for name, pin in _read_lock(lock).items() if pin.direct)
    assert not set(stale) - wanted, f"{lock} still has {set(stale) - wanted}: {FIX}"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_a_hash(lock):
    pins = _read_lock(lock)
    assert pins and all(pin.hashes for pin in pins.values()), f"{lock} lacks hashes: {FIX}"


def test_serving_and_development_pin_the_same_versions():
    serving, dev = _read_lock("requirements.lock"), _read_lock("requirements-dev.lock")
    differ = {
        name: (pin.version, dev[name].version if name in dev else None)
        for name, pin in serving.items()
        if name not in dev or dev[name].version != pin.version
    }
    assert not differ, f"requirements.lock and requirements-dev.lock differ: {differ}: {FIX}"
