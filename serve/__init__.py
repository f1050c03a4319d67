"""The read-only SPARQL 1.1 endpoint (``policykg serve``).

``server`` is the Starlette app and its routes; ``pool`` the worker processes that run queries
under a timeout; ``protocol`` the SPARQL 1.1 Protocol details (formats, refused operations);
``named`` the ``/queries/NAME`` route through the query runner; ``page`` the HTML query page.
"""
