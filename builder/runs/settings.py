"""Settings of in-app runs, read from the app config (environment `TORCHCANVAS_*`).

docs/runs.md lists every variable with its default and meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Mode = Literal["local", "owners", "off"]
MODES = ("local", "owners", "off")


@dataclass(frozen=True)
class RunSettings:
    mode: Mode
    queue_url: str
    instance: Path
    per_client: int
    max_sample_epochs: int
    timeout_s: float
    cpu_s: int
    memory_mb: int
    threads: int
    log_interval: int
    checkpoint_every_s: float | None
    wait_s: float
    heartbeat_s: float
    stale_s: float
    data_dir: Path | None
    upload_max_bytes: int

    @property
    def runs_dir(self) -> Path:
        return self.instance / "runs"

    @property
    def uploads_dir(self) -> Path:
        return self.instance / "uploads"

    @classmethod
    def from_config(cls, config: Any, instance_path: str) -> RunSettings:
        mode = str(config.get("RUNS") or "local").strip().lower()
        if mode not in MODES:
            raise ValueError(f"TORCHCANVAS_RUNS must be one of {', '.join(MODES)}, not {mode!r}")
        timeout = float(config.get("RUN_TIMEOUT") or 3600)
        data_dir = config.get("DATA_DIR")
        return cls(
            mode=mode,  # type: ignore[arg-type]
            queue_url=str(config.get("QUEUE_URL") or "").strip(),
            instance=Path(instance_path),
            per_client=int(config.get("RUNS_PER_CLIENT") or 3),
            max_sample_epochs=int(config.get("RUN_MAX_SAMPLE_EPOCHS") or 20_000_000),
            timeout_s=timeout,
            cpu_s=int(config.get("RUN_CPU_SECONDS") or 4 * timeout),
            memory_mb=int(config.get("RUN_MEMORY_MB") or 8192),
            threads=int(config.get("RUN_THREADS") or 0),
            log_interval=int(config.get("RUN_LOG_INTERVAL") or 10),
            checkpoint_every_s=_optional_float(config.get("RUN_CHECKPOINT_EVERY")),
            wait_s=float(config.get("RUN_WAIT") or 30),
            heartbeat_s=float(config.get("RUN_HEARTBEAT") or 2),
            stale_s=float(config.get("RUN_STALE_AFTER") or 30),
            data_dir=Path(data_dir) if data_dir else None,
            upload_max_bytes=int(config.get("UPLOAD_MAX_BYTES") or 20_000_000),
        )


def _optional_float(value: Any) -> float | None:
    """A number from the config, or None when it is unset or empty."""
    return None if value is None or str(value).strip() == "" else float(value)
