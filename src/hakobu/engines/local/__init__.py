"""Run ECS task definitions locally with Fargate semantics."""
