"""A full build killed at ten points of its run (SIGKILL and SIGTERM, alternately).

Each time: the previous editions are byte for byte what they were (or, if the kill fell
inside the final swap, the next build completes it); SIGTERM ends with exit 143 and one
line. After the next good build no temporary is left, neither in the output folder nor
in the system's temporary folder (WeasyPrint's ``weasyprint-*`` font folders, the layout
pool's multiprocessing folder). The builds lay out with a pool of two worker processes;
none of them outlives a killed build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glossbook.output import STAGING_PREFIX

from .conftest import BookFactory, entry_text

POINTS = 10


def outputs(build: Path) -> dict[str, bytes]:
    return {
        p.relative_to(build).as_posix(): p.read_bytes()
        for p in sorted(build.rglob("*"))
        if p.is_file() and not p.relative_to(build).parts[0].startswith(".")
    }


def leftovers(build: Path, tmp: Path) -> list[str]:
    found = [p.name for p in build.iterdir() if p.name.startswith(".") and p.name != ".cache"]
    return found + [p.name for p in tmp.iterdir()]


def test_killed_builds_leave_the_previous_one_whole(make_book: BookFactory, tmp_path: Path) -> None:
    root = make_book(
        {
            "manuscript/alpha.md": entry_text("Alpha", "First version. See [[Beta]]."),
            "manuscript/beta.md": entry_text("Beta", "Second entry."),
        }
    )
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(system_tmp), "SOURCE_DATE_EPOCH": "1700000000"}
    # A pool of two layout workers, whatever the machine's cores.
    command = [sys.executable, "-m", "glossbook.cli", "build", str(root), "--jobs", "2"]
    build = root / "build"

    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    duration = time.monotonic() - started
    previous = outputs(build)
    assert {"html/index.html", "test-book.pdf", "test-book.epub"} <= set(previous)
    (root / "manuscript" / "alpha.md").write_text(
        entry_text("Alpha", "Second version. See [[Beta]]."), encoding="utf-8"
    )

    killed = 0
    for point in range(POINTS):
        sig = signal.SIGKILL if point % 2 == 0 else signal.SIGTERM
        delay = duration * (point + 0.5) / POINTS
        for _attempt in range(3):  # a build that finishes first is tried again, sooner
            if kill_once(command, env, build, previous, system_tmp, sig, delay, point):
                killed += 1
                break
            delay *= 0.6
    assert killed >= POINTS - 1

    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert leftovers(build, system_tmp) == []
    after = outputs(build)
    assert set(after) == set(previous)
    assert "Second version." in after["html/chapter-a.html"].decode()


def kill_once(
    command: list[str],
    env: dict[str, str],
    build: Path,
    previous: dict[str, bytes],
    system_tmp: Path,
    sig: signal.Signals,
    delay: float,
    point: int,
) -> bool:
    """Start a build, send it ``sig`` after ``delay`` seconds and check what it left; False
    if it finished first (the previous build is then put back)."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(delay)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    text = " ".join((out + err).split())
    assert "Traceback" not in text, text
    finished = "after the new build was put in place" in text or "Built html" in text
    if process.returncode == 0 or finished:
        # It finished first, or the signal came after the swap (and it says so, or it had
        # reported the build done and was ending): the new build is whole.
        assert "Second version." in (build / "html" / "chapter-a.html").read_text()
        restore(build, previous)
        return False
    if list(build.glob(".glossbook-staging-*/.commit.json")):
        return True  # killed inside the final renames: the next run completes the swap
    assert outputs(build) == previous, f"{sig.name} at point {point}"
    if sig == signal.SIGTERM and process.returncode == 143:
        assert "Interrupted; the previous build is untouched." in text
        assert leftovers(build, system_tmp) == [], f"SIGTERM at point {point}"
    else:
        assert process.returncode in (-signal.SIGKILL, -signal.SIGTERM), text
    return True


