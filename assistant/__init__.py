"""FITN7 axe 3 eligibility engine: pure Python, no Rasa import."""
