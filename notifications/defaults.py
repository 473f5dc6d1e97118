"""The default text of each e-mail kind, installed by migration 0002 and restorable from the admin.

Context (orders/notify.py order_email_context): order_number, customer_name, shop_name, account_url,
lines (name, sku, quantity, unit_price, gross), lines_gross, shipping, discount, total_tax,
total_gross, currency, billing_address, shipping_address (lists of lines), refund_due (the amount owed
back to the customer, empty when none), extra_note; free-text e-mails add subject and message;
"payment received" adds payment (amount, method, reference, paid_on, balance_due, refund_due,
balance_state: open, paid or refund_due); "shipment sent" adds shipment (number, carrier, tracking_code,
tracking_url, packages, lines: name, sku, quantity; no prices); "invoice sent" adds invoice (title, number,
is_credit, total_gross, balance, due_date) and pay_url, and carries the invoice PDF as an attachment. The
password reset e-mail has only shop_name, email and reset_url.
"""

_LINES_TEXT = (
    "{% for line in lines %}{{ line.quantity }} x {{ line.name }}{% if line.sku %} ({{ line.sku }}){% endif %}"
    "  {{ currency }} {{ line.gross }}\n{% endfor %}"
    "Shipping: {{ currency }} {{ shipping }}\n"
    "{% if discount != '0.00' %}Discount: -{{ currency }} {{ discount }}\n{% endif %}"
    "Total: {{ currency }} {{ total_gross }} (tax {{ currency }} {{ total_tax }})\n"
)
_LINES_HTML = (
    "<table>{% for line in lines %}<tr><td>{{ line.quantity }} &times; {{ line.name }}</td>"
    "<td>{{ currency }} {{ line.gross }}</td></tr>{% endfor %}"
    "<tr><td>Shipping</td><td>{{ currency }} {{ shipping }}</td></tr>"
    "<tr><th>Total</th><th>{{ currency }} {{ total_gross }}</th></tr></table>"
)
_NOTE_TEXT = "{% if extra_note %}\n{{ extra_note }}\n{% endif %}"
_NOTE_HTML = "{% if extra_note %}<p>{{ extra_note|linebreaksbr }}</p>{% endif %}"
# Said in the e-mails of changes that can leave the customer owed money (orders/pricing.py rule 6).
REFUND_TEXT = (
    "{% if refund_due %}\nYou have paid {{ currency }} {{ refund_due }} more than your order now costs. "
    "We will refund this amount to you.\n{% endif %}"
)
REFUND_HTML = (
    "{% if refund_due %}<p>You have paid {{ currency }} {{ refund_due }} more than your order now costs. "
    "We will refund this amount to you.</p>{% endif %}"
)
_SIGN_TEXT = "\nYou can follow your order at {{ account_url }}\n\nKind regards,\n{{ shop_name }}\n"
_SIGN_HTML = '<p><a href="{{ account_url }}">Follow your order</a></p><p>Kind regards,<br>{{ shop_name }}</p>'


def _kind(subject: str, opening: str, with_lines: bool = True, refund: bool = False) -> dict:
    text = "Dear {{ customer_name }},\n\n" + opening + "\n" + _NOTE_TEXT + "\n" + (_LINES_TEXT if with_lines else "")
    html = "<p>Dear {{ customer_name }},</p><p>" + opening + "</p>" + _NOTE_HTML + (_LINES_HTML if with_lines else "")
    if refund:
        text, html = text + REFUND_TEXT, html + REFUND_HTML
    return {"subject": subject, "body_text": text + _SIGN_TEXT, "body_html": html + _SIGN_HTML}


