"""Rule families, one package per target kind; one rule per module (``registry`` finds them)."""
