"""One module per command. Each exposes ``register(subparsers)``; the parser it adds sets
``func`` to a ``run(args) -> int`` of its own."""
