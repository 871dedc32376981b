"""Audit the locked versions against known advisories with pip-audit (issue 11.9).

pip-audit asks an advisory service about every pinned version: PyPI's JSON API by default,
or OSV. When neither answers (no network, or a mirror without the per-version pages), it
would report every package as "not found" and still exit 0; so one pinned package is asked
first, and the audit is skipped, saying why, when no service answers. With --strict, a
package it then cannot look up fails the audit instead of passing unchecked.

    python .ci/audit.py requirements-dev.lock
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

TIMEOUT = 15


def _first_pin(lock: str) -> tuple[str, str]:
    with open(lock, encoding="utf-8") as f:
        for line in f:
            if m := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line):
                return m.group(1), m.group(2)
    raise SystemExit(f"audit: no pinned package in {lock}")


def _probe(request: urllib.request.Request) -> str | None:
    """None when the service answers; otherwise why not."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            json.load(response)
        return None
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} from {request.full_url}"
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__} from {request.full_url}: {exc}"


def _reachable_service(name: str, version: str) -> tuple[str | None, list[str]]:
    pypi = urllib.request.Request(f"https://pypi.org/pypi/{name}/{version}/json")
    query = {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}
    osv = urllib.request.Request(
        "https://api.osv.dev/v1/query",
        data=json.dumps(query).encode(),
        headers={"Content-Type": "application/json"},
    )
    reasons = []
    for service, request in (("pypi", pypi), ("osv", osv)):
        reason = _probe(request)
        if reason is None:
            return service, reasons
        reasons.append(f"{service}: {reason}")
    return None, reasons


def main(lock: str) -> int:
    service, reasons = _reachable_service(*_first_pin(lock))
    if service is None:
        why = "; ".join(reasons)
        print(f"audit: SKIPPED, the advisory database cannot be reached ({why})")
        return 0
    print(f"audit: checking {lock} against the {service} advisory service")
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--strict", "-r", lock]
    command += ["--vulnerability-service", service, "--progress-spinner", "off"]
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements-dev.lock"))
