"""sharebot: turn long articles into threaded posts on Bluesky and Reddit, exactly once."""

from __future__ import annotations

__version__ = "0.1.0"
