"""A Python that has imported torch and the generated projects' other libraries once, and
forks a child process for each `python train.py ...` that the tests run.

A fresh `python train.py` spends 5 to 7 s of CPU before its first line: importing torch,
torch._dynamo (torch's optimizers import it), scikit-learn and matplotlib. Forked, those are
done once: `pytest -n 3 tests/execution` took 509 s and 16.6 CPU minutes with a fresh Python
a run, 261 s and 8.5 CPU minutes with this (2 cores, 2026-12-07). The child
is a process of its own, as `subprocess.run` would start: its own pid, working directory,
environment, standard streams (files) and exit status; it runs train.py as `__main__` with
`runpy` and exits as the interpreter would (status 1 and the message for `SystemExit("...")`,
a traceback and status 1 for an uncaught exception). What it cannot show is an import that
fails only in a fresh interpreter: the generated README's `python train.py` itself is run by
the worker of in-app runs, the CLI, the browser and torchrun tests.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SERVER = r"""
import json, os, runpy, signal, sys, time, traceback

import matplotlib.pyplot
import numpy
import pandas
import sklearn.datasets
import torch
import torch._dynamo
import torchvision

requests, replies = sys.stdin, sys.stdout


def child(request):
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for fd, name, mode in ((0, os.devnull, os.O_RDONLY),
                               (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                               (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            os.dup2(os.open(name, mode, 0o644), fd)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        sys.argv = list(request["argv"])
        sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
            code = 0
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                code = stop.code or 0
            else:
                print(stop.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
        import atexit
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


for line in requests:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(request)
    deadline = time.monotonic() + request["timeout"]
    timed_out = False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            timed_out = True
        time.sleep(0.02)
    reply = {"returncode": os.waitstatus_to_exitcode(status), "timed_out": timed_out}
    replies.write(json.dumps(reply) + "\n")
    replies.flush()
"""

_server: subprocess.Popen[str] | None = None


def _started(env: dict[str, str]) -> subprocess.Popen[str]:
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tempfile.gettempdir(),
        )
        atexit.register(_server.kill)
    return _server


def run_python(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """`python *argv` in `cwd` with `env`, in a child of the preloaded Python; what
    `subprocess.run(..., capture_output=True, text=True)` returns, and raises
    `subprocess.TimeoutExpired` likewise. The preloaded Python starts with the first
    call's environment (its MPLBACKEND, thread settings and the like hold for every run)."""
    server = _started(env)
    assert server.stdin is not None and server.stdout is not None
    with tempfile.TemporaryDirectory() as scratch:
        streams = {name: str(Path(scratch) / name) for name in ("stdout", "stderr")}
        request: dict[str, Any] = {
            "argv": argv, "cwd": str(cwd), "env": env, "timeout": timeout, **streams
        }  # fmt: skip
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        line = server.stdout.readline()
        if not line:
            raise RuntimeError(f"the preloaded Python ended ({server.wait()})")
        reply = json.loads(line)
        stdout, stderr = (Path(streams[name]).read_text() for name in ("stdout", "stderr"))
    if reply["timed_out"]:
        raise subprocess.TimeoutExpired(["python", *argv], timeout, stdout, stderr)
    return subprocess.CompletedProcess(["python", *argv], reply["returncode"], stdout, stderr)
