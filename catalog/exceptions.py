class CatalogError(Exception):
    code = "catalog_error"


class InsufficientStock(CatalogError):
    code = "insufficient_stock"

    def __init__(self, *, sku: str, requested: int, available: int, location: str = ""):
        self.sku, self.requested, self.available, self.location = sku, requested, available, location
        where = f" at {location}" if location else ""
        super().__init__(f"{sku}: {requested} requested, only {available} available{where}.")


class InvalidStockChange(CatalogError):
    code = "invalid_stock_change"
