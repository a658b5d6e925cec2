"""dead_unit_fraction returns a 0-dim tensor instead of a Python float."""
GROUP = "dead_units"


def dead_unit_fraction(preact):
    return (preact <= 0).all(dim=0).to(preact.dtype).mean()
