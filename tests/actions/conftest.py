"""Fixtures of the action tests (helpers in helpers.py: Tracker, CollectingDispatcher, Conversation)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("FITN7_NO_WARMUP", "1")

from helpers import Conversation  # noqa: E402


@pytest.fixture()
def conversation(referential):
    return Conversation()
