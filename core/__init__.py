"""policykg: a knowledge graph of Japanese government cybersecurity policy measures."""

__version__ = "0.1.0"
