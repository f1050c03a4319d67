"""Interactive relationship diagrams of the policy graph (``policykg viz``)."""

from .project import VIEWS, project

__all__ = ["VIEWS", "project"]
