"""policykg.corpus."""
