"""The subcommands of ``ledgerbus``, each declaring its flags beside the code it runs.

:mod:`deploy.commands.command` gives the shapes (one subcommand, a group of them, a package that
builds its own parser), the modules beside it declare the subcommands, and
:mod:`deploy.commands.registry` lists them in the order ``ledgerbus --help`` shows. Nothing
registers itself on import, and nothing connects or starts anything at import.
"""
