"""policykg.graph."""