DEFAULTS = {
    "order_placed": _kind(
        "Order {{ order_number }} confirmed", "Thank you for your order {{ order_number }}. We have received it."
    ),
    "order_edited": _kind(
        "Order {{ order_number }} has been changed",
        "Your order {{ order_number }} has been changed. It now reads:",
        refund=True,
    ),
    "order_cancelled": _kind(
        "Order {{ order_number }} has been cancelled",
        "Your order {{ order_number }} has been cancelled. Nothing of it will be sent to you.",
        False,
        refund=True,
    ),
    "order_split": _kind(
        "Order {{ order_number }} has been split",
        "Part of your order has been moved to its own order so it can be handled separately. "
        "Order {{ order_number }} now reads:",
    ),
    "invoice_sent": _kind(
        "{{ invoice.title }} {{ invoice.number }} for order {{ order_number }}",
        "Please find attached {{ invoice.title|lower }} {{ invoice.number }} for your order {{ order_number }}: "
        "{{ currency }} {{ invoice.total_gross }}."
        "{% if not invoice.is_credit %} Due date: {{ invoice.due_date|default:'when the order ships' }}."
        "{% if invoice.balance != invoice.total_gross %} Still to pay: {{ currency }} {{ invoice.balance }}.{% endif %}"
        "{% if pay_url %} Pay online: {{ pay_url }}{% endif %}{% endif %}",
        False,
    ),
    "payment_received": _kind(
        "Payment received for order {{ order_number }}",
        "We have received your payment of {{ currency }} {{ payment.amount }} for order {{ order_number }}"
        " ({{ payment.method }}{% if payment.reference %}, reference {{ payment.reference }}{% endif %},"
        " {{ payment.paid_on }}). Thank you. "
        "{% if payment.balance_state == 'open' %}Still to pay: {{ currency }} {{ payment.balance_due }}."
        "{% elif payment.balance_state == 'refund_due' %}That is {{ currency }} {{ payment.refund_due }} more than"
        " the order total; we will pay it back to you.{% else %}Your order is now paid in full.{% endif %}",
        False,
    ),
    "shipment_sent": {
        "subject": "Order {{ order_number }} is on its way",
        "body_text": "Dear {{ customer_name }},\n\nPart of your order {{ order_number }} has been shipped"
        "{% if shipment.carrier %} with {{ shipment.carrier }}{% endif %}"
        " ({{ shipment.packages }} package{{ shipment.packages|pluralize }}).\n"
        "{% if shipment.tracking_code %}Tracking code: {{ shipment.tracking_code }}\n{% endif %}"
        "{% if shipment.tracking_url %}Follow it at {{ shipment.tracking_url }}\n{% endif %}"
        "\nIn this shipment:\n{% for line in shipment.lines %}{{ line.quantity }} x {{ line.name }}"
        "{% if line.sku %} ({{ line.sku }}){% endif %}\n{% endfor %}" + _NOTE_TEXT + _SIGN_TEXT,
        "body_html": "<p>Dear {{ customer_name }},</p><p>Part of your order {{ order_number }} has been shipped"
        "{% if shipment.carrier %} with {{ shipment.carrier }}{% endif %}"
        " ({{ shipment.packages }} package{{ shipment.packages|pluralize }}).</p>"
        "{% if shipment.tracking_code %}<p>Tracking code: {% if shipment.tracking_url %}"
        '<a href="{{ shipment.tracking_url }}">{{ shipment.tracking_code }}</a>{% else %}{{ shipment.tracking_code }}'
        "{% endif %}</p>{% endif %}"
        "<p>In this shipment:</p><ul>{% for line in shipment.lines %}<li>{{ line.quantity }} &times; {{ line.name }}"
        "</li>{% endfor %}</ul>" + _NOTE_HTML + _SIGN_HTML,
    },
    # "return received" adds return (number, lines: name, quantity; credited, credit_invoice: number or "").
    "return_received": {
        "subject": "Return received for order {{ order_number }}",
        "body_text": "Dear {{ customer_name }},\n\nWe have received your return {{ return.number }} for order"
        " {{ order_number }}:\n{% for line in return.lines %}{{ line.quantity }} x {{ line.name }}\n{% endfor %}"
        "{% if return.credit_invoice %}\nWe have issued credit invoice {{ return.credit_invoice }} of {{ currency }}"
        " {{ return.credited }}; we refund this amount to you.\n{% endif %}" + _NOTE_TEXT + _SIGN_TEXT,
        "body_html": "<p>Dear {{ customer_name }},</p><p>We have received your return {{ return.number }} for order"
        " {{ order_number }}:</p><ul>{% for line in return.lines %}<li>{{ line.quantity }} &times; {{ line.name }}"
        "</li>{% endfor %}</ul>{% if return.credit_invoice %}<p>We have issued credit invoice"
        " {{ return.credit_invoice }} of {{ currency }} {{ return.credited }}; we refund this amount to you.</p>"
        "{% endif %}" + _NOTE_HTML + _SIGN_HTML,
    },
    # "return accepted" and "return declined" add request (number, reason, label_url; decline_reason).
    "return_accepted": {
        "subject": "Your return {{ request.number }} for order {{ order_number }} is accepted",
        "body_text": "Dear {{ customer_name }},\n\nWe have accepted your return request {{ request.number }} for order "
        "{{ order_number }}.\nPrint the return label, stick it on the parcel and send it to us:\n\n"
        "{{ request.label_url }}\n" + _NOTE_TEXT + _SIGN_TEXT,
        "body_html": "<p>Dear {{ customer_name }},</p><p>We have accepted your return request {{ request.number }} for "
        "order {{ order_number }}. Print the return label, stick it on the parcel and send it to us.</p>"
        '<p><a href="{{ request.label_url }}">Print the return label</a></p>' + _NOTE_HTML + _SIGN_HTML,
    },
    "return_declined": {
        "subject": "Your return request {{ request.number }} for order {{ order_number }}",
        "body_text": "Dear {{ customer_name }},\n\nWe are sorry: we cannot accept your return request "
        "{{ request.number }} for order {{ order_number }}.\nReason: {{ request.decline_reason }}\n"
        + _NOTE_TEXT
        + _SIGN_TEXT,
        "body_html": "<p>Dear {{ customer_name }},</p><p>We are sorry: we cannot accept your return request "
        "{{ request.number }} for order {{ order_number }}.</p><p>Reason: {{ request.decline_reason }}</p>"
        + _NOTE_HTML
        + _SIGN_HTML,
    },
    "refund_paid": _kind(
        "Refund for order {{ order_number }}", "We have refunded money for your order {{ order_number }}.", False
    ),
    "free_text": {
        "subject": "{{ subject }}",
        "body_text": "Dear {{ customer_name }},\n\n{{ message }}\n\nOrder: {{ order_number }}\n" + _SIGN_TEXT,
        "body_html": "<p>Dear {{ customer_name }},</p><p>{{ message|linebreaksbr }}</p>"
        "<p>Order: {{ order_number }}</p>" + _SIGN_HTML,
    },
    "password_reset": {
        "subject": "Reset your password at {{ shop_name }}",
        "body_text": "Hello,\n\nSomeone asked to reset the password of the {{ shop_name }} account for {{ email }}.\n"
        "To choose a new password, open this link:\n\n{{ reset_url }}\n\n"
        "If it was not you, ignore this e-mail: your password stays as it is.\n\n{{ shop_name }}\n",
        "body_html": "<p>Hello,</p><p>Someone asked to reset the password of the {{ shop_name }} account for "
        '{{ email }}.</p><p><a href="{{ reset_url }}">Choose a new password</a></p>'
        "<p>If it was not you, ignore this e-mail: your password stays as it is.</p><p>{{ shop_name }}</p>",
    },
    "account_invitation": {
        "subject": "Your account at {{ shop_name }}",
        "body_text": "Dear {{ customer_name }},\n\nAn account has been opened for you at {{ shop_name }} "
        "({{ email }}), "
        "where you can follow your orders, shipments and invoices.\nTo choose your password, open this link:\n\n"
        "{{ reset_url }}\n\nThe link works once and for a few days; after that, ask for a new one on the login "
        'page ("Forgot your password?").\n{{ extra_note }}\n{{ shop_name }}\n',
        "body_html": "<p>Dear {{ customer_name }},</p><p>An account has been opened for you at {{ shop_name }} "
        "({{ email }}), where you can follow your orders, shipments and invoices.</p>"
        '<p><a href="{{ reset_url }}">Choose your password</a></p><p>The link works once and for a few days; after '
        'that, ask for a new one on the login page ("Forgot your password?").</p>'
        "{% if extra_note %}<p>{{ extra_note|linebreaksbr }}</p>{% endif %}<p>{{ shop_name }}</p>",
    },
    "low_stock": {
        "subject": "Low stock: {{ sku }} at {{ location }} ({{ sellable }} left)",
        "body_text": "{{ sku }} {{ product }} at {{ location }} fell below its reorder point.\n\n"
        "Sellable: {{ sellable }} (reorder point {{ reorder_point }}), raised {{ raised_at }}.\n\n"
        "Open alerts: {{ alerts_url }}\n",
        "body_html": "<p>{{ sku }} {{ product }} at {{ location }} fell below its reorder point.</p>"
        "<p>Sellable: <strong>{{ sellable }}</strong> (reorder point {{ reorder_point }}), raised {{ raised_at }}.</p>"
        '<p><a href="{{ alerts_url }}">Open alerts</a></p>',
    },
}
