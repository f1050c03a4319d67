"""policykg.ontology."""
