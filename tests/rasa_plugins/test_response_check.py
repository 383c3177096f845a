"""rasa_plugins/response_check.py: the same validation of action responses, with the schema checked once."""
from __future__ import annotations

import pytest


def test_same_validation_with_a_validator_built_once():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from rasa_plugins import response_check

    original = RemoteAction._validate_action_result
    good = {"events": [{"event": "slot", "name": "budget_eur", "value": 12000.0, "timestamp": None}],
            "responses": [{"text": "Bonjour", "buttons": [], "custom": {"assessment": {"a": [1, {"b": None}]}}}]}
    bad = {"events": {"event": "slot"}, "responses": []}
    action = object.__new__(RemoteAction)
    try:
        response_check.install()
        assert RemoteAction._validate_action_result is response_check._validate_action_result
        assert RemoteAction._validate_action_result(action, good) is True
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            RemoteAction._validate_action_result(action, bad)
        with pytest.raises(ValidationError):
            original(action, bad)           # Rasa's own check agrees
        # the validator (and its schema check, ~24 ms in Rasa's own path) is built once, then reused;
        # how much faster that is, is measured by scripts/bench_rasa.py, not asserted here
        built = response_check._validator
        assert built is not None
        for _ in range(20):
            RemoteAction._validate_action_result(action, good)
        assert response_check._validator is built
    finally:
        RemoteAction._validate_action_result = original


def test_component_is_built_on_access_and_registered():
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    from rasa_plugins import response_check

    cls = response_check.ActionResponseCheckOnce
    assert "ActionResponseCheckOnce" in DefaultV1Recipe._registered_components
    component = cls()
    assert component.process(["m"]) == ["m"]
