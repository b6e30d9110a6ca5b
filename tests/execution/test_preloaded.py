"""The forked runs of tests/execution/preloaded.py end as `python script.py` does: the same
status, streams, arguments, folder, environment and `__main__`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.execution.preloaded import run_python

pytestmark = pytest.mark.slow

SCRIPTS = {
    "prints": "import sys\nprint('out')\nprint('err', file=sys.stderr)\n",
    "message": "raise SystemExit('--resume: no checkpoint; train without --resume first')\n",
    "status": "import sys\nprint('before')\nsys.exit(3)\n",
    "exception": "raise ValueError('no such column')\n",
    "context": (
        "import atexit, os, sys\n"
        "atexit.register(print, 'at exit')\n"
        "print(__name__, sys.argv, os.getcwd(), os.environ.get('PROBE'), sys.path[0])\n"
    ),
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_forked_run_ends_as_the_interpreter_does(tmp_path: Path, name: str) -> None:
    (tmp_path / "script.py").write_text(SCRIPTS[name])
    env = {**os.environ, "PROBE": "value"}
    argv = ["script.py", "--out", "run"]
    fresh = subprocess.run([sys.executable, *argv], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    forked = run_python(argv, tmp_path, env, timeout=60)
    assert forked.returncode == fresh.returncode
    assert forked.stdout == fresh.stdout
    # a traceback has runpy's frames in between; its last line is the same
    assert forked.stderr.splitlines()[-1:] == fresh.stderr.splitlines()[-1:]


def test_a_forked_run_over_its_time_is_killed_and_the_next_one_runs(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(60)\n")
    (tmp_path / "quick.py").write_text("print('after')\n")
    with pytest.raises(subprocess.TimeoutExpired):
        run_python(["slow.py"], tmp_path, dict(os.environ), timeout=1)
    assert run_python(["quick.py"], tmp_path, dict(os.environ), timeout=60).stdout == "after\n"
