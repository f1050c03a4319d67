"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.graph.pipeline import build


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the bundled corpus for the whole session. Read it, never write into it:
    a test that changes a graph copies it first."""
    path = tmp_path_factory.mktemp("bundled")
    build(path)
    return path
