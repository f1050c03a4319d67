"""Run the doctests of the pure helpers (their examples are real corpus strings)."""

import doctest
import importlib

import pytest

MODULES = ["policykg.normalize"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module)
    assert result.attempted > 0, f"{name} has no doctests"
    assert result.failed == 0
