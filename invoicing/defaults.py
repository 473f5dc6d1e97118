# ruff: noqa: E501  (template text: its lines are as long as the HTML needs)
"""Default texts and rows of invoicing, installed by data migrations and restored by "reset to default".

The invoice template renders in the restricted engine of the e-mail templates (no loaders, no tag
libraries, autoescape on, plain JSON data): a customer's text can never become markup, and an image can
only come from the static files (oms.pdf's fetcher refuses the rest).
"""

# code, name, kind, days, discount percent, discount days, portions [(percent, days)]
DEFAULT_TERMS = [
    ("immediate", "Immediate", "immediate", 0, "0", 0, []),
    ("net_14", "Net 14 days", "net_days", 14, "0", 0, []),
    ("net_30", "Net 30 days", "net_days", 30, "0", 0, []),
    ("net_60", "Net 60 days", "net_days", 60, "0", 0, []),
    ("eom_30", "30 days after the end of the invoice month", "end_of_month", 30, "0", 0, []),
    ("on_fulfilment", "Due on fulfilment", "on_fulfilment", 0, "0", 0, []),
    ("deposit_30", "30 % deposit now, the rest Net 30", "schedule", 0, "0", 0, [("30.00", 0), ("70.00", 30)]),
    ("net_30_2_10", "Net 30, 2 % discount within 10 days", "net_days", 30, "2.00", 10, []),
]

INVOICE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ invoice.title }} {{ invoice.number }}</title></head>
<body class="invoice">
<div class="head">{% if shop.logo_url %}<img class="logo" src="{{ shop.logo_url }}" alt="">{% endif %}<h1 class="{% if invoice.is_credit %}credit{% endif %}">{{ invoice.title }}</h1>
<div class="shop">{{ shop.name }}
{{ shop.address }}{% if shop.vat_number %}
VAT {{ shop.vat_number }}{% endif %}</div></div>
<table class="parties"><tr><td class="billto">Bill to
{{ invoice.bill_to }}</td><td class="facts">Number: {{ invoice.number }}
Issue date: {{ invoice.issue_date }}{% if invoice.credit_for %}
Credits invoice: {{ invoice.credit_for }}{% endif %}
Order: {{ invoice.orders }}{% if not invoice.is_credit %}
Terms: {{ invoice.terms }}
Due date: {{ invoice.due_date|default:"on fulfilment" }}{% endif %}</td></tr></table>
<table class="lines">
<thead><tr><th>Description</th><th class="num qty">Qty</th><th class="num price">Unit price</th>{% if has_discount %}<th class="num discount">Discount</th>{% endif %}<th class="num rate">Tax</th><th class="num amount">Amount</th></tr></thead>
<tbody>{% for line in lines %}
<tr><td>{% if line.sku %}{{ line.sku }} · {% endif %}{{ line.name }}{% if line.order %} ({{ line.order }}){% endif %}</td><td class="num">{{ line.quantity }}</td><td class="num">{{ line.unit_price }}</td>{% if has_discount %}<td class="num">{% if line.discount != "0.00" %}{{ line.discount }}{% endif %}</td>{% endif %}<td class="num">{{ line.tax_rate }} %</td><td class="num">{{ line.gross }}</td></tr>{% endfor %}
</tbody>
</table>
<div class="totals">{% for rate in tax_summary %}Tax {{ rate.rate }} % on {{ rate.net }}: {{ rate.tax }}
{% endfor %}Total excl. tax: {{ invoice.total_net }}
Total tax: {{ invoice.total_tax }}</div>
<div class="grand">{% if invoice.is_credit %}Credited{% else %}Total{% endif %} {{ invoice.currency }} {{ invoice.total_gross }}</div>
{% if instalments %}<div class="box">Payment schedule{% for part in instalments %}
Due {{ part.due_date }}: {{ invoice.currency }} {{ part.amount }}{% endfor %}</div>{% endif %}
{% if invoice.discount_percent %}<p>Pay by {{ invoice.discount_until }} and deduct {{ invoice.discount_percent }} % early-payment discount.</p>{% endif %}
{% if invoice.note %}<p class="note">{{ invoice.note }}</p>{% endif %}
{% if pay_url and not invoice.is_credit %}<p class="pay">Pay online: {{ pay_url }}</p>{% endif %}
</body></html>
"""

INVOICE_EMAIL = {
    "subject": "{{ invoice.title }} {{ invoice.number }} from {{ shop_name }}",
    "body_text": (
        "Dear {{ customer_name }},\n\n"
        "Please find attached {{ invoice.title|lower }} {{ invoice.number }} for order {{ invoice.orders }}: "
        "{{ invoice.currency }} {{ invoice.total_gross }}.\n"
        "{% if not invoice.is_credit %}Due date: {{ invoice.due_date|default:'on fulfilment' }}.\n"
        "{% if pay_url %}Pay online: {{ pay_url }}\n{% endif %}{% endif %}"
        "{% if extra_note %}\n{{ extra_note }}\n{% endif %}\n"
        "Kind regards,\n{{ shop_name }}\n"
    ),
    "body_html": (
        "<p>Dear {{ customer_name }},</p>"
        "<p>Please find attached {{ invoice.title|lower }} <strong>{{ invoice.number }}</strong> for order "
        "{{ invoice.orders }}: {{ invoice.currency }} {{ invoice.total_gross }}.</p>"
        "{% if not invoice.is_credit %}<p>Due date: {{ invoice.due_date|default:'on fulfilment' }}.</p>"
        '{% if pay_url %}<p><a href="{{ pay_url }}">Pay online</a></p>{% endif %}{% endif %}'
        "{% if extra_note %}<p>{{ extra_note|linebreaksbr }}</p>{% endif %}"
        "<p>Kind regards,<br>{{ shop_name }}</p>"
    ),
}
