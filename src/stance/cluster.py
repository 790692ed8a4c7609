"""Where model-selection fits run: local processes, or a Dask cluster through joblib."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from joblib import parallel_config

from stance.config import SelectParams
from stance.errors import StanceError


@contextmanager
def search_backend(params: SelectParams) -> Iterator[int]:
    """Route joblib to the configured backend; yield the n_jobs to use under it.

    backend dask + scheduler "local" starts a LocalCluster of worker processes for the
    run; any other scheduler value is the address of an existing cluster (tcp://host:port).
    """
    if params.backend != "dask":
        yield params.n_jobs
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise StanceError(
            'select.backend: dask needs the dask extra (`pip install -e ".[dask]"`), or use select.backend: loky'
        ) from None

    cluster = (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        if params.scheduler == "local"
        else None
    )
    try:
        client = Client(cluster if cluster is not None else params.scheduler, timeout="20s")
    except OSError as exc:
        raise StanceError(f"select.scheduler: cannot reach the Dask scheduler {params.scheduler!r} ({exc})") from None
    try:
        with parallel_config(backend="dask"):
            yield -1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
