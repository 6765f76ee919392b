"""Engines run task definitions: ``local`` with a container engine, ``ecs`` on AWS (later)."""
