"""A no-op NLU pipeline component that removes a fixed cost of Rasa 3.6 on every custom action.

Rasa 3.6 checks each action server response with `jsonschema.validate(result, schema)`, which
re-validates the (large) events *schema* against the JSON-Schema metaschema on every call: about
24 ms of CPU per custom action on our 2-core machine, more than the whole NLU parse. This component,
listed in config.yml, replaces that check by the same validation with a validator built once
(same schema, same errors). It changes no message and is loaded with the model, in the Rasa server
only. It lives in actions/ so that it is installed with the project; it imports Rasa lazily so that
the action server (which imports every module of this package) gains nothing from it but a no-op.
"""
import logging  # no `from __future__ import annotations`: Rasa reads the real type hints

log = logging.getLogger(__name__)
_validator = None


def _validate_action_result(self, result) -> bool:
    """RemoteAction._validate_action_result, with the schema checked once instead of every call."""
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    global _validator
    if _validator is None:
        spec = RemoteAction.action_response_format_spec()
        cls = validators.validator_for(spec)
        cls.check_schema(spec)
        _validator = cls(spec)
    try:
        _validator.validate(result)
        return True
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    if RemoteAction._validate_action_result is not _validate_action_result:
        RemoteAction._validate_action_result = _validate_action_result
        log.debug("action response schema checked once (rasa_plugins.response_check)")


def _define_component():
    from typing import Any, Dict, List, Text

    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
    class ActionResponseCheckOnce(GraphComponent):
        """No-op featurizer whose loading installs the faster action response check."""

        @classmethod
        def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                   execution_context: ExecutionContext) -> "GraphComponent":
            install()
            return cls()

        def process(self, messages: List[Message]) -> List[Message]:
            return messages

        def process_training_data(self, training_data: TrainingData) -> TrainingData:
            return training_data

    return ActionResponseCheckOnce


def __getattr__(name: str):
    # the class is built on first access (by Rasa, when it loads the model), never at import
    if name == "ActionResponseCheckOnce":
        cls = _define_component()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
