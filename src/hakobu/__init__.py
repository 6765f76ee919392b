"""hakobu (運ぶ, "to carry"): from a repository to Amazon ECS on Fargate, locally first."""

__version__ = "0.1.0"
