"""dead_unit_fraction returns the fraction of all N·H entries that are <= 0, not of units dead for every input."""
GROUP = "dead_units"


def dead_unit_fraction(preact):
    return (preact <= 0).float().mean().item()