def restore(build: Path, files: dict[str, bytes]) -> None:
    import shutil

    for child in build.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    for name, data in files.items():
        path = build / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def living(pid: int) -> dict[int, tuple[str, int]]:
    """Every living process under ``pid`` (from /proc): its start time and its parent."""
    children: dict[int, list[int]] = {}
    known: dict[int, tuple[str, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = stat_fields(int(name))
        except OSError:
            continue
        if fields[0] not in ("Z", "X"):  # a zombie has exited
            children.setdefault(int(fields[1]), []).append(int(name))
            known[int(name)] = (fields[19], int(fields[1]))
    found: dict[int, tuple[str, int]] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = known[child]
            todo.append(child)
    return found


def stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat from its third field on (state, parent, …; field 22 the start time)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def still_running(pid: int, started: str) -> bool:
    try:
        fields = stat_fields(pid)
    except OSError:
        return False
    return fields[0] not in ("Z", "X") and fields[19] == started


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "Ctrl-C", "Ctrl-C at the start"])
def test_no_layout_worker_outlives_a_killed_build(
    make_book: BookFactory, tmp_path: Path, how: str
) -> None:
    """Killed while its pool of two lays out (SIGKILL or SIGTERM to the build process,
    SIGINT to its whole process group as a terminal's Ctrl-C sends it; or Ctrl-C while the
    pool's forkserver starts up), a build leaves no process of its own running; what it
    leaves in the system's temporary folder (only when killed outright) the next build
    removes."""
    root = make_book(
        {
            f"manuscript/{letter}{n}.md": entry_text(
                f"{letter.upper()}{n} entry", "A paragraph of text for the layout. " * 60
            )
            for letter in "abcdefgh"
            for n in range(4)
        }
    )
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(system_tmp)}
    command = [sys.executable, "-m", "glossbook.cli", "build", str(root), "--jobs", "2"]
    command += ["--format", "pdf", "--no-cache"]
    build = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        deadline = time.monotonic() + 120
        wanted = 1 if how == "Ctrl-C at the start" else 2
        # Until the forkserver starts, or both layout workers (its children) run and the book
        # is read (the workers start before it is: the build is writing once it stages).
        while True:
            processes = living(build.pid)
            pool = [pid for pid in processes if b"multiprocessing.forkserver" in cmdline(pid)]
            workers = [pid for pid in pool if processes[pid][1] != build.pid]
            staging = any((root / "build").glob(f"{STAGING_PREFIX}*"))
            seen = pool if wanted == 1 else workers if staging else []
            if len(seen) >= wanted or build.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.005 if wanted == 1 else 0.05)
        assert len(seen) >= wanted, f"no pool seen: {build.poll()}"
        if wanted == 1:
            time.sleep(0.05)  # the forkserver is importing its modules
        if how.startswith("Ctrl-C"):
            os.killpg(build.pid, signal.SIGINT)
        else:
            build.send_signal(signal.Signals[how])
        out, err = build.communicate(timeout=60)  # all that held its output has ended too
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            left = [pid for pid, (start, _) in processes.items() if still_running(pid, start)]
            if not left:
                break
            time.sleep(0.1)
        assert left == [], [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
    finally:
        build.kill()
        build.wait()
    text = " ".join((out + err).split())
    if how == "SIGKILL":
        assert build.returncode == -signal.SIGKILL
        assert [p.name for p in system_tmp.iterdir()] == [f"glossbook-{build.pid}"]
    else:
        assert build.returncode == (130 if how.startswith("Ctrl-C") else 143), text
        assert text == "Interrupted; the previous build is untouched.", text
        assert list(system_tmp.iterdir()) == []
        built = root / "build"  # none when killed before the book was read
        assert not built.exists() or [p.name for p in built.iterdir()] in ([], [".cache"])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert list(system_tmp.iterdir()) == []
    assert leftovers(root / "build", system_tmp) == []
