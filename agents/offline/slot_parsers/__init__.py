"""One parser per slot family, each a pure function over folded text."""
