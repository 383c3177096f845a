"""FITN7 axe 3 eligibility engine: pure Python, no Rasa import.

    from assistant.eligibility import assess, Request
    assess(Request.from_dict({...})).to_dict()
"""
from .eligibility.assess import Assessment, Request, assess, assess_many

__all__ = ["assess", "assess_many", "Request", "Assessment"]
