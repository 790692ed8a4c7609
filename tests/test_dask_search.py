"""Model selection on a real Dask cluster gives the same choice as local processes (issue: Scale)."""

from __future__ import annotations

import pandas as pd
import pytest
from dask import distributed

from stance.cluster import search_backend
from stance.config import Candidate, SelectParams, TrainParams
from stance.stages.select import select_model
from tests.conftest import small_corpus

CANDIDATES = (
    Candidate(name="reference", eligible=False, grid={"features": [["word"]], "min_df": [1]}),
    Candidate(name="mix", grid={"features": [["word", "cues"]], "min_df": [1], "C": [0.1, 10.0]}),
)


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return small_corpus()


def run_select(corpus: pd.DataFrame, params: SelectParams):
    """Exactly as stance.stages.select.run does it."""
    with search_backend(params) as n_jobs:
        return select_model(corpus, params.model_copy(update={"n_jobs": n_jobs}), TrainParams())


@pytest.fixture(scope="module")
def loky_result(corpus):
    return run_select(corpus, SelectParams(folds=3, n_jobs=2, candidates=CANDIDATES))


def test_search_on_an_external_dask_cluster_matches_loky(corpus, loky_result):
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        params = SelectParams(folds=3, backend="dask", scheduler=cluster.scheduler_address, candidates=CANDIDATES)
        table, chosen, _ = run_select(corpus, params)
        # The fits really ran on the cluster: its scheduler saw joblib's tasks.
        with distributed.Client(cluster.scheduler_address, timeout="20s") as client:
            assert len(client.scheduler_info()["workers"]) == 2
            assert client.run_on_scheduler(_task_prefixes)
    assert cluster.status.name == "closed"
    expected_table, expected_chosen, _ = loky_result
    assert chosen == expected_chosen
    pd.testing.assert_frame_equal(table, expected_table)
    assert chosen["candidate"] == "mix"


def _task_prefixes(dask_scheduler) -> list[str]:
    return sorted(dask_scheduler.task_prefixes)


def test_search_on_a_local_dask_cluster_matches_loky(corpus, loky_result):
    params = SelectParams(folds=3, backend="dask", scheduler="local", candidates=CANDIDATES)
    table, chosen, _ = run_select(corpus, params)
    expected_table, expected_chosen, _ = loky_result
    assert chosen == expected_chosen
    pd.testing.assert_frame_equal(table, expected_table)
