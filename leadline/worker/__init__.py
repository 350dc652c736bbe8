"""The outbox worker: delivers every outbox event at least once (in-process under `leadline serve`,
or as `leadline worker` processes), with leases, retries with backoff and jitter, and dead letters."""

from leadline.worker.loop import InProcessWorker, Worker, drain

__all__ = ["InProcessWorker", "Worker", "drain"]
