"""Order operations. Each public service locks the order row first, then stock levels in pk order."""
