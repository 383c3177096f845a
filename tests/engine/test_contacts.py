"""Whom to write to: the engine names every contact and marks the one for the hand-off (`primary`)."""
from assistant import Request, assess

BASE = {"collectivity": "72180", "decision_level_sponsor": True, "results_date": "2022-06-30",
        "as_of": "2021-06-01"}


def _contacts(**extra):
    return assess(Request.from_dict({**BASE, **extra})).to_dict()["contacts"]


def test_training_of_agents_goes_to_the_anct(referential):
    contacts = _contacts(sub_axis="3b", description="Former nos agents aux outils numériques")
    primary = [c for c in contacts if c["primary"]]
    assert len(primary) == 1 and primary[0]["email"] == "societe.numerique@anct.gouv.fr"
    assert any(c["kind"] == "prefecture" and not c["primary"] for c in contacts)


def test_other_sub_axes_go_to_the_prefecture(referential):
    contacts = _contacts(sub_axis="3a", description="Un consultant pour définir notre stratégie numérique")
    assert [c["kind"] for c in contacts if c["primary"]] == ["prefecture"]
    assert contacts[0]["name"] == "Préfecture de la Sarthe"


def test_mixed_project_lists_the_anct_but_writes_to_the_prefecture(referential):
    contacts = _contacts(description="Créer un service en ligne de prise de rendez-vous et former les agents")
    kinds = {c["kind"]: c["primary"] for c in contacts}
    assert kinds["prefecture"] is True
    assert len(kinds) == 2 and not [k for k, p in kinds.items() if p and k != "prefecture"]
