"""One module per command. Each exposes ``register(subparsers)``; the parser it adds sets
``func`` to a ``run(args) -> int`` of its own."""

# Explicit, ordered registry: `hakobu --help` lists commands in this order. Each command lives in
# hakobu.cli.commands.<name>; only the one being run is imported (importing all of them costs more
# than half a second of every command), so the one-line help of every command is kept here:
# `hakobu --help` lists them without importing a module, and each module registers its parser
# with its own line from here.
COMMANDS: dict[str, str] = {
    "build": "build the image, tagged with the git commit (never latest)",
    "render": "print the task definition rendered for an environment",
    "up": "run the task definition locally with Fargate semantics",
    "ps": "list the app's local tasks, their containers, status and health",
    "down": "stop the app's local tasks and remove their containers, pods and secrets",
    "logs": "show the output of the app's local tasks (the latest by default)",
    "deploy": "run the service locally behind a load balancer; roll out changes",
    "scale": "set how many tasks the local service runs",
    "events": "show the local service's events (deployments, tasks, load balancer)",
    "secret": "set, list and remove the app's local secrets",
    "check": "review the repository against the talk's practices",
    "rules": "list the rules of `hakobu check`",
    "explain": "explain one rule of `hakobu check`",
}
