"""The bottom layer: IRIs, resource files, errors, RDF helpers. It imports no other part of the package."""
