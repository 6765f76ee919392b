"""Logs as CloudWatch Logs and FireLens would handle them, for tasks hakobu runs locally."""
