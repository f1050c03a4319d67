"""policykg.queries."""
