"""Read queries of the catalogue's staff lists."""

from django.db.models import Q, QuerySet

from .models import StockLevel, StockMovement


def stock_movement_search(queryset: QuerySet[StockMovement], term: str) -> QuerySet[StockMovement]:
    """The ledger's search: a reference (order number) exactly, or the movements of the products whose
    SKU or name contains the term. Products are few; the movements are found through their levels'
    index, never by scanning the ledger."""
    term = " ".join(term.split())
    if not term:
        return queryset
    levels = StockLevel.objects.filter(Q(product__sku__icontains=term) | Q(product__name__icontains=term))
    by_product = StockMovement.objects.filter(level__in=levels.order_by().values("pk")).order_by().values("pk")
    by_reference = StockMovement.objects.filter(reference=term).order_by().values("pk")
    return queryset.filter(pk__in=by_product.union(by_reference))
