"""Fixtures of the engine tests (the root conftest.py gives `referential`)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def classifier():
    from assistant.eligibility.classify import Classifier
    return Classifier.load()
