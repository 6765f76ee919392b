"""Drive the docker or podman CLI: one subprocess wrapper, one adapter."""
