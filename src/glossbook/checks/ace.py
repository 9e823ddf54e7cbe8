"""DAISY Ace, the accessibility checker for EPUB, on the EPUB edition: axe-core's rules on
every XHTML document, run in Chromium, and Ace's own checks of the package (accessibility
metadata, page list source, titles, languages). Every violation, of any impact, is a problem.

Ace is a Node program (``@daisy/ace-cli`` from npm). It is found, in this order, at
``$GLOSSBOOK_ACE``, as ``ace-cli`` or ``ace`` on ``PATH``, or where ``make test`` installs it
(``.venv/ace/`` beside the Python that runs glossbook). It drives the machine's Chromium
through Puppeteer: ``PUPPETEER_EXECUTABLE_PATH`` is set to the ``chromium`` on ``PATH``
when not already set, so Puppeteer never downloads a browser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem
from . import Result, unless_missing

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 900  # seconds for a whole book


@dataclass
class Violation:
    document: str
    impact: str
    rule: str
    description: str
    where: str
    help: str

    def problem(self) -> Problem:
        at = f" (at {self.where})" if self.where else ""
        return Problem(
            f"EPUB {self.document}",
            None,
            f"{self.impact} {self.rule}: {self.description}{at}.",
            self.help,
        )


def find() -> Path | None:
    """The ace-cli program, or None."""
    named = os.environ.get("GLOSSBOOK_ACE")
    if named:
        return Path(named) if Path(named).is_file() else None
    for name in ("ace-cli", "ace"):
        found = shutil.which(name)
        if found:
            return Path(found)
    local = Path(sys.prefix) / "ace" / "node_modules" / ".bin" / "ace-cli"
    return local if local.is_file() else None


def browser() -> str | None:
    named = os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    if named:
        return named
    return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


def available() -> str:
    """Why Ace cannot run here, or an empty string."""
    if find() is None:
        return (
            "DAISY Ace is not installed (npm install @daisy/ace-cli with "
            "PUPPETEER_SKIP_DOWNLOAD=1; 'make test' installs it into .venv/ace)"
        )
    if browser() is None:
        return "DAISY Ace needs Chromium (e.g. apt-get install chromium)"
    if shutil.which("node") is None:
        return "DAISY Ace needs Node.js (e.g. apt-get install nodejs)"
    return ""


def report(path: Path) -> dict[str, object]:
    """Ace's JSON report (EARL) on the EPUB at ``path``."""
    program = find()
    if program is None:
        raise RuntimeError(available())
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1")
    env["PUPPETEER_EXECUTABLE_PATH"] = browser() or ""
    with tempfile.TemporaryDirectory(prefix="glossbook-ace-") as folder:
        out = Path(folder) / "report"
        command = [str(program), "--silent", "--force", "--outdir", str(out)]
        command += ["--tempdir", str(Path(folder) / "work"), str(path)]
        run = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False
        )
        found = out / "report.json"
        if not found.is_file():
            tail = (run.stderr or run.stdout).strip()[-800:]
            raise RuntimeError(f"DAISY Ace wrote no report (exit {run.returncode}): {tail}")
        return json.loads(found.read_text(encoding="utf-8"))


def violations(data: dict[str, object]) -> list[Violation]:
    found: list[Violation] = []
    for document in data.get("assertions", []):  # type: ignore[union-attr]
        url = str(document.get("earl:testSubject", {}).get("url", "")).lstrip("/")
        for item in document.get("assertions", []):
            if item.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = item.get("earl:test", {})
            result = item.get("earl:result", {})
            pointer = result.get("earl:pointer", {}) or {}
            where = ", ".join(pointer.get("css", [])[:3])
            help_ = test.get("help", {}) or {}
            hint = " ".join(str(x) for x in (help_.get("dct:description"), help_.get("url")) if x)
            found.append(
                Violation(
                    url,
                    str(test.get("earl:impact", "")),
                    str(test.get("dct:title", "")),
                    str(result.get("dct:description") or test.get("dct:description", "")),
                    where,
                    hint,
                )
            )
    return found


def check(path: Path) -> Result:
    return unless_missing("ace", available, lambda: _check(path))


def _check(path: Path) -> Result:
    data = report(path)
    found = violations(data)
    outcome = data.get("earl:result", {})
    assert isinstance(outcome, dict)
    version = str(data.get("earl:assertedBy", {}).get("doap:release", {}).get("doap:revision", ""))  # type: ignore[union-attr]
    note = f"DAISY Ace {version}: {outcome.get('earl:outcome')}, {len(found)} violations"
    return Result("ace", [v.problem() for v in found], note=note)
