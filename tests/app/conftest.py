"""The application layer's tests reuse the editors' queue fixtures (config, store, CLI)."""

from tests.queue.conftest import sharebot, store_url, workdir

__all__ = ["sharebot", "store_url", "workdir"]
