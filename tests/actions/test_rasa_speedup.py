"""actions/rasa_speedup.py: the same validation of action responses, with the schema checked once."""
from __future__ import annotations

import time

import pytest


def test_same_validation_faster():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from actions import rasa_speedup

    original = RemoteAction._validate_action_result
    good = {"events": [{"event": "slot", "name": "budget_eur", "value": 12000.0, "timestamp": None}],
            "responses": [{"text": "Bonjour", "buttons": [], "custom": {"assessment": {"a": [1, {"b": None}]}}}]}
    bad = {"events": {"event": "slot"}, "responses": []}
    action = object.__new__(RemoteAction)
    try:
        rasa_speedup.install()
        assert RemoteAction._validate_action_result is rasa_speedup._validate_action_result
        assert RemoteAction._validate_action_result(action, good) is True
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction._validate_action_result(action, bad)
        with pytest.raises(ValidationError):
            original(action, bad)           # Rasa's own check agrees
        t0 = time.perf_counter()
        for _ in range(20):
            RemoteAction._validate_action_result(action, good)
        fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(20):
            original(action, good)
        slow = time.perf_counter() - t0
        assert fast * 5 < slow
    finally:
        RemoteAction._validate_action_result = original


def test_component_is_built_on_access_and_registered():
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    from actions import rasa_speedup

    cls = rasa_speedup.ActionResponseCheckOnce
    assert "ActionResponseCheckOnce" in DefaultV1Recipe._registered_components
    component = cls()
    assert component.process(["m"]) == ["m"]
