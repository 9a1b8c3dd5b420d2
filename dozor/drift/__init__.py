"""Configuration drift: the same compose service configured differently on the hosts it runs on.

``config`` reads what to compare out of container inspect (environment variable NAMES only: values are
dropped while parsing and never reach a model), ``compare`` is the pure comparison, ``api`` the fleet
operation (no new remote command: the inspect the status question already makes), ``notes`` what the
diagnosis says when a service fails on some of its hosts and those hosts are configured differently.
"""
