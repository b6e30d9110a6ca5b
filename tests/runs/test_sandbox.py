"""The sandbox a run's process lives in: its own process group, a scrubbed environment,
rlimits, no network (where the kernel allows a namespace), death with its worker."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from builder.runs import sandbox

PROBE = r"""
import json, os, resource, socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()
    network = "reached the host"
except OSError as error:
    network = type(error).__name__
print(json.dumps({
    "pgid_is_pid": os.getpgid(0) == os.getpid(),
    "env": sorted(os.environ),
    "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0],
    "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
    "network": network,
    "isolation": os.environ.get("TORCHCANVAS_NETWORK"),
}))
"""


def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@db/x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    (tmp_path / "probe.py").write_text(PROBE)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        process = sandbox.start(
            sandbox.python_command("probe.py", str(port)), tmp_path,
            sandbox.Limits(wall_s=30, cpu_s=20, memory_mb=2048), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=sandbox.scrubbed_env(tmp_path, threads=1),
        )  # fmt: skip
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    return dict(json.loads(out))


def test_a_run_has_its_own_group_limits_and_a_clean_environment(tmp_path, monkeypatch):
    found = probe(tmp_path, monkeypatch)
    assert found["pgid_is_pid"]
    assert found["cpu"] == 20 and found["memory"] == 2048 << 20
    assert "DATABASE_URL" not in found["env"] and "AWS_SECRET_ACCESS_KEY" not in found["env"]
    assert set(found["env"]) <= {*sandbox.scrubbed_env(tmp_path, 1), "TORCHCANVAS_NETWORK",
                                 *sandbox.PASSED_ON, "LC_CTYPE"}  # fmt: skip


def test_a_run_cannot_reach_the_network_where_namespaces_work(tmp_path, monkeypatch):
    found = probe(tmp_path, monkeypatch)
    if found["isolation"] == "none":
        pytest.skip("this kernel allows no network namespace: runs keep the network")
    assert found["isolation"] in ("namespace", "user namespace")
    assert found["network"] != "reached the host"


def test_kill_group_ends_the_run_and_its_children(tmp_path):
    script = "import subprocess, sys, time\n"
    script += "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    script += "print('started', flush=True)\ntime.sleep(60)\n"
    (tmp_path / "tree.py").write_text(script)
    process = sandbox.start(
        sandbox.python_command("tree.py"), tmp_path, sandbox.Limits(60, 60, 2048),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=sandbox.scrubbed_env(tmp_path),
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline() == b"started\n"
    assert sandbox.group_alive(process.pid)
    sandbox.kill_group(process)
    assert not sandbox.group_alive(process.pid)
    assert process.returncode is not None
