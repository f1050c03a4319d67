"""policykg.loaders."""
