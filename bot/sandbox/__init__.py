"""The local sandbox: the reference Bluesky PDS (Node) and a Reddit API stand-in on 127.0.0.1.

Used by ``sharebot run --sandbox`` / ``make demo`` and by the test suite, so a newcomer can
publish without an account anywhere. ``bot.sandbox.pds.start_pds`` and
``bot.sandbox.reddit.standin.start_standin`` are context managers; ``bot.sandbox.node``
installs the PDS's npm packages once per lock file.
"""
