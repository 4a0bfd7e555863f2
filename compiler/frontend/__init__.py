"""The front end: the only compiler code that reads raw YAML.

``yaml`` loads a file with positions (duplicate keys refused, YAML 1.2), ``schema`` checks it
against the spec language's JSON Schemas (``schemas/``) and words every error in spec terms,
the ``build_*`` modules turn checked data into IR nodes, and ``load`` runs all of it over a spec
directory, file by file, collecting every diagnostic.
"""
