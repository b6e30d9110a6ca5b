"""Start a run's process inside its limits, then become it (exec).

    python launch.py --cpu S --memory MB --files MB --parent PID -- python train.py ...

A fresh, single-threaded process applies the limits (the worker has threads, where doing
this between fork and exec is unsafe): rlimits for CPU time, address space, file size
and core dumps; death with its parent (PR_SET_PDEATHSIG), so a killed worker leaves no
orphan training; and, where the kernel allows it, a network namespace of its own with
nothing but a loopback that is down. The worker starts it in a new session, so the run
and every process it forks share one process group. Standard library only.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name, use_errno=True) if name else None


def isolate_network(libc: ctypes.CDLL) -> str:
    """Enter a new network namespace: as root directly, else inside a user namespace."""
    if libc.unshare(CLONE_NEWNET) == 0:
        return "namespace"
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return "none"
    # map ourselves to ourselves, so the files we write keep their owner
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")
    return "user namespace"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpu", type=int, required=True)
    parser.add_argument("--memory", type=int, required=True, help="MiB of address space")
    parser.add_argument("--files", type=int, default=2048, help="MiB per written file")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--network", choices=["isolate", "allow"], default="isolate")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")

    libc = _libc()
    if libc is not None and sys.platform.startswith("linux"):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != args.parent:  # the worker died before the line above
            os._exit(1)
        network = isolate_network(libc) if args.network == "isolate" else "allowed"
    else:
        network = "none"
    os.environ["TORCHCANVAS_NETWORK"] = network
    megabyte = 1 << 20
    # SIGXCPU at the soft limit; the kernel kills at the hard one
    resource.setrlimit(resource.RLIMIT_CPU, (args.cpu, args.cpu + 5))
    resource.setrlimit(resource.RLIMIT_AS, (args.memory * megabyte, args.memory * megabyte))
    resource.setrlimit(resource.RLIMIT_FSIZE, (args.files * megabyte, args.files * megabyte))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
