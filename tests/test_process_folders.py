"""The folders a glossbook process keeps in the system's temporary folder (the layout pool's
multiprocessing folder): removed by the next build once their process has gone, never while
it lives, and nothing else is touched."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from glossbook.output import clean_process_folders

HOLDER = """
import sys
from glossbook.output import process_folder
print(process_folder(), flush=True)
sys.stdin.read()
"""


def test_only_folders_of_processes_that_have_gone_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert holder.stdout is not None
    alive = Path(holder.stdout.readline().decode().strip())
    assert alive.parent == tmp_path and alive.name == f"glossbook-{holder.pid}"
    (alive / "pymp-x").mkdir()
    gone = tmp_path / "glossbook-999999999"  # no process holds it
    (gone / "pymp-y").mkdir(parents=True)
    others = ["glossbook-csl", "glossbook-12-notours", "pymp-abcdefgh", "glossbook-1x"]
    for name in others:
        (tmp_path / name).mkdir()
    (tmp_path / "glossbook-77").symlink_to(tmp_path / "glossbook-csl")
    try:
        clean_process_folders()
        assert alive.is_dir() and not gone.exists()
        assert all((tmp_path / name).is_dir() for name in others)
        assert (tmp_path / "glossbook-77").is_symlink()
    finally:
        holder.kill()  # gone, as a SIGKILL leaves it: the folder stays behind
        holder.wait()
    assert alive.is_dir()
    clean_process_folders()
    assert not alive.exists()
