"""A run's process: limits, a scrubbed environment, its own process group.

`start()` runs a command through `launch.py` (which applies the limits and execs), in a
new session: the run's process group id is its pid, and `kill_group()` ends the run and
everything it started. The environment holds nothing of the worker's (no credentials,
no proxies, no DATABASE_URL): only what Python and torch need.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LAUNCHER = Path(__file__).resolve().parent / "launch.py"
PASSED_ON = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass(frozen=True)
class Limits:
    wall_s: float
    cpu_s: int
    memory_mb: int
    file_mb: int = 2048


def scrubbed_env(home: Path, threads: int | None = None, tmp: Path | None = None) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp or home),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "LANG": "C.UTF-8",
    }
    env.update({k: os.environ[k] for k in PASSED_ON if k in os.environ})
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
    return env


def python_command(script: str, *args: str) -> list[str]:
    """The worker's own interpreter (it has torch) on a script, ignoring PYTHON* variables."""
    return [sys.executable, "-E", "-s", script, *args]


def start(
    command: list[str],
    cwd: Path,
    limits: Limits,
    stdout: int | IO[bytes],
    stderr: int | IO[bytes],
    env: dict[str, str],
) -> subprocess.Popen[bytes]:
    launcher = [
        sys.executable, "-E", "-s", str(LAUNCHER),
        "--cpu", str(int(limits.cpu_s)),
        "--memory", str(int(limits.memory_mb)),
        "--files", str(int(limits.file_mb)),
        "--parent", str(os.getpid()),
        "--", *command,
    ]  # fmt: skip
    return subprocess.Popen(
        launcher,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        close_fds=True,
    )


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(process: subprocess.Popen[bytes], grace_s: float = 2.0) -> None:
    """SIGTERM the run's process group, SIGKILL what is left after `grace_s`, reap it."""
    pgid = process.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            process.poll()  # reap the leader: a zombie still counts as a member
            if not group_alive(pgid):
                break
            time.sleep(0.05)
        if not group_alive(pgid):
            break
    process.wait()


def network_isolation(folder: Path) -> str:
    """What the launcher achieves here: "namespace", "user namespace" or "none"."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = [sys.executable, "-c", "import os; print(os.environ['TORCHCANVAS_NETWORK'])"]
    process = start(probe, folder, Limits(30, 30, 1024), subprocess.PIPE, subprocess.DEVNULL,
                    scrubbed_env(folder))  # fmt: skip
    out, _ = process.communicate(timeout=30)
    return out.decode().strip() or "none"
