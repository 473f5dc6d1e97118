from django.db import models


class ReportAccess(models.Model):
    """No table: it only carries the permission `reports.view_reports` (who may open the reports section).
    A data migration gives it to the Manager and Finance roles."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can open the reports")]
        verbose_name = "report access"

    def __str__(self) -> str:
        return "Reports"


class OrderDayFields(models.Model):
    """One group of placed orders: the local day they were placed (the shop's time zone), channel, currency,
    the three statuses and whether they are customer orders (not split off another), with how many there are
    and their current totals. See reports/rollups.py for how the rows are kept exact."""

    day = models.DateField()
    channel = models.ForeignKey(
        "orders.Channel", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )  # a figure, not a reference (channels are never deleted); no index: every change row would pay for it
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=32)
    payment_status = models.CharField(max_length=32)
    fulfillment_status = models.CharField(max_length=32)
    customer_order = models.BooleanField()
    # sums named apart from the reports' annotations (orders, net, gross), which may not shadow a field
    n_orders = models.IntegerField()
    sum_net = models.DecimalField(max_digits=16, decimal_places=2)
    sum_gross = models.DecimalField(max_digits=16, decimal_places=2)

    KEY = ("day", "channel", "currency", "status", "payment_status", "fulfillment_status", "customer_order")

    class Meta:
        abstract = True


class OrderDay(OrderDayFields):
    """The daily roll-up of placed orders (PostgreSQL): the compacted sums of OrderDayChange."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=OrderDayFields.KEY, name="orderday_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.status}: {self.n_orders}"


class OrderDayChange(OrderDayFields):
    """What changed in the roll-up since the last compaction, appended by the database's trigger on the order
    table (-1 and the old totals in the old group, +1 and the new totals in the new one): inserts only, so
    orders written at the same moment never wait for each other on a shared roll-up row."""

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.status}: {self.n_orders:+d}"


class OrderDayFigures(OrderDayFields):
    """The roll-up as it is now: a view of OrderDay UNION ALL OrderDayChange (one statement, one snapshot, so
    exact to the cent at any moment). Read-only; sum its rows per group (a group's change rows may cancel)."""

    id = models.BigIntegerField(primary_key=True)

    class Meta:
        managed = False
        db_table = "reports_orderday_figures"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.status}: {self.n_orders}"


class ProductDayFields(models.Model):
    """Catalogue products sold on one local day in one channel and currency: the units (ordered less
    cancelled), order lines and gross of the lines of placed orders that are not cancelled (custom items are
    not products). See reports/rollups.py."""

    day = models.DateField()
    channel = models.ForeignKey(
        "orders.Channel", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    currency = models.CharField(max_length=3)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    sum_units = models.BigIntegerField()
    n_lines = models.IntegerField()
    sum_gross = models.DecimalField(max_digits=16, decimal_places=2)

    KEY = ("day", "channel", "currency", "product")

    class Meta:
        abstract = True


class ProductDay(ProductDayFields):
    """The daily roll-up of products sold (PostgreSQL): the compacted sums of ProductDayChange."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=ProductDayFields.KEY, name="productday_key")]

    def __str__(self) -> str:
        return f"{self.day} product {self.product_id}: {self.sum_units}"


class ProductDayChange(ProductDayFields):
    """Changes to ProductDay since the last compaction, appended by the triggers on order lines (a line's old
    and new part) and on orders (every line of an order that was placed, cancelled or moved)."""

    def __str__(self) -> str:
        return f"{self.day} product {self.product_id}: {self.sum_units:+d}"


class ProductDayFigures(ProductDayFields):
    """ProductDay UNION ALL ProductDayChange (a view): exact at any moment; sum its rows per group."""

    id = models.BigIntegerField(primary_key=True)

    class Meta:
        managed = False
        db_table = "reports_productday_figures"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} product {self.product_id}: {self.sum_units}"


class PaymentDayFields(models.Model):
    """Payments received (order payments of kind payment) on one day (`paid_on`) in one channel and currency:
    how many and how much, how many were applied to an invoice (matched), how many and how much are neither
    matched nor reversed (open), and the money applied to invoices from them. See reports/rollups.py."""

    day = models.DateField()
    channel = models.ForeignKey(
        "orders.Channel", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    currency = models.CharField(max_length=3)
    n_payments = models.IntegerField()
    sum_received = models.DecimalField(max_digits=16, decimal_places=2)
    n_matched = models.IntegerField()
    n_open = models.IntegerField()
    sum_open = models.DecimalField(max_digits=16, decimal_places=2)
    sum_applied = models.DecimalField(max_digits=16, decimal_places=2)

    KEY = ("day", "channel", "currency")

    class Meta:
        abstract = True


class PaymentDay(PaymentDayFields):
    """The daily roll-up of payments received (PostgreSQL): the compacted sums of PaymentDayChange."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=PaymentDayFields.KEY, name="paymentday_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.currency}: {self.n_payments}"


class PaymentDayChange(PaymentDayFields):
    """Changes to PaymentDay since the last compaction, appended by the triggers on order payments (a payment,
    its reversal) and invoice applications."""

    def __str__(self) -> str:
        return f"{self.day} {self.currency}: {self.n_payments:+d}"


class PaymentDayFigures(PaymentDayFields):
    """PaymentDay UNION ALL PaymentDayChange (a view): exact at any moment; sum its rows per group."""

    id = models.BigIntegerField(primary_key=True)

    class Meta:
        managed = False
        db_table = "reports_paymentday_figures"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.currency}: {self.n_payments}"
