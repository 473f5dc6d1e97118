"""Returns and refunds. Return requests and returns are defined here; refunds and refund batches in
`models_refunds` (imported at the end so Django finds them as this app's models)."""

from .models_refunds import *  # noqa: E402,F401,F403
