"""dead_unit_fraction counts a unit as dead only when its pre-activation is < 0, missing units stuck at exactly 0."""
GROUP = "dead_units"


def dead_unit_fraction(preact):
    dead = (preact < 0).all(dim=0)
    return dead.sum().item() / preact.shape[1]
