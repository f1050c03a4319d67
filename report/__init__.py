"""The data-quality report (``policykg report``).

``checks`` computes it from the built graph (SPARQL in ``queries/report/``) and the build
report's skipped lines; ``render`` writes it as Markdown or HTML.
"""
