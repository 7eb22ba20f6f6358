"""The v1 routes, one module per resource; each exposes its operations as ``ROUTES``, and the
app factory (``http_edge.app``) lists the modules it installs."""
