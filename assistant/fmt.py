"""The one money formatter: French typography, narrow no-break space as thousands separator."""
from __future__ import annotations

NNBSP = "\u202f"  # espace fine insécable, as in "5 000 €"
NBSP = "\u00a0"


def eur(amount: float | int | None) -> str:
    if amount is None:
        return "montant à confirmer"
    value = round(float(amount), 2)
    whole = int(value)
    cents = round((value - whole) * 100)
    digits = f"{whole:,}".replace(",", NNBSP)
    if cents:
        return f"{digits},{cents:02d}{NBSP}€"
    return f"{digits}{NBSP}€"
