"""The data-quality report (``policykg report``).

``checks`` computes it from the built graph (SPARQL in ``queries/report/``) and the build
report's skipped lines; ``minted`` lists the entities the build minted and ranks rename
candidates for the minted measures; ``render`` writes it as Markdown or HTML.
"""
