"""Fixtures that run the whole Dagster job in process on temporary folders.

A full run (ingest, ``dbt build``, Great Expectations checks, publish) takes
tens of seconds, about 35 s for the tiny landing set on a 2-core machine. So
each landing set runs once per session, and several test modules read its
result.
"""

from collections.abc import Iterator

import pytest

from orchestration.demo.generate import generate

from .support import (
    REAL_SAMPLES_CONFIG,
    TINY_LANDING_FILES,
    TINY_LANDING_SOURCES,
    PipelineRun,
    run_pipeline,
    settings_for,
    write_landing,
)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    """Run the job once on the tiny landing set and return the finished run."""
    work_dir = tmp_path_factory.mktemp("tiny_run")
    landing_config = write_landing(work_dir / "landing", TINY_LANDING_FILES, TINY_LANDING_SOURCES)
    settings = settings_for(work_dir, landing_config)
    result = run_pipeline(settings)
    yield PipelineRun(work_dir=work_dir, settings=settings, result=result)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """Run the job once on a small demo landing set (100 customers over 10 days)."""
    work_dir = tmp_path_factory.mktemp("demo_run")
    landing_dir = work_dir / "landing"
    generate(landing_dir, customers=100, days=10)
    settings = settings_for(work_dir, landing_dir / "landing.yml")
    return PipelineRun(work_dir=work_dir, settings=settings, result=run_pipeline(settings))


@pytest.fixture(scope="session")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """Run the job once on the public export samples of ``config/real_samples.yml``."""
    work_dir = tmp_path_factory.mktemp("real_samples_run")
    settings = settings_for(work_dir, REAL_SAMPLES_CONFIG)
    return PipelineRun(work_dir=work_dir, settings=settings, result=run_pipeline(settings))
