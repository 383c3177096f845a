"""The one money formatter: French typography, narrow no-break space as thousands separator."""
from __future__ import annotations

NNBSP = "\u202f"  # espace fine insécable, as in "5 000 €"
NBSP = "\u00a0"


def integer(n: float | int) -> str:
    """A whole number with French thousands separators: 4 996, 100 000."""
    return f"{int(n):,}".replace(",", NNBSP)


def eur(amount: float | int | None) -> str:
    if amount is None:
        return "montant à confirmer"
    value = round(float(amount), 2)
    whole = int(value)
    cents = round((value - whole) * 100)
    digits = integer(whole)
    if cents:
        return f"{digits},{cents:02d}{NBSP}€"
    return f"{digits}{NBSP}€"
